"""The flexible-times what-if: pending bookings may shift, confirmed ones never."""

from __future__ import annotations

from maitred.domain.booking import BookingStatus
from maitred.planning.combinations import CombinationIndex
from maitred.planning.optimise import OptimiseOptions, optimise_day
from maitred.planning.optimise.flexible import what_if_flexible
from maitred.planning.optimise.problem import shifted_window
from support.floors import at, booking, table, venue

FAST = OptimiseOptions(time_limit_seconds=5, workers=1, seed=0)


def day(status: BookingStatus) -> list:  # type: ignore[type-arg]
    # One 2-top; the first couple sits 19:00-20:00, the second asks for 19:30 (one hour).
    return [
        booking("first", 2, at(19, 0, 60)),
        booking("second", 2, at(19, 30, 60), status=status),
    ]


def test_a_pending_booking_shifted_half_an_hour_would_be_seated() -> None:
    floor = venue([table("A", 2)])
    index = CombinationIndex.build(floor)
    bookings = day(BookingStatus.PENDING)
    plan = optimise_day(index, bookings, (), FAST).plan
    assert plan.metrics.seated_covers == 2
    found = what_if_flexible(index, bookings, (), plan, 30, FAST)
    assert (found.extra_covers, found.extra_bookings, found.shifted_bookings) == (2, 1, 1)
    assert found.covers_optimal
    report = found.to_json()
    assert report["tolerance_minutes"] == 30
    assert "confirmed bookings never move" in report["note"]
    # Fifteen minutes is not enough: 19:45 still overlaps 19:00-20:00.
    assert what_if_flexible(index, bookings, (), plan, 15, FAST).extra_covers == 0


def test_confirmed_bookings_never_shift() -> None:
    floor = venue([table("A", 2)])
    index = CombinationIndex.build(floor)
    bookings = day(BookingStatus.CONFIRMED)
    plan = optimise_day(index, bookings, (), FAST).plan
    found = what_if_flexible(index, bookings, (), plan, 60, FAST)
    assert (found.extra_covers, found.shiftable_bookings) == (0, 0)
    assert [b.window for b in bookings] == [at(19, 0, 60), at(19, 30, 60)]  # untouched


def test_a_shift_stays_inside_its_own_service() -> None:
    floor = venue([table("A", 2)])  # dinner 17:00-23:00, no overrun
    early = booking("early", 2, at(17, 0, 90), status=BookingStatus.PENDING)
    assert shifted_window(floor, early, -15) is None
    late = booking("late", 2, at(22, 0, 90), status=BookingStatus.PENDING)
    moved = shifted_window(floor, late, 30)
    assert moved is not None
    assert (moved.start, moved.end) == (at(22, 30, 30).start, at(22, 30, 30).end)  # cut at 23:00
