"""The flexible-times what-if: how many more covers the day would seat if pending bookings
could start up to ±tolerance earlier or later, in 15-minute steps.

A what-if only: nothing it finds is written, and confirmed bookings never shift (a guest who
was told 19:00 is not moved to 19:15). It solves the same model with the shifted options added
for pending bookings, starting from the day's plan, and minimises how many bookings it shifts
once the covers are settled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from maitred.domain.booking import Allocation, Booking
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.optimise.optimiser import OptimiseOptions
from maitred.planning.optimise.problem import STEP_MINUTES, build_problem
from maitred.planning.optimise.solve import solve


@dataclass(frozen=True, slots=True)
class FlexibleTimes:
    tolerance_minutes: int
    extra_covers: int
    extra_bookings: int
    shifted_bookings: int
    shiftable_bookings: int  # pending bookings without tables: the only ones that may shift
    covers_optimal: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "tolerance_minutes": self.tolerance_minutes,
            "extra_covers": self.extra_covers,
            "extra_bookings": self.extra_bookings,
            "shifted_bookings": self.shifted_bookings,
            "shiftable_bookings": self.shiftable_bookings,
            "optimal_covers": self.covers_optimal,
            "note": (
                "What-if only, nothing was written: pending bookings without tables may start"
                f" up to {self.tolerance_minutes} minutes earlier or later in"
                f" {STEP_MINUTES}-minute steps; confirmed bookings never move."
            ),
        }


def what_if_flexible(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Iterable[Allocation],
    plan: DayPlan,
    tolerance_minutes: int,
    options: OptimiseOptions | None = None,
) -> FlexibleTimes:
    """How many more covers and bookings the day would seat with flexible start times,
    compared with `plan` (the plan the run produced)."""
    options = options or OptimiseOptions()
    problem = build_problem(
        index, bookings, tuple(allocations), options.reoptimise, tolerance_minutes
    )
    shiftable = sum(
        demand.count
        for demand, positions in zip(problem.demands, problem.by_demand, strict=True)
        if any(problem.options[p].shift_minutes for p in positions)
    )
    hint = problem.hinted({a.booking.id: frozenset(a.table_ids) for a in plan.assignments})
    shifted = [[int(option.shift_minutes != 0) for option in problem.options]]
    solution = solve(problem, hint, options.settings(), costs=shifted)
    if solution is None:
        return FlexibleTimes(tolerance_minutes, 0, 0, 0, shiftable, False)
    chosen = [p for choices in solution.choices for p in choices]
    fixed_covers = sum(booking.party_size for booking in problem.fixed)
    metrics = plan.metrics
    return FlexibleTimes(
        tolerance_minutes,
        max(0, solution.covers + fixed_covers - metrics.seated_covers),
        len(chosen) + len(problem.fixed) - metrics.seated_bookings,
        sum(1 for p in chosen if problem.options[p].shift_minutes),
        shiftable,
        solution.covers_optimal,
    )
