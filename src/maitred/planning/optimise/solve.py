"""Solving a day: the LP relaxation first, then CP-SAT in two lexicographic stages.

1. The LP relaxation (`relaxation.py`) bounds the seated covers and picks the options worth
   searching. If it cannot finish in its share of the time, CP-SAT gets every option.
2. Stage 1 maximises the seated covers, capped by the LP bound (a valid cut: it lets the solver
   stop the moment it reaches the bound, which proves the plan optimal over *all* options).
3. Stage 2 keeps at least those covers and minimises the other terms in order (empty seats,
   then tables, then moves) as one weighted sum whose weights make it lexicographic.

Each stage starts from a hint (the greedy plan or the current tables, then stage 1's answer)
and stops early when it proves its optimum. Stage 2 only polishes: it gets at most a quarter of
the time limit, and stage 1 everything the LP left but that.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from math import floor

from ortools.sat.python import cp_model

from maitred.planning.optimise.model import (
    Formulation,
    SeatingModel,
    build_model,
    lexicographic_weights,
)
from maitred.planning.optimise.problem import DayProblem, Option
from maitred.planning.optimise.relaxation import relax

DEFAULT_TIME_LIMIT = 10.0
RELAXATION_SHARE = 0.5  # of the time limit, at most, for the LP
SECOND_STAGE_SHARE = 0.25  # of the time limit, at most, for polishing in stage 2
# Besides the LP's support, each booking keeps its first few candidates (fewest empty seats,
# then fewest tables): what rounding the LP's fractional plan into whole tables needs.
FIRST_CANDIDATES = 5
# A day with no more options than this, whose narrowed search stops short of the LP bound, is
# searched again whole (from that plan, under the LP's cut): cheap, and exact where the LP's
# support was too narrow. The narrowed search then gets this share of stage 1's time.
WHOLE_SEARCH_OPTIONS = 3000
NARROW_SHARE = 0.3
MIN_STAGE_SECONDS = 0.05

Choices = tuple[int, ...]  # the options chosen for one demand, one per seated booking


@dataclass(frozen=True, slots=True)
class SolverSettings:
    """How hard and how reproducibly to search."""

    time_limit_seconds: float = DEFAULT_TIME_LIMIT
    workers: int = 1
    seed: int = 0
    formulation: Formulation = Formulation.STARTS
    relaxation: bool = True  # False gives CP-SAT every option, with no LP first
    progress: Callable[[str], None] | None = field(default=None, compare=False)

    def say(self, phase: str) -> None:
        if self.progress is not None:
            self.progress(phase)


@dataclass(frozen=True, slots=True)
class Solution:
    """The options chosen per demand, and what is known about the plan's quality."""

    choices: tuple[Choices, ...]
    covers: int
    covers_bound: int | None  # no plan of the day seats more covers (None: unknown)
    covers_optimal: bool  # the covers are proven the most any plan can seat
    options_searched: int
    relaxation_seconds: float
    seconds: float  # everything: the LP, building the models, both stages


def option_costs(options: Sequence[Option]) -> list[list[int]]:
    """The second-stage terms per option, most important first: empty seats, tables, moves."""
    return [
        [option.empty_seats for option in options],
        [option.tables for option in options],
        [int(option.move) for option in options],
    ]


def solve(
    problem: DayProblem,
    hint: set[int],
    settings: SolverSettings,
    costs: Sequence[Sequence[int]] | None = None,
) -> Solution | None:
    """The best plan found within the time limit, or None when no solution was found.

    `costs` are the second-stage terms per option (default: `option_costs`); an empty list
    skips the second stage."""
    started = time.perf_counter()
    deadline = started + settings.time_limit_seconds
    costs = option_costs(problem.options) if costs is None else costs
    polish = settings.time_limit_seconds * SECOND_STAGE_SHARE if costs else 0.0
    found = _searched(problem, hint, settings)
    widen = found.widenable(len(problem.options))
    share = NARROW_SHARE if widen else 1.0
    seating = _model(found, settings)
    first = _stage_one(found, seating, hint, settings, (_left(deadline) - polish) * share)
    if first is None:
        return None
    if widen and first[1] < (found.bound or 0):
        whole = _Search(problem, list(range(len(problem.options))), found.bound, True)
        wider = _model(whole, settings)
        chosen = {found.kept[p] for p in first[0]}
        again = _stage_one(whole, wider, chosen, settings, _left(deadline) - polish)
        if again is not None and again[1] >= first[1]:
            found, seating, first = replace(whole, lp_seconds=found.lp_seconds), wider, again
    chosen, covers, model_bound = first
    # CP-SAT's own bound (under the LP's cut) holds for the day only if it saw every option.
    bound = max(model_bound, covers) if found.complete else found.bound
    if costs:
        search_costs = [[term[old] for old in found.kept] for term in costs]
        seconds = min(polish, _left(deadline))
        chosen = _stage_two(found.problem, seating, chosen, covers, search_costs, settings, seconds)
    return Solution(
        _per_demand(problem, {found.kept[p] for p in chosen}),
        covers,
        bound,
        bound is not None and covers >= bound,
        len(found.kept),
        found.lp_seconds,
        time.perf_counter() - started,
    )


@dataclass(frozen=True, slots=True)
class _Search:
    """The options CP-SAT searches, with their positions in the whole problem."""

    problem: DayProblem
    kept: list[int]
    bound: int | None  # the LP bound, when the LP was solved
    complete: bool  # every option is searched
    lp_seconds: float = 0.0

    def widenable(self, options: int) -> bool:
        """A narrowed search of a small day may be widened to every option."""
        return self.bound is not None and not self.complete and options <= WHOLE_SEARCH_OPTIONS


def _searched(problem: DayProblem, hint: set[int], settings: SolverSettings) -> _Search:
    """Every option without the LP; otherwise the LP's support, the hint, the current tables
    and each demand's first candidates (only those last three if the LP ran out of time)."""
    if not settings.relaxation or not problem.options:
        return _Search(problem, list(range(len(problem.options))), None, True)
    settings.say(f"LP relaxation: {len(problem.options)} options")
    relaxation = relax(problem, settings.time_limit_seconds * RELAXATION_SHARE)
    keep = hint | problem.staying()
    for demand, positions in zip(problem.demands, problem.by_demand, strict=True):
        keep.update(positions[: FIRST_CANDIDATES + demand.count - 1])
    if relaxation is None:
        search, kept = problem.restricted(keep)
        return _Search(search, kept, None, False)
    search, kept = problem.restricted(keep | relaxation.support)
    return _Search(search, kept, relaxation.covers_bound, False, relaxation.seconds)


def _model(found: _Search, settings: SolverSettings) -> SeatingModel:
    seating = build_model(found.problem, settings.formulation)
    if found.bound is not None:  # a valid cut: the solver stops when it reaches the bound
        seating.model.add(seating.covers <= found.bound)
    return seating


def _left(deadline: float) -> float:
    return deadline - time.perf_counter()


def _solver(settings: SolverSettings, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.max_time_in_seconds = max(MIN_STAGE_SECONDS, seconds)
    parameters.num_workers = settings.workers
    parameters.random_seed = settings.seed
    # The at-most-one rows in the LP: this is what gives the solver a useful bound.
    parameters.linearization_level = 2
    parameters.cp_model_presolve = False
    return solver


def _set_hint(seating: SeatingModel, problem: DayProblem, chosen: set[int]) -> None:
    seating.model.clear_hints()  # type: ignore[no-untyped-call]
    for position, variable in enumerate(seating.chosen):
        seating.model.add_hint(variable, position in chosen)
    for demand, variable, positions in zip(
        problem.demands, seating.unseated, problem.by_demand, strict=True
    ):
        if demand.must_seat:
            continue  # a constant 0, shared by every such demand
        seated = sum(1 for p in positions if p in chosen)
        seating.model.add_hint(variable, demand.count - seated)


def _stage_one(
    found: _Search,
    seating: SeatingModel,
    hint: set[int],
    settings: SolverSettings,
    seconds: float,
) -> tuple[set[int], int, int] | None:
    """Maximise covers from a hint (positions in the whole problem): (chosen options, covers,
    the solver's bound on this model)."""
    problem = found.problem
    settings.say(f"CP-SAT stage 1, covers: {len(problem.options)} options")
    renumbered = {old: new for new, old in enumerate(found.kept)}
    _set_hint(seating, problem, {renumbered[c] for c in hint if c in renumbered})
    seating.model.maximize(seating.covers)
    solver = _solver(settings, seconds)
    status = solver.solve(seating.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = {p for p, variable in enumerate(seating.chosen) if solver.boolean_value(variable)}
    covers = round(solver.objective_value)
    return chosen, covers, floor(solver.best_objective_bound + 1e-6)


def _stage_two(
    problem: DayProblem,
    seating: SeatingModel,
    chosen: set[int],
    covers: int,
    costs: Sequence[Sequence[int]],
    settings: SolverSettings,
    seconds: float,
) -> set[int]:
    """Keep the covers, minimise the other terms lexicographically."""
    settings.say(f"CP-SAT stage 2, covers {covers} kept")
    weights = lexicographic_weights([_most(problem, term) for term in costs])
    per_option = [
        sum(w * term[p] for w, term in zip(weights, costs, strict=True))
        for p in range(len(problem.options))
    ]
    seating.model.add(seating.covers >= covers)
    seating.model.minimize(cp_model.LinearExpr.weighted_sum(list(seating.chosen), per_option))
    _set_hint(seating, problem, chosen)
    solver = _solver(settings, seconds)
    status = solver.solve(seating.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return chosen
    return {p for p, variable in enumerate(seating.chosen) if solver.boolean_value(variable)}


def _most(problem: DayProblem, term: Sequence[int]) -> int:
    """The largest total a term can reach: each booking's costliest option."""
    return sum(
        sum(sorted((term[p] for p in positions), reverse=True)[: demand.count])
        for demand, positions in zip(problem.demands, problem.by_demand, strict=True)
    )


def _per_demand(problem: DayProblem, chosen: set[int]) -> tuple[Choices, ...]:
    return tuple(tuple(p for p in positions if p in chosen) for positions in problem.by_demand)
