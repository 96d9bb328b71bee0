"""The day optimiser: optimal on small days, lexicographic, pinned bookings stay, the
validator has the last word, and greedy is the floor."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from maitred.domain.booking import AllocationKind, BookingStatus
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.optimise import Formulation, OptimiseOptions, optimise_day
from maitred.planning.optimise import optimiser as optimiser_module
from maitred.planning.optimise import solve as solve_module
from maitred.planning.optimise.model import lexicographic_weights
from maitred.planning.optimise.optimiser import check
from maitred.planning.optimise.problem import build_problem, running_sets
from maitred.planning.reasons import Reason
from maitred.planning.validator import DayCode
from support.floors import at, booking, busy, table, venue
from support.optimise import assert_valid, brute_force_covers, random_day, random_floor

FAST = OptimiseOptions(time_limit_seconds=5, workers=1, seed=0)


@pytest.mark.parametrize("seed", range(40))
def test_seated_covers_equal_the_brute_force_optimum(seed: int) -> None:
    rng = random.Random(seed)
    floor = random_floor(rng, rng.randint(3, 5))
    day = random_day(rng, rng.randint(4, 7))
    index = CombinationIndex.build(floor)
    result = optimise_day(index, day, (), FAST)
    assert result.plan.metrics.seated_covers == brute_force_covers(floor, day)
    assert result.covers_optimal
    assert result.covers_bound == result.plan.metrics.seated_covers
    assert_valid(index, result.plan, day)


@pytest.mark.parametrize("formulation", list(Formulation))
@pytest.mark.parametrize("relaxation", [True, False])
def test_formulations_and_the_lp_agree_on_the_optimum(
    formulation: Formulation, relaxation: bool
) -> None:
    rng = random.Random(7)
    floor = random_floor(rng, 5)
    day = random_day(rng, 7)
    options = replace(FAST, formulation=formulation, relaxation=relaxation)
    result = optimise_day(CombinationIndex.build(floor), day, (), options)
    assert result.plan.metrics.seated_covers == brute_force_covers(floor, day)


def test_it_beats_greedy_on_some_small_days_and_never_loses() -> None:
    gains = []
    for seed in range(40):
        rng = random.Random(seed)
        floor = random_floor(rng, rng.randint(3, 5))
        day = random_day(rng, rng.randint(4, 7))
        index = CombinationIndex.build(floor)
        greedy = plan_day(index, day).metrics.seated_covers
        gains.append(optimise_day(index, day, (), FAST).plan.metrics.seated_covers - greedy)
    assert min(gains) >= 0
    assert sum(1 for gain in gains if gain > 0) >= 3


def test_lexicographic_empty_seats_then_tables() -> None:
    # A party of 2 fits T2 (a 2-top, no empty seat) or T4 (two empty seats), and A+B pushed
    # together is never needed: the plan takes T2.
    floor = venue([table("T2", 2), table("T4", 4), table("A", 1), table("B", 1)], [("A", "B")])
    day = [booking("x", 2, at(19))]
    result = optimise_day(CombinationIndex.build(floor), day, (), FAST)
    assert [a.labels for a in result.plan.assignments] == [("T2",)]


def test_blocks_and_holds_are_fixed() -> None:
    floor = venue([table("A", 2), table("B", 2)])
    block = busy("A", at(18, 0, 240), AllocationKind.BLOCK)
    held = busy("B", at(19, 0, 60), AllocationKind.HOLD, booking_id="someone-else")
    day = [booking("x", 2, at(19, 30, 60)), booking("y", 2, at(21, 0, 60))]
    index = CombinationIndex.build(floor)
    result = optimise_day(index, day, [block, held], FAST)
    seated = {a.booking.id: a.labels for a in result.plan.assignments}
    assert seated == {"y": ("B",)}  # A is blocked until 22:00; B's hold ends at 20:00
    assert [u.booking.id for u in result.plan.unseated] == ["x"]
    assert result.plan.unseated[0].reason is Reason.ALL_FITTING_TABLES_BUSY
    assert check(index, result.plan, day, [block, held]) == []


def test_pinned_and_seated_bookings_never_move_when_re_optimising() -> None:
    # The pinned and the seated booking sit where a better plan would want their tables.
    floor = venue([table("A", 4), table("B", 2), table("C", 2)], [("B", "C")])
    day = [
        booking("pinned", 2, at(19), tables=["A"], pinned=True),
        booking("seated", 2, at(19), tables=["B"], status=BookingStatus.SEATED),
        booking("free", 2, at(19), tables=["C"]),
        booking("four", 4, at(19, 30)),
    ]
    index = CombinationIndex.build(floor)
    result = optimise_day(index, day, (), replace(FAST, reoptimise=True))
    where = {a.booking.id: set(a.table_ids) for a in result.plan.assignments}
    assert where["pinned"] == {"A"}
    assert where["seated"] == {"B"}
    assert where["free"] == {"C"}  # moving it would seat nobody more
    assert result.moves == 0
    assert "four" in {u.booking.id for u in result.plan.unseated}


def test_re_optimisation_moves_as_few_bookings_as_it_can() -> None:
    # Two couples sit on the 4-tops; a party of 4 arrives. One move (a couple to the 2-top)
    # seats it; the other couple stays.
    floor = venue([table("F1", 4), table("F2", 4), table("T", 2)])
    day = [
        booking("c1", 2, at(19), tables=["F1"]),
        booking("c2", 2, at(19), tables=["F2"]),
        booking("four", 4, at(19)),
    ]
    index = CombinationIndex.build(floor)
    result = optimise_day(index, day, (), replace(FAST, reoptimise=True))
    assert result.plan.metrics.seated_covers == 8
    assert result.moves == 1
    assert_valid(index, result.plan, day)
    # Without re-optimisation the couples keep their tables and the four waits.
    kept = optimise_day(index, day, (), FAST)
    assert kept.moves == 0
    assert [u.booking.id for u in kept.plan.unseated] == ["four"]


def test_a_booking_with_tables_is_never_unseated_by_re_optimisation() -> None:
    floor = venue([table("A", 4)])
    day = [booking("two", 2, at(19), tables=["A"]), booking("four", 4, at(19))]
    result = optimise_day(CombinationIndex.build(floor), day, (), replace(FAST, reoptimise=True))
    assert [a.booking.id for a in result.plan.assignments] == ["two"]


def test_alike_bookings_are_seated_first_booked_first() -> None:
    floor = venue([table("A", 2), table("B", 2)])
    day = [booking(f"b{n}", 2, at(19)) for n in range(1, 5)]
    index = CombinationIndex.build(floor)
    problem = build_problem(index, day)
    assert [d.count for d in problem.demands] == [4]
    result = optimise_day(index, day, (), FAST)
    assert sorted(a.booking.id for a in result.plan.assignments) == ["b1", "b2"]


def test_the_validator_refuses_an_injected_bad_solution(monkeypatch: pytest.MonkeyPatch) -> None:
    floor = venue([table("A", 2), table("B", 2)])
    day = [booking("x", 2, at(19)), booking("y", 2, at(19))]
    index = CombinationIndex.build(floor)
    real_to_plan = optimiser_module.to_plan

    def doubled(problem, solution):  # type: ignore[no-untyped-def]
        plan = real_to_plan(problem, solution)
        first, second = plan.assignments
        same = replace(second, table_ids=first.table_ids, labels=first.labels)
        return DayPlan.build([first, same], plan.unseated, plan.timezone)

    monkeypatch.setattr(optimiser_module, "to_plan", doubled)
    result = optimise_day(index, day, (), FAST)
    assert result.fallback == "greedy"
    assert {v.code for v in result.violations} == {"TABLE_CONFLICT"}
    assert result.plan is result.greedy
    assert_valid(index, result.plan, day)


def test_the_check_names_a_moved_pinned_booking() -> None:
    floor = venue([table("A", 2), table("B", 2)])
    before = [booking("p", 2, at(19), tables=["A"], pinned=True), booking("q", 2, at(19))]
    index = CombinationIndex.build(floor)
    moved = DayPlan.build(
        [
            replace(plan_day(index, before).assignments[0], table_ids=("B",), labels=("B",)),
        ],
        [],
        floor.timezone,
    )
    assert DayCode.PINNED_MOVED in {v.code for v in check(index, moved, before, [])}


def test_greedy_is_returned_when_the_solver_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimiser_module, "solve", lambda *args, **kwargs: None)
    floor = venue([table("A", 2)])
    day = [booking("x", 2, at(19))]
    result = optimise_day(CombinationIndex.build(floor), day, (), FAST)
    assert (result.fallback, result.plan) == ("greedy", result.greedy)
    assert result.report()["fallback"] == "greedy"


def test_running_sets_are_the_maximal_overlaps() -> None:
    floor = venue([table("A", 2)])
    day = [
        booking("a", 2, at(19, 0, 60)),
        booking("b", 2, at(19, 30, 60)),
        booking("c", 2, at(20, 0, 60)),  # starts as a ends: no overlap with a
        booking("d", 2, at(21, 30, 30)),
    ]
    problem = build_problem(CombinationIndex.build(floor), day)
    sets = running_sets(problem, range(len(problem.options)))
    named = [
        sorted(problem.demands[problem.options[p].demand].bookings[0].id for p in s) for s in sets
    ]
    assert named == [["a", "b"], ["b", "c"]]


def test_lexicographic_weights_order_the_terms() -> None:
    assert lexicographic_weights([3, 4, 2]) == [15, 3, 1]
    weights = lexicographic_weights([10, 7, 5])
    # One unit of a term outweighs the most the later terms can add up to.
    assert weights[0] > weights[1] * 7 + weights[2] * 5
    assert weights[1] > weights[2] * 5


def test_without_the_lp_it_still_plans_but_claims_no_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solve_module, "relax", lambda problem, seconds: None)  # out of time
    rng = random.Random(3)
    floor = random_floor(rng, 5)
    day = random_day(rng, 7)
    index = CombinationIndex.build(floor)
    result = optimise_day(index, day, (), FAST)
    assert result.covers_bound is None
    assert not result.covers_optimal
    assert result.plan.metrics.seated_covers >= plan_day(index, day).metrics.seated_covers
    assert_valid(index, result.plan, day)
