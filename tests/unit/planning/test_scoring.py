"""Ranking: each score term, in its order, and the explanation a host reads."""

from __future__ import annotations

from fractions import Fraction

from maitred.domain.booking import Allocation
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy
from maitred.planning.request import PlanRequest
from maitred.planning.scoring import Plan, rank_plans
from support.floors import at, booking, busy, table, venue

WINDOW = at(19, 0, 120)


def ranked(
    floor: Venue,
    party: int,
    occupants: list[Allocation] | None = None,
    waiting: list | None = None,
    zone: str | None = None,
    top: int | None = None,
) -> list[Plan]:
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, occupants or [])
    day = None if waiting is None else DayBookings.build(waiting, floor.policy, floor.timezone)
    return rank_plans(index, occupancy, PlanRequest(party, WINDOW, zone_preference=zone), day, top)


def labels(plans: list[Plan]) -> list[str]:
    return ["+".join(plan.labels) for plan in plans]


def test_fewest_empty_seats_come_first() -> None:
    floor = venue([table("T1", 6), table("T2", 2), table("T3", 2)], [("T2", "T3")])
    assert labels(ranked(floor, 4)) == ["T2+T3", "T1"]


def test_an_equal_slack_single_beats_a_merge() -> None:
    floor = venue([table("T1", 4), table("T2", 2), table("T3", 2)], [("T2", "T3")])
    assert labels(ranked(floor, 4)) == ["T1", "T2+T3"]


def test_a_plan_that_would_strand_a_waiting_booking_ranks_lower() -> None:
    floor = venue([table("A", 4), table("B", 4)])
    # B is blocked later in the evening, so the 20:00 party of four can only have A.
    later = [busy("B", at(21, 0, 120))]
    waiting = [booking("w1", 4, at(20, 0, 120))]
    plans = ranked(floor, 4, later, waiting)
    assert labels(plans) == ["B", "A"]
    assert [plan.score.unseatable_bookings for plan in plans] == [0, 1]
    assert "leaves 1 other waiting booking without a table" in plans[1].explanation


def test_bookings_that_cannot_be_seated_anyway_are_not_counted_as_damage() -> None:
    floor = venue([table("A", 4), table("B", 4)])
    waiting = [booking("w1", 9, at(20, 0, 120)), booking("w2", 4, at(22, 0, 60))]
    assert [plan.score.unseatable_bookings for plan in ranked(floor, 4, [], waiting)] == [0, 0]


def test_scarce_table_sizes_are_spared() -> None:
    # Both merges seat six with no empty seats on two tables; A+B uses the only 2-top and the
    # only 4-top, C+D two of the three 3-tops.
    floor = venue(
        [table("A", 2), table("B", 4), table("C", 3), table("D", 3), table("E", 3)],
        [("A", "B"), ("C", "D")],
    )
    plans = ranked(floor, 6)
    assert labels(plans) == ["C+D", "A+B"]
    assert plans[0].score.scarcity == Fraction(2, 3)
    assert plans[1].score.scarcity == Fraction(2)


def test_the_preferred_zone_wins_ties() -> None:
    floor = venue([table("M1", 4, zone="main"), table("P1", 4, zone="patio")])
    plans = ranked(floor, 4, zone="patio")
    assert labels(plans) == ["P1", "M1"]
    assert "in the preferred zone Patio" in plans[0].explanation
    assert "outside the preferred zone Patio" in plans[1].explanation


def test_higher_priority_tables_are_used_first() -> None:
    floor = venue([table("T1", 4), table("T2", 4, priority=2)])
    assert labels(ranked(floor, 4)) == ["T2", "T1"]


def test_labels_break_the_last_tie_in_natural_order() -> None:
    floor = venue([table("T10", 4), table("T9", 4), table("T2", 4)])
    assert labels(ranked(floor, 4)) == ["T2", "T9", "T10"]


def test_zone_preference_does_not_outrank_empty_seats() -> None:
    floor = venue([table("M1", 4, zone="main"), table("P1", 6, zone="patio")])
    assert labels(ranked(floor, 4, zone="patio")) == ["M1", "P1"]


def test_every_plan_carries_its_breakdown_and_one_sentence() -> None:
    floor = venue([table("T1", 4), table("T2", 2), table("T3", 2)], [("T2", "T3")])
    plan = ranked(floor, 4, waiting=[])[1]
    assert plan.to_json() == {
        "tables": ["T2", "T3"],
        "empty_seats": 0,
        "score": {
            "empty_seats": 0,
            "tables": 2,
            "unseatable_bookings": 0,
            "scarcity": 1.0,
            "zone_preference_missed": False,
            "priority": 0,
        },
        "explanation": (
            "T2+T3 seats 4 at 2 tables pushed together with no empty seats, "
            "leaves every other waiting booking a table."
        ),
    }


def test_top_n_is_the_head_of_the_full_ranking() -> None:
    tables = [table(f"T{i}", size) for i, size in enumerate([2, 2, 4, 4, 6, 2, 4], start=1)]
    edges = [("T1", "T2"), ("T2", "T6"), ("T3", "T4"), ("T1", "T3"), ("T5", "T7")]
    floor = venue(tables, edges)
    for party in range(1, 11):
        full = ranked(floor, party)
        for top in (1, 2, 3):
            assert labels(ranked(floor, party, top=top)) == labels(full)[:top]
