"""Quotes: ranked plans, the reason class of an empty quote, pacing, nearby start times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from maitred.domain.booking import Allocation, AllocationKind, Booking, BookingStatus
from maitred.domain.policy import Policy
from maitred.domain.venue import Table, Venue
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy
from maitred.planning.quote import Quote, quote
from maitred.planning.reasons import Reason
from maitred.planning.request import QuoteRequest
from support.floors import DAY, at, booking, busy, policy, table, venue


def ask(
    floor: Venue,
    party: int,
    start: time,
    occupants: list[Allocation] | None = None,
    bookings: list[Booking] | None = None,
    **wishes: object,
) -> Quote:
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, occupants or [])
    day = DayBookings.build(bookings or [], floor.policy, floor.timezone)
    request = QuoteRequest(party, DAY, start, **wishes)  # type: ignore[arg-type]
    return quote(index, occupancy, request, day)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)


def between(h1: int, m1: int, h2: int, m2: int) -> Window:
    return Window(local(h1, m1), local(h2, m2))


def small_floor(
    *tables: Table, edges: list[tuple[str, str]] | None = None, rules: Policy | None = None
) -> Venue:
    return venue(tables, edges or [], rules)


def test_a_quote_ranks_its_plans_and_has_no_reason() -> None:
    floor = small_floor(table("T1", 6), table("T2", 4), table("T3", 2))
    answer = ask(floor, 4, time(19))
    assert [plan.labels for plan in answer.plans] == [("T2",), ("T1",)]
    assert answer.reason is None
    assert answer.window == at(19, 0, 105)
    assert answer.to_json()["reason"] is None
    assert answer.to_json()["alternative_times"] == []


def test_top_limits_the_plans_returned() -> None:
    floor = small_floor(*(table(f"T{i}", 2) for i in range(1, 9)))
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, [])
    answer = quote(index, occupancy, QuoteRequest(2, DAY, time(19)), top=3)
    assert [plan.labels for plan in answer.plans] == [("T1",), ("T2",), ("T3",)]


def test_no_table_large_enough() -> None:
    floor = small_floor(table("T1", 4), table("T2", 2), edges=[("T1", "T2")])
    answer = ask(floor, 8, time(19))
    assert answer.reason is Reason.NO_TABLE_LARGE_ENOUGH
    assert answer.plans == ()
    assert answer.alternative_times == ()


@pytest.mark.parametrize(
    ("tables", "edges", "rules", "party"),
    [
        pytest.param([table("T1", 4), table("T2", 4)], [], None, 8, id="not adjacent"),
        pytest.param(
            [table("T1", 4), table("T2", 4, zone="patio")], [("T1", "T2")], None, 8, id="zones"
        ),
        pytest.param(
            [table("T1", 4), table("T2", 4, mergeable=False)],
            [("T1", "T2")],
            None,
            8,
            id="not mergeable",
        ),
        pytest.param(
            [table("T1", 2), table("T2", 2), table("T3", 2)],
            [("T1", "T2"), ("T2", "T3")],
            policy(max_tables=2),
            6,
            id="max tables",
        ),
        pytest.param(
            [table("T1", 6), table("T2", 6)], [("T1", "T2")], policy(slack=4), 7, id="slack"
        ),
    ],
)
def test_merge_rules(
    tables: list[Table], edges: list[tuple[str, str]], rules: Policy | None, party: int
) -> None:
    answer = ask(small_floor(*tables, edges=edges, rules=rules), party, time(19))
    assert answer.reason is Reason.MERGE_RULES
    assert answer.message is not None
    assert "merge rules" in answer.message


def test_party_limits_of_the_only_large_table() -> None:
    floor = small_floor(table("T1", 6, min_party=3))
    assert ask(floor, 2, time(19)).reason is Reason.PARTY_SIZE_OUT_OF_RANGE


def test_every_fitting_table_busy() -> None:
    floor = small_floor(table("T1", 4), table("T2", 2))
    taken = [busy("T1", at(18, 0, 240))]
    answer = ask(floor, 4, time(19), taken)
    assert answer.reason is Reason.ALL_FITTING_TABLES_BUSY
    assert answer.to_json() == {
        "plans": [],
        "reason": "ALL_FITTING_TABLES_BUSY",
        "alternative_times": [],
    }


def test_tables_to_avoid_are_left_out_of_the_reason_too() -> None:
    floor = small_floor(table("T1", 4), table("T2", 2), table("T3", 2), edges=[("T2", "T3")])
    assert ask(floor, 4, time(19), avoid=frozenset({"T1"})).reason is None
    assert ask(floor, 4, time(19), avoid=frozenset({"T1", "T2"})).reason is (
        Reason.NO_TABLE_LARGE_ENOUGH
    )
    taken = [busy("T2", at(19))]
    assert ask(floor, 4, time(19), taken, avoid=frozenset({"T1"})).reason is (
        Reason.ALL_FITTING_TABLES_BUSY
    )


def test_outside_service_hours_offers_the_first_times_inside() -> None:
    floor = small_floor(table("T1", 4))
    answer = ask(floor, 2, time(16, 45))
    assert answer.reason is Reason.OUTSIDE_SERVICE_HOURS
    assert answer.window is None
    assert answer.alternative_times == (local(17), local(17, 15))


def test_alternatives_are_nearest_first_and_earlier_on_ties() -> None:
    floor = small_floor(table("T1", 2), table("T2", 2))
    # A party of two occupies 90 minutes. At 19:00 both tables clash; earlier suits T1 and
    # later suits T2.
    taken = [
        busy("T1", between(20, 25, 20, 35), AllocationKind.BLOCK),
        busy("T2", between(19, 0, 19, 10), AllocationKind.HOLD),
    ]
    answer = ask(floor, 2, time(19), taken)
    assert answer.reason is Reason.ALL_FITTING_TABLES_BUSY
    assert answer.alternative_times == (local(18, 45), local(19, 15), local(18, 30), local(19, 30))
    assert answer.to_json()["alternative_times"][0] == "2026-11-27T18:45:00+00:00"


def test_no_alternatives_beyond_the_tolerance() -> None:
    floor = small_floor(table("T1", 2))
    taken = [busy("T1", at(17, 0, 6 * 60))]
    assert ask(floor, 2, time(19), taken).alternative_times == ()


def test_the_tolerance_and_step_are_the_callers() -> None:
    floor = small_floor(table("T1", 2))
    taken = [busy("T1", between(18, 0, 20, 0))]
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, taken)
    answer = quote(
        index,
        occupancy,
        QuoteRequest(2, DAY, time(19)),
        tolerance=timedelta(hours=2),
        step=timedelta(minutes=30),
    )
    # 18:30, 19:30, 18:00 and 17:30 (and 17:00) still clash with the block; later ones do not.
    assert answer.alternative_times == (local(20), local(20, 30), local(21))


def pacing_floor() -> Venue:
    tables = [table(f"T{i}", 4) for i in range(1, 7)]
    edges = [(f"T{i}", f"T{i + 1}") for i in range(1, 6)]
    return venue(tables, edges, policy(pacing=10))


def covers_at(
    start: time, *parties: int, status: BookingStatus = BookingStatus.CONFIRMED
) -> list[Booking]:
    return [
        booking(
            f"p{start.hour}{start.minute}-{i}",
            party,
            at(start.hour, start.minute, 105),
            status=status,
        )
        for i, party in enumerate(parties)
    ]


def test_pacing_refuses_a_party_that_would_exceed_the_slot() -> None:
    answer = ask(pacing_floor(), 4, time(19, 5), bookings=covers_at(time(19), 4, 4))
    assert answer.reason is Reason.PACING_LIMIT
    assert answer.plans == ()
    assert answer.message is not None
    assert "8 covers already start" in answer.message
    assert answer.alternative_times == (local(18, 50), local(19, 20), local(18, 35), local(19, 35))


def test_pacing_admits_a_party_up_to_the_limit() -> None:
    answer = ask(pacing_floor(), 2, time(19, 10), bookings=covers_at(time(19), 4, 4))
    assert answer.reason is None
    assert answer.plans


def test_pacing_leaves_out_cancelled_bookings_and_the_booking_itself() -> None:
    day = covers_at(time(19), 4, 4) + covers_at(time(19), 6, status=BookingStatus.CANCELLED)
    assert ask(pacing_floor(), 2, time(19), bookings=day).reason is None
    moving = day[0]
    answer = ask(pacing_floor(), 6, time(19), bookings=day, booking_id=moving.id)
    assert answer.reason is None  # 4 others + 6 = 10


def test_pacing_without_a_day_counts_the_party_alone() -> None:
    floor = pacing_floor()
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, [])
    assert quote(index, occupancy, QuoteRequest(12, DAY, time(19))).reason is Reason.PACING_LIMIT
    assert quote(index, occupancy, QuoteRequest(8, DAY, time(19))).reason is None


def test_a_quote_for_a_booking_starts_at_its_own_local_time() -> None:
    existing = booking("b1", 3, at(20, 15, 105))
    request = QuoteRequest.for_booking(existing, "Europe/London", avoid=frozenset({"T1"}))
    assert (request.local_date, request.local_time) == (DAY, time(20, 15))
    assert request.booking_id == "b1"
    assert request.avoid == frozenset({"T1"})
