"""The allocation-quality benchmark: four policies on the same seeded days, side by side.

For each floor and load (and two fixed day sizes on the mixed floor), one seeded day is drawn
(`instances.py`) and seated by:

- `industry`: the industry-style greedy baseline (`industry.py`);
- `greedy`: maitred's greedy day planner;
- `optimiser`: maitred's day optimiser with its default settings (time limit 10 s, one worker,
  seed 0), warm-started from the greedy plan;
- `bound`: the best upper bound on seated covers the optimiser's run proved (the LP relaxation
  of the full CP-SAT model, or CP-SAT's own bound when the LP was not solved).

Every plan is checked by the validator; the run fails on a plan that breaks a rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from maitred.domain.booking import Booking
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.optimise.industry import industry_plan
from maitred.planning.optimise.instances import (
    FLOORS,
    FloorKind,
    day_of_size,
    loaded_day,
    peak_load,
)
from maitred.planning.optimise.optimiser import OptimiseOptions, optimise_day
from maitred.planning.validator import validate_day

LOADS = (0.8, 1.0, 1.3)
SIZES = (100, 1000)
SIZE_FLOOR = "mixed-150"


@dataclass(frozen=True, slots=True)
class Case:
    floor: FloorKind
    load: float | None  # a day drawn at this load, or
    size: int | None  # exactly this many bookings


@dataclass(frozen=True, slots=True)
class Outcome:
    policy: str
    seated_covers: int
    seated_bookings: int
    utilisation: float
    seconds: float


@dataclass(frozen=True, slots=True)
class CaseResult:
    name: str
    bookings: int
    covers: int
    load: float
    outcomes: tuple[Outcome, ...]  # industry, greedy, optimiser
    bound: int | None
    bound_reached: bool
    fallback: str | None

    def outcome(self, policy: str) -> Outcome:
        return next(o for o in self.outcomes if o.policy == policy)


class PlanInvalid(AssertionError):
    """A policy produced a plan the validator refuses: the benchmark stops."""


def cases(floors: Iterable[str], loads: Iterable[float], sizes: Iterable[int]) -> list[Case]:
    chosen = [kind for kind in FLOORS if kind.name in set(floors)]
    found = [Case(kind, load, None) for kind in chosen for load in loads]
    found += [
        Case(kind, None, size) for kind in chosen if kind.name == SIZE_FLOOR for size in sizes
    ]
    return found


def _day(case: Case, seed: int, index: CombinationIndex) -> list[Booking]:
    kind = case.floor
    if case.size is not None:
        return day_of_size(index.venue, kind.parties, case.size, seed)
    assert case.load is not None
    return loaded_day(index.venue, kind.parties, case.load, seed)


def _outcome(policy: str, plan: DayPlan, seconds: float) -> Outcome:
    metrics = plan.metrics
    return Outcome(
        policy, metrics.seated_covers, metrics.seated_bookings, metrics.seat_utilisation, seconds
    )


def _checked(index: CombinationIndex, plan: DayPlan, day: list[Booking], policy: str) -> None:
    found = validate_day(index, plan.bookings(), before=day)
    if found:
        raise PlanInvalid(f"{policy}: {found[0].message}")


def run_case(case: Case, seed: int, options: OptimiseOptions) -> CaseResult:
    """Seat one seeded day with every policy."""
    index = CombinationIndex.build(case.floor.build(seed))
    day = _day(case, seed, index)
    started = time.perf_counter()
    industry = industry_plan(index, day)
    industry_seconds = time.perf_counter() - started
    started = time.perf_counter()
    greedy = plan_day(index, day)
    greedy_seconds = time.perf_counter() - started
    optimised = optimise_day(index, day, (), options)
    for policy, plan in (("industry", industry), ("greedy", greedy), ("optimiser", optimised.plan)):
        _checked(index, plan, day, policy)
    covers = optimised.plan.metrics.seated_covers
    name = (
        f"{case.floor.name} load {case.load}"
        if case.size is None
        else (f"{case.floor.name} {case.size} bookings")
    )
    return CaseResult(
        name,
        len(day),
        sum(booking.party_size for booking in day),
        peak_load(index.venue, day),
        (
            _outcome("industry", industry, industry_seconds),
            _outcome("greedy", greedy, greedy_seconds),
            _outcome("optimiser", optimised.plan, optimised.seconds),
        ),
        optimised.covers_bound,
        optimised.covers_bound is not None and covers >= optimised.covers_bound,
        optimised.fallback,
    )


def run(
    floors: Iterable[str],
    loads: Iterable[float],
    sizes: Iterable[int],
    seed: int,
    options: OptimiseOptions,
    progress: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    results = []
    for case in cases(floors, loads, sizes):
        result = run_case(case, seed, options)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


HEADER = (
    "| day | bookings (covers) | peak load | policy | covers seated | % bookings seated "
    "| seat utilisation | ratio to bound | vs industry | solve s |"
)


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _gain(covers: int, industry: int) -> str:
    return "–" if not industry else f"{100 * (covers / industry - 1):+.1f}%"


def table_rows(result: CaseResult) -> list[str]:
    industry = result.outcome("industry").seated_covers
    head = f"| {result.name} | {result.bookings} ({result.covers}) | {result.load:.2f} "
    rows = []
    for outcome in result.outcomes:
        ratio = outcome.seated_covers / result.bound if result.bound else None
        rows.append(
            head + f"| {outcome.policy} | {outcome.seated_covers} "
            f"| {100 * outcome.seated_bookings / result.bookings:.1f}% "
            f"| {100 * outcome.utilisation:.1f}% | {_ratio(ratio)} "
            f"| {_gain(outcome.seated_covers, industry)} | {outcome.seconds:.2f} |"
        )
    reached = " (reached: optimal)" if result.bound_reached else ""
    bound = "–" if result.bound is None else str(result.bound)
    rows.append(
        head + f"| upper bound{reached} | {bound} | – | – | 1.000 "
        f"| {_gain(result.bound or 0, industry)} | – |"
    )
    return rows


def markdown_table(results: Iterable[CaseResult]) -> str:
    separator = "|" + "---|" * (HEADER.count("|") - 1)
    rows = [row for result in results for row in table_rows(result)]
    return "\n".join([HEADER, separator, *rows])


def goals(results: list[CaseResult]) -> list[str]:
    """The issue's goals, each with the measured figures and whether it was met."""
    lines = []
    ratios = [(r.name, r.outcome("optimiser").seated_covers / r.bound) for r in results if r.bound]
    worst = min(ratios, key=lambda item: item[1], default=None)
    if worst is not None:
        met = "met" if worst[1] >= 0.99 else "MISSED"
        lines.append(
            f"optimiser >= 99% of the bound everywhere: {met} (lowest {worst[1]:.3f}, {worst[0]})"
        )
    for r in results:
        industry, ours = r.outcome("industry").seated_covers, r.outcome("optimiser").seated_covers
        if ours < industry:
            lines.append(
                f"never fewer covers than industry: MISSED on {r.name} ({ours} < {industry})"
            )
    high = [r for r in results if r.name.endswith("load 1.3")]
    for r in high:
        gain = r.outcome("optimiser").seated_covers / r.outcome("industry").seated_covers - 1
        met = "met" if gain >= 0.07 else "MISSED"
        lines.append(
            f">= 7% more covers than industry at load 1.3, {r.name}: {met} ({100 * gain:+.1f}%)"
        )
    for r in results:
        if r.name.endswith(" bookings"):
            limit = 0.5 if r.bookings <= 100 else 5.0
            seconds = r.outcome("optimiser").seconds
            met = "met" if seconds < limit else "MISSED"
            lines.append(f"{r.bookings} bookings in < {limit} s: {met} ({seconds:.2f} s)")
    return lines
