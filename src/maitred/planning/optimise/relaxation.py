"""The LP relaxation of the seating model (GLOP): the bound on covers, and the options that
matter.

On a busy day the model has tens of thousands of options, mostly interchangeable tables; CP-SAT
can neither search nor bound that many within seconds (its best bound stays near the covers
booked). The LP relaxation of the very same model solves in a fraction of that and is, on
restaurant days, within a fraction of a percent of the integer optimum. So the optimiser solves
it first: its optimum is a valid upper bound on the seated covers, and the options it uses (its
support, a few per booking) are the ones CP-SAT then chooses from.

"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import floor

from ortools.linear_solver import pywraplp

from maitred.planning.optimise.problem import DayProblem, options_by_table, running_sets

SUPPORT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Relaxation:
    covers_bound: int  # no plan seats more covers
    support: frozenset[int]  # options with a positive value in the LP optimum
    value: float
    seconds: float


def relax(problem: DayProblem, seconds: float) -> Relaxation | None:
    """The LP optimum, or None if GLOP did not prove it within `seconds`."""
    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    columns = [solver.NumVar(0, 1, "") for _ in problem.options]
    _rows(solver, problem, columns)
    objective = solver.Objective()
    for position, option in enumerate(problem.options):
        objective.SetCoefficient(columns[position], option.party_size)
    objective.SetMaximization()
    solver.SetTimeLimit(max(1, round((seconds - (time.perf_counter() - started)) * 1000)))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    value = float(objective.Value())
    support = frozenset(
        position
        for position, column in enumerate(columns)
        if column.solution_value() > SUPPORT_TOLERANCE
    )
    bound = floor(value + SUPPORT_TOLERANCE)
    return Relaxation(bound, support, value, time.perf_counter() - started)


def _rows(solver: pywraplp.Solver, problem: DayProblem, columns: list[pywraplp.Variable]) -> None:
    """At most one option per booking of a demand; per table, at most one option running at
    each moment."""
    infinity = solver.infinity()
    for demand, positions in zip(problem.demands, problem.by_demand, strict=True):
        if len(positions) > demand.count:
            row = solver.Constraint(-infinity, demand.count)
            for position in positions:
                row.SetCoefficient(columns[position], 1)
    seen: set[tuple[int, ...]] = set()
    for _, on_table in sorted(options_by_table(problem).items()):
        for running in running_sets(problem, on_table):
            key = tuple(running)
            if key in seen:
                continue
            seen.add(key)
            row = solver.Constraint(-infinity, 1)
            for position in running:
                row.SetCoefficient(columns[position], 1)
