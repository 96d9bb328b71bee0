"""The day optimiser: CP-SAT over the whole day, never worse than the greedy planner.

It plans greedily first (the warm start, and the plan to fall back on), solves the day
(`solve.py`), turns the answer into a `DayPlan`, has the independent validator check it, and
returns greedy's plan instead when the solver found nothing, the validator refused its plan,
or greedy's plan is better (more covers, or as many with fewer empty seats).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.planning.combinations import Combination, CombinationIndex
from maitred.planning.dayplan import Assignment, DayPlan, Unseated
from maitred.planning.greedy import plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.optimise.model import Formulation
from maitred.planning.optimise.problem import DayProblem, build_problem
from maitred.planning.optimise.solve import (
    DEFAULT_TIME_LIMIT,
    Solution,
    SolverSettings,
    solve,
)
from maitred.planning.reasons import why_no_plan
from maitred.planning.request import booking_allocations
from maitred.planning.rules import label_key
from maitred.planning.scoring import Plan, Score
from maitred.planning.validator import DayCode, Violation, validate_day


@dataclass(frozen=True, slots=True)
class OptimiseOptions:
    """How long and how to search. One worker and a fixed seed make a run repeatable."""

    time_limit_seconds: float = DEFAULT_TIME_LIMIT
    workers: int = 1
    seed: int = 0
    formulation: Formulation = Formulation.STARTS
    relaxation: bool = True
    reoptimise: bool = False  # move bookings that have tables (not pinned, not seated)
    progress: Callable[[str], None] | None = field(default=None, compare=False)

    def settings(self) -> SolverSettings:
        return SolverSettings(
            self.time_limit_seconds,
            self.workers,
            self.seed,
            self.formulation,
            self.relaxation,
            self.progress,
        )

    def say(self, phase: str) -> None:
        if self.progress is not None:
            self.progress(phase)


@dataclass(frozen=True, slots=True)
class Optimised:
    """The plan to use, greedy's plan beside it, and how the optimiser got there."""

    plan: DayPlan
    greedy: DayPlan
    fallback: str | None = None  # "greedy" when greedy's plan is returned
    fallback_reason: str | None = None
    moves: int = 0
    covers_bound: int | None = None
    covers_optimal: bool = False
    seconds: float = 0.0
    options: int = 0
    options_searched: int = 0
    violations: tuple[Violation, ...] = field(default=())

    def report(self) -> dict[str, Any]:
        """What the optimiser adds to a day's report."""
        return {
            "fallback": self.fallback,
            "fallback_reason": self.fallback_reason,
            "optimal_covers": self.covers_optimal,
            "covers_bound": self.covers_bound,
            "solve_seconds": round(self.seconds, 3),
            "greedy_metrics": self.greedy.metrics.to_json(),
        }


def optimise_day(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Iterable[Allocation] = (),
    options: OptimiseOptions | None = None,
) -> Optimised:
    """Seat the day's waiting bookings (and move movable ones, when re-optimising) as well as
    CP-SAT can within the time limit; never worse than the greedy planner."""
    options = options or OptimiseOptions()
    started = time.perf_counter()
    others = tuple(allocations)
    options.say("greedy warm start")
    greedy = plan_day(index, bookings, others)
    problem = build_problem(index, bookings, others, options.reoptimise)
    hint = problem.hinted({a.booking.id: frozenset(a.table_ids) for a in greedy.assignments})
    solution = solve(problem, hint, options.settings())
    if solution is None:
        return _fallback(greedy, "CP-SAT found no plan within the time limit.", started)
    plan = fill(index, to_plan(problem, solution), others)
    options.say("checking the plan")
    found = check(index, plan, bookings, others)
    if found:
        return _fallback(greedy, "The validator refused the optimiser's plan.", started, found)
    if _worse(plan, greedy):
        return _fallback(greedy, "The greedy plan seats more (or as many, better).", started)
    return Optimised(
        plan=plan,
        greedy=greedy,
        moves=count_moves(bookings, plan),
        covers_bound=_day_bound(problem, solution),
        covers_optimal=solution.covers_optimal,
        seconds=time.perf_counter() - started,
        options=len(problem.options),
        options_searched=solution.options_searched,
    )


def _day_bound(problem: DayProblem, solution: Solution) -> int | None:
    """The bound on the decided bookings' covers, plus the covers that keep their tables."""
    if solution.covers_bound is None:
        return None
    return solution.covers_bound + sum(booking.party_size for booking in problem.fixed)


def _fallback(
    greedy: DayPlan, reason: str, started: float, found: Sequence[Violation] = ()
) -> Optimised:
    return Optimised(
        plan=greedy,
        greedy=greedy,
        fallback="greedy",
        fallback_reason=reason,
        seconds=time.perf_counter() - started,
        violations=tuple(found),
    )


def _worse(plan: DayPlan, greedy: DayPlan) -> bool:
    """Fewer covers, or as many with more empty seats."""
    ours, theirs = plan.metrics, greedy.metrics
    if ours.seated_covers != theirs.seated_covers:
        return ours.seated_covers < theirs.seated_covers
    return _empty_seats(plan) > _empty_seats(greedy)


def _empty_seats(plan: DayPlan) -> int:
    return sum(a.seats - a.booking.party_size for a in plan.assignments)


def to_plan(problem: DayProblem, solution: Solution) -> DayPlan:
    """The solver's choices as a day plan: per demand, its first bookings take the chosen
    options (best first); the rest are unseated, with the reason."""
    index = problem.index
    assignments = [_kept(index, booking) for booking in problem.fixed]
    unseated = []
    for demand, chosen in zip(problem.demands, solution.choices, strict=True):
        for number, booking in enumerate(demand.bookings):
            if number < len(chosen):
                option = problem.options[chosen[number]]
                assignments.append(_assignment(booking, option.combination, demand.current))
            else:
                reason, message = why_no_plan(index, booking.party_size)
                unseated.append(Unseated(booking, reason, message))
    return DayPlan.build(assignments, unseated, index.venue.timezone)


def _kept(index: CombinationIndex, booking: Booking) -> Assignment:
    """A booking on the tables it has (unknown ids kept as they are, for the validator)."""
    venue = index.venue

    def label(table_id: str) -> str:
        return venue.table(table_id).label if venue.has_table(table_id) else table_id

    ordered = sorted(booking.tables, key=lambda table_id: label_key(label(table_id)))
    seats = sum(venue.table(t).capacity for t in ordered if venue.has_table(t))
    return Assignment(booking, tuple(ordered), tuple(label(t) for t in ordered), seats)


def _assignment(booking: Booking, combination: Combination, current: int) -> Assignment:
    if combination.mask == current:
        return Assignment(booking, combination.table_ids, combination.labels, combination.capacity)
    empty = combination.capacity - booking.party_size
    score = Score(empty, combination.size, 0, Fraction(0), False, combination.priority)
    where = "one table" if combination.size == 1 else f"{combination.size} tables pushed together"
    explanation = (
        f"{'+'.join(combination.labels)} seats {booking.party_size} at {where} with "
        f"{empty} empty seat(s), chosen by the day optimiser."
    )
    plan = Plan(combination, booking.party_size, score, explanation)
    return Assignment(
        booking, combination.table_ids, combination.labels, combination.capacity, plan
    )


def fill(index: CombinationIndex, plan: DayPlan, allocations: Sequence[Allocation]) -> DayPlan:
    """Seat any unseated booking that still has a free combination (only a plan cut short by
    the time limit can have one), largest party first."""
    if not plan.unseated:
        return plan
    seated = list(plan.assignments)
    occupancy = Occupancy.from_allocations(
        index.positions,
        [*_others(allocations, plan), *booking_allocations(plan.bookings())],
    )
    still = []
    for entry in sorted(plan.unseated, key=lambda u: (-u.booking.party_size, u.booking.id)):
        combination = _first_free(index, occupancy, entry.booking)
        if combination is None:
            still.append(entry)
            continue
        for table_id in combination.table_ids:
            occupancy.add(
                Allocation(
                    table_id, entry.booking.window, AllocationKind.ASSIGNMENT, entry.booking.id
                )
            )
        seated.append(_assignment(entry.booking, combination, 0))
    if len(still) == len(plan.unseated):
        return plan
    return DayPlan.build(seated, still, plan.timezone)


def _others(allocations: Sequence[Allocation], plan: DayPlan) -> list[Allocation]:
    planned = {booking.id for booking in plan.bookings()}
    return [a for a in allocations if a.booking_id is None or a.booking_id not in planned]


def _first_free(
    index: CombinationIndex, occupancy: Occupancy, booking: Booking
) -> Combination | None:
    blocked = occupancy.busy_mask_for(booking.window)
    for group in index.candidates(booking.party_size):
        free = group.free(blocked)
        if free:
            return free[0]
    return None


def check(
    index: CombinationIndex,
    plan: DayPlan,
    bookings: Sequence[Booking],
    allocations: Sequence[Allocation],
) -> list[Violation]:
    """Every rule the plan breaks with a booking it seated or moved, and any pinned booking
    it moved. What was there before (an override, an import) is not judged again."""
    before = {booking.id: booking for booking in bookings}
    changed = {
        a.booking.id
        for a in plan.assignments
        if a.booking.id not in before or set(before[a.booking.id].tables) != set(a.table_ids)
    }
    found = validate_day(index, plan.bookings(), _others(allocations, plan), before=bookings)
    return [v for v in found if _touches(v, changed)]


def _touches(violation: Violation, changed: set[str]) -> bool:
    uses = violation.details.get("uses", ())
    return (
        violation.code == DayCode.PINNED_MOVED
        or violation.booking_id in changed
        or any(use.get("booking_id") in changed for use in uses)
    )


def count_moves(before: Sequence[Booking], plan: DayPlan) -> int:
    """Bookings that had tables and now have others."""
    tables = {booking.id: set(booking.tables) for booking in before if booking.tables}
    return sum(
        1
        for a in plan.assignments
        if a.booking.id in tables and tables[a.booking.id] != set(a.table_ids)
    )
