"""The industry-style baseline: first come, first served, smallest table, else first fit."""

from __future__ import annotations

from maitred.planning.combinations import CombinationIndex
from maitred.planning.optimise.industry import industry_plan
from support.floors import at, booking, table, venue
from support.optimise import assert_valid


def test_bookings_take_the_smallest_free_table_in_the_order_they_were_made() -> None:
    floor = venue([table("T4", 4), table("T2", 2), table("T6", 6)])
    index = CombinationIndex.build(floor)
    day = [booking("a", 2, at(19)), booking("b", 2, at(19)), booking("c", 4, at(19))]
    plan = industry_plan(index, day)
    seated = {a.booking.id: a.labels for a in plan.assignments}
    assert seated == {"a": ("T2",), "b": ("T4",), "c": ("T6",)}
    assert_valid(index, plan, day)


def test_without_a_single_table_the_first_combination_in_label_order() -> None:
    floor = venue(
        [table("A", 2), table("B", 2), table("C", 2), table("D", 4)],
        [("A", "B"), ("B", "C"), ("C", "D")],
    )
    index = CombinationIndex.build(floor)
    day = [booking("big", 6, at(19)), booking("four", 4, at(19))]
    plan = industry_plan(index, day)
    seated = {a.booking.id: a.labels for a in plan.assignments}
    # A+B+C (6 seats, first in label order) beats C+D (6 seats, fewer tables): no look-ahead.
    assert seated["big"] == ("A", "B", "C")
    assert seated["four"] == ("D",)
    assert_valid(index, plan, day)
