"""The greedy day planner and its report."""

from __future__ import annotations

import random

from maitred.domain.booking import AllocationKind, BookingStatus
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex
from maitred.planning.greedy import hardest_first, plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.reasons import Reason
from maitred.planning.validator import validate_day
from support.floors import at, booking, busy, table, venue


def floor() -> Venue:
    return venue(
        [table("T1", 4), table("T2", 2), table("T3", 2), table("T4", 6, min_party=3)],
        [("T2", "T3")],
    )


def test_hardest_first_orders_by_party_then_fewest_options() -> None:
    index = CombinationIndex.build(venue([table("A", 2), table("B", 2), table("C", 4)]))
    block = busy("B", at(20, 35, 25), AllocationKind.BLOCK)
    occupancy = Occupancy.from_allocations(index.positions, [block])
    many = booking("x", 2, at(19, 0, 90))  # A, B or C
    few = booking("y", 2, at(19, 30, 90))  # A or C: B is blocked at 20:35
    large = booking("z", 4, at(21, 0, 90))
    order = hardest_first(index, occupancy, [many, few, large])
    assert [b.id for b in order] == ["z", "y", "x"]


def test_every_booking_takes_its_best_plan_and_the_day_validates() -> None:
    index = CombinationIndex.build(floor())
    day = [
        booking("a", 4, at(19)),
        booking("b", 4, at(19)),
        booking("c", 2, at(19)),
        booking("d", 5, at(19, 30)),
    ]
    plan = plan_day(index, day)
    seated = {a.booking.id: a.labels for a in plan.assignments}
    assert seated == {"d": ("T4",), "a": ("T1",), "b": ("T2", "T3")}
    assert [(u.booking.id, u.reason) for u in plan.unseated] == [
        ("c", Reason.ALL_FITTING_TABLES_BUSY)
    ]
    assert validate_day(index, plan.bookings(), before=day) == []


def test_pinned_bookings_keep_their_tables_and_the_rest_plan_around_them() -> None:
    index = CombinationIndex.build(floor())
    pinned = booking("p", 2, at(19), ["T1"], pinned=True)
    day = [pinned, booking("a", 4, at(19, 30))]
    plan = plan_day(index, day)
    assert [(a.booking.id, a.labels, a.plan is None) for a in plan.assignments] == [
        ("p", ("T1",), True),
        ("a", ("T2", "T3"), False),
    ]
    assert validate_day(index, plan.bookings(), before=day) == []


def test_blocks_are_respected() -> None:
    index = CombinationIndex.build(venue([table("T1", 4), table("T2", 4)]))
    block = busy("T1", at(18, 0, 300), AllocationKind.BLOCK)
    plan = plan_day(index, [booking("a", 4, at(19))], [block])
    assert plan.assignments[0].labels == ("T2",)


def test_unseated_bookings_carry_their_reason() -> None:
    index = CombinationIndex.build(floor())
    day = [booking("huge", 20, at(19)), booking("one", 1, at(19))]
    plan = plan_day(index, day)
    assert [(u.booking.id, u.reason) for u in plan.unseated] == [
        ("huge", Reason.NO_TABLE_LARGE_ENOUGH)
    ]


def test_the_plan_does_not_depend_on_the_order_of_the_bookings() -> None:
    index = CombinationIndex.build(floor())
    day = [
        booking(f"b{i}", size, at(17 + i % 4, 15 * (i % 3)))
        for i, size in enumerate([2, 4, 3, 2, 6, 1, 4, 2, 5, 2, 3, 4])
    ]
    first = plan_day(index, day).to_json()
    for seed in range(5):
        shuffled = random.Random(seed).sample(day, len(day))
        assert plan_day(index, shuffled).to_json() == first


def test_the_report_is_the_json_of_the_design() -> None:
    index = CombinationIndex.build(floor())
    day = [
        booking("a", 3, at(19, 0, 110), ["T1"], pinned=True),
        booking("b", 4, at(19)),
        booking("c", 9, at(20)),
        booking("x", 2, at(19), status=BookingStatus.CANCELLED),
    ]
    assert plan_day(index, day).to_json() == {
        "assignments": [
            {
                "ref": "A",
                "party_size": 3,
                "tables": ["T1"],
                "start": "2026-11-27T19:00:00+00:00",
                "end": "2026-11-27T20:50:00+00:00",
            },
            {
                "ref": "B",
                "party_size": 4,
                "tables": ["T2", "T3"],
                "start": "2026-11-27T19:00:00+00:00",
                "end": "2026-11-27T21:00:00+00:00",
            },
        ],
        "unseated": [{"ref": "C", "party_size": 9, "reason": "MERGE_RULES"}],
        "metrics": {
            "bookings": 3,
            "seated_bookings": 2,
            "covers": 16,
            "seated_covers": 7,
            "seat_utilisation": 0.875,  # 7 guests on 4 + 2 + 2 seats
        },
    }


def test_an_empty_day() -> None:
    plan = plan_day(CombinationIndex.build(floor()), [])
    assert plan.to_json()["metrics"] == {
        "bookings": 0,
        "seated_bookings": 0,
        "covers": 0,
        "seated_covers": 0,
        "seat_utilisation": 0.0,
    }


def test_a_bookings_own_hold_does_not_keep_it_from_its_tables() -> None:
    index = CombinationIndex.build(venue([table("T1", 4)]))
    own = busy("T1", at(19), AllocationKind.HOLD, booking_id="a")
    other = busy("T1", at(21), AllocationKind.HOLD, booking_id="z")
    plan = plan_day(index, [booking("a", 4, at(19)), booking("b", 4, at(21))], [own, other])
    assert [a.booking.id for a in plan.assignments] == ["a"]
    assert [u.booking.id for u in plan.unseated] == ["b"]
