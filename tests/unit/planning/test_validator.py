"""The day validator rejects each kind of broken assignment and accepts a sound one."""

from __future__ import annotations

from dataclasses import replace

from maitred.domain.booking import AllocationKind, Booking, BookingStatus
from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex
from maitred.planning.validator import Violation, validate_day
from support.floors import at, booking, busy, policy, table, venue


def floor() -> Venue:
    return venue(
        [
            table("T1", 2),
            table("T2", 2),
            table("T3", 2),
            table("T4", 4, mergeable=False),
            table("T5", 6, min_party=3),
            table("T6", 2, active=False),
            table("P1", 2, zone="patio"),
        ],
        [("T1", "T2"), ("T2", "T3"), ("T1", "T4")],
        policy(mode=AdjacencyMode.PAIRWISE, max_tables=2, slack=1),
    )


def violations(bookings: list[Booking], **kwargs: object) -> list[Violation]:
    return validate_day(CombinationIndex.build(floor()), bookings, **kwargs)  # type: ignore[arg-type]


def codes(bookings: list[Booking], **kwargs: object) -> list[str]:
    return [v.code for v in violations(bookings, **kwargs)]


def sound_day() -> list[Booking]:
    return [
        booking("a", 4, at(18), ["T1", "T2"]),
        booking("b", 4, at(20), ["T1", "T2"]),  # back to back with a
        booking("c", 5, at(18), ["T5"]),
        booking("d", 2, at(19), ["P1"]),
        booking("e", 3, at(19)),  # not seated: nothing to check
    ]


def test_a_sound_day_passes() -> None:
    assert violations(sound_day()) == []


def test_a_table_used_twice_at_once() -> None:
    day = [booking("a", 2, at(18), ["T1"]), booking("b", 2, at(19, 59), ["T1"])]
    found = violations(day)
    assert [v.code for v in found] == ["TABLE_CONFLICT"]
    assert [use["booking_id"] for use in found[0].details["uses"]] == ["a", "b"]


def test_a_long_booking_enclosing_a_short_one_is_a_conflict() -> None:
    day = [booking("long", 2, at(18, 0, 240), ["T1"]), booking("short", 2, at(19, 0, 30), ["T1"])]
    assert codes(day) == ["TABLE_CONFLICT"]


def test_a_booking_over_a_block_or_another_bookings_hold_is_a_conflict() -> None:
    day = [booking("a", 2, at(18), ["T1"])]
    block = busy("T1", at(19, 0, 30), AllocationKind.BLOCK)
    hold = busy("T1", at(19, 30, 60), AllocationKind.HOLD, booking_id="z")
    assert codes(day, allocations=[block, hold]) == ["TABLE_CONFLICT", "TABLE_CONFLICT"]


def test_a_bookings_own_allocations_are_not_a_conflict_with_itself() -> None:
    day = [booking("a", 2, at(18), ["T1"])]
    own = busy("T1", at(18), AllocationKind.ASSIGNMENT, booking_id="a")
    assert codes(day, allocations=[own]) == []


def test_cancelled_bookings_occupy_nothing() -> None:
    day = [
        booking("a", 2, at(18), ["T1"]),
        booking("b", 2, at(18), ["T1"], status=BookingStatus.CANCELLED),
    ]
    assert codes(day) == []


def test_capacity_and_party_limits() -> None:
    assert codes([booking("a", 3, at(18), ["T1"])]) == ["CAPACITY_INSUFFICIENT"]
    assert codes([booking("a", 2, at(18), ["T5"])]) == ["PARTY_SIZE_OUT_OF_RANGE"]


def test_merge_rules_and_zone() -> None:
    assert codes([booking("a", 6, at(18), ["T1", "T4"])]) == ["NOT_MERGEABLE"]
    assert codes([booking("a", 4, at(18), ["T1", "P1"])]) == ["ZONE_MISMATCH", "ADJACENCY_REQUIRED"]
    assert codes([booking("a", 4, at(18), ["T1", "T3"])]) == ["ADJACENCY_REQUIRED"]
    assert codes([booking("a", 6, at(18), ["T1", "T2", "T3"])]) == [
        "TOO_MANY_TABLES",
        "ADJACENCY_REQUIRED",
    ]
    assert codes([booking("a", 2, at(18), ["T1", "T2"])]) == ["SLACK_BUDGET_EXCEEDED"]


def test_inactive_unknown_and_repeated_tables() -> None:
    assert codes([booking("a", 2, at(18), ["T6"])]) == ["TABLE_INACTIVE"]
    assert codes([booking("a", 2, at(18), ["X1"])]) == ["NOT_FOUND", "CAPACITY_INSUFFICIENT"]
    assert "DUPLICATE_TABLE" in codes([booking("a", 2, at(18), ["T1", "T1"])])


def test_pinned_bookings_must_stay_where_they_were_pinned() -> None:
    before = [booking("a", 4, at(18), ["T1", "T2"], pinned=True), booking("b", 2, at(18), ["T3"])]
    moved = [replace(before[0], tables=("T2", "T3")), replace(before[1], tables=("P1",))]
    found = violations(moved, before=before)
    assert [(v.code, v.booking_id) for v in found] == [("PINNED_MOVED", "a")]
    dropped = [replace(before[0], tables=()), before[1]]
    assert codes(dropped, before=before) == ["PINNED_MOVED"]
    assert codes(before[1:], before=before) == ["PINNED_MOVED"]
    reordered = [replace(before[0], tables=("T2", "T1")), before[1]]
    assert codes(reordered, before=before) == []


def test_waived_rules_are_not_reported_for_that_booking_only() -> None:
    day = [booking("a", 2, at(18), ["T5"]), booking("b", 2, at(20), ["T5"])]
    waived = {"a": frozenset({"PARTY_SIZE_OUT_OF_RANGE"})}
    assert [(v.code, v.booking_id) for v in violations(day, waived=waived)] == [
        ("PARTY_SIZE_OUT_OF_RANGE", "b")
    ]
