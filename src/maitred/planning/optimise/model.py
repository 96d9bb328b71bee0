"""The CP-SAT model of a day: one Boolean per option, an "unseated" count per demand (exactly
its bookings, seated or not), and no table used by two options at once.

Two formulations of "no table used twice at once" are kept, so that their comparison
(`maitred bench quality --formulation intervals`, docs/benchmarks.md) can be run again:

- `STARTS`: for each table, at most one of its options is running at each moment where a
  set of them overlap the most (the maximal cliques of an interval graph, found by a sweep).
  Linear, so the LP relaxation sees it: the default, it proved faster (docs/benchmarks.md).
- `INTERVALS`: one optional fixed-size interval per option, in the no-overlap constraint of
  every table of its combination.

What never moves (blocks, live holds, bookings that keep their tables) is not in the model:
an option that would overlap it is never created (`problem.py`), which is the same as a fixed
interval in every table's constraint, with fewer variables.

Times are integers in the largest unit that divides every option's start and end (usually
minutes), relative to the earliest start, so the interval formulation stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import gcd

from ortools.sat.python import cp_model

from maitred.planning.optimise.problem import DayProblem, Demand, options_by_table, running_sets


class Formulation(StrEnum):
    STARTS = "starts"
    INTERVALS = "intervals"


@dataclass(frozen=True, slots=True)
class SeatingModel:
    model: cp_model.CpModel
    chosen: tuple[cp_model.IntVar, ...]  # one per option
    unseated: tuple[cp_model.IntVar, ...]  # per demand, how many of its bookings sit nowhere
    covers: cp_model.LinearExpr


def build_model(problem: DayProblem, formulation: Formulation) -> SeatingModel:
    """Seat each demand's bookings on distinct options or leave them unseated (a booking that
    has tables now is always seated), with no table in two running options."""
    model = cp_model.CpModel()
    chosen = tuple(model.new_bool_var(f"o{n}") for n in range(len(problem.options)))
    unseated = tuple(
        _seat_demand(model, n, demand, [chosen[p] for p in positions])
        for n, (demand, positions) in enumerate(
            zip(problem.demands, problem.by_demand, strict=True)
        )
    )
    by_table = options_by_table(problem)
    if formulation is Formulation.STARTS:
        _add_cliques(model, problem, by_table, chosen)
    else:
        _add_intervals(model, problem, by_table, chosen)
    # Covers as the parties not left unseated: the solver sees the trivial bound at once.
    parties = [demand.party_size for demand in problem.demands]
    booked = sum(demand.party_size * demand.count for demand in problem.demands)
    covers = booked - cp_model.LinearExpr.weighted_sum(list(unseated), parties)
    return SeatingModel(model, chosen, unseated, covers)


def _seat_demand(
    model: cp_model.CpModel, n: int, demand: Demand, choices: list[cp_model.IntVar]
) -> cp_model.IntVar:
    """Each booking of the demand on one of its options, or unseated: the unseated count."""
    if demand.must_seat:
        model.add_exactly_one(choices)
        return model.new_constant(0)
    if demand.count == 1:
        left = model.new_bool_var(f"u{n}")
        model.add_exactly_one([*choices, left])
        return left
    left = model.new_int_var(0, demand.count, f"u{n}")
    model.add(sum(choices) + left == demand.count)
    return left


def _add_cliques(
    model: cp_model.CpModel,
    problem: DayProblem,
    by_table: dict[int, list[int]],
    chosen: tuple[cp_model.IntVar, ...],
) -> None:
    seen: set[tuple[int, ...]] = set()
    for table in sorted(by_table):
        for running in running_sets(problem, by_table[table]):
            key = tuple(running)
            if key not in seen:
                seen.add(key)
                model.add_at_most_one([chosen[p] for p in running])


def _add_intervals(
    model: cp_model.CpModel,
    problem: DayProblem,
    by_table: dict[int, list[int]],
    chosen: tuple[cp_model.IntVar, ...],
) -> None:
    if not problem.options:
        return
    origin = min(option.start for option in problem.options)
    unit = 0
    for option in problem.options:
        unit = gcd(unit, option.start - origin, option.end - origin)
    intervals = [
        model.new_optional_fixed_size_interval_var(
            (option.start - origin) // unit,
            (option.end - option.start) // unit,
            chosen[position],
            f"i{position}",
        )
        for position, option in enumerate(problem.options)
    ]
    for table in sorted(by_table):
        if len(by_table[table]) > 1:
            model.add_no_overlap([intervals[p] for p in by_table[table]])


def lexicographic_weights(maxima: Sequence[int]) -> list[int]:
    """Weights that make a weighted sum of non-negative terms order them lexicographically:
    each weight exceeds the most the terms after it can add up to."""
    weights = [0] * len(maxima)
    tail = 0
    for position in range(len(maxima) - 1, -1, -1):
        weights[position] = tail + 1
        tail += weights[position] * maxima[position]
    return weights
