"""The planner benchmark: quote latency against a naive baseline on the same requests.

For each floor size and day size it builds a seeded synthetic floor and day, seats three
quarters of the day with the greedy planner (the rest stays waiting, so the damage term has
work to do), then times `quote` (top 5, with damage scoring and, when nothing fits, the
alternative-times search) and the naive depth-first baseline on the same requests. Both must
find exactly the same feasible combinations, or the run fails. Times are per quote; the combination
index and the day snapshot (occupancy, day bookings) are built once and reported apart.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from maitred.domain.booking import Booking
from maitred.planning.baseline import baseline_quote
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.greedy import plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.quote import Quote, quote
from maitred.planning.request import QuoteRequest, booking_allocations
from maitred.planning.search import feasible_combinations
from maitred.planning.synthetic import (
    SERVICE_DATE,
    FloorShape,
    random_party,
    random_start,
    synthetic_day,
    synthetic_floor,
)

T = TypeVar("T")

DEFAULT_TABLES = (20, 60, 150)
DEFAULT_BOOKINGS = (0, 200, 400)


@dataclass(frozen=True, slots=True)
class BenchCase:
    tables: int
    bookings: int
    max_tables: int = 4


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: milliseconds for the planner (with and without the day's waiting bookings
    to score damage against) and the baseline, and whether it had plans."""

    planner_ms: float
    planner_alone_ms: float
    baseline_ms: float
    seated: bool


@dataclass(frozen=True, slots=True)
class BenchResult:
    case: BenchCase
    merges: int
    index_ms: float
    snapshot_ms: float
    samples: tuple[Sample, ...]

    @property
    def quotes(self) -> int:
        return len(self.samples)

    @property
    def empty_quotes(self) -> int:
        return sum(1 for sample in self.samples if not sample.seated)

    def planner_ms(self, fraction: float) -> float:
        return percentile([sample.planner_ms for sample in self.samples], fraction)

    def baseline_ms(self, fraction: float) -> float:
        return percentile([sample.baseline_ms for sample in self.samples], fraction)

    def ratio(self, fraction: float) -> float:
        return self.baseline_ms(fraction) / self.planner_ms(fraction)

    def median_ratio(self, seated: bool, damage: bool = True) -> float | None:
        """The p50 ratio over the quotes that had plans (or had none), if there were any.

        Without `damage`, the planner's time is that of the same quote given no day, so it
        skips the damage term as the baseline does.
        """
        chosen = [sample for sample in self.samples if sample.seated is seated]
        if not chosen:
            return None
        spent = [s.planner_ms if damage else s.planner_alone_ms for s in chosen]
        return percentile([sample.baseline_ms for sample in chosen], 0.5) / percentile(spent, 0.5)


class BaselineMismatch(AssertionError):
    """The planner and the baseline disagree on a request's feasible combinations."""


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def _day_state(index: CombinationIndex, bookings: int, seed: int) -> list[Booking]:
    """The day's bookings, three quarters of them already seated by the greedy planner."""
    day = synthetic_day(index.venue, bookings, seed)
    cut = len(day) * 3 // 4
    seated = plan_day(index, day[:cut]).bookings()
    return seated + day[cut:]


def _requests(count: int, seed: int) -> list[QuoteRequest]:
    rng = random.Random(seed * 7919 + count)
    return [QuoteRequest(random_party(rng), SERVICE_DATE, random_start(rng)) for _ in range(count)]


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    """Milliseconds spent in `call`, and what it returned."""
    started = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - started) / 1e6, result


def run_case(case: BenchCase, quotes: int = 1000, seed: int = 1) -> BenchResult:
    """Time `quotes` quotes on one floor and day, planner and baseline side by side."""
    venue = synthetic_floor(FloorShape(case.tables, case.max_tables), seed)
    index_ms, index = _timed(lambda: CombinationIndex.build(venue))
    bookings = _day_state(index, case.bookings, seed)
    allocations = booking_allocations(bookings)
    snapshot_ms, (occupancy, day) = _timed(lambda: _snapshot(index, bookings))
    samples = []
    gc.collect()
    for request in _requests(quotes, seed):
        planner_ms, answer = _timed(partial(quote, index, occupancy, request, day))
        alone_ms, _ = _timed(partial(quote, index, occupancy, request, None))
        baseline_ms, naive = _timed(
            partial(
                baseline_quote,
                venue,
                allocations,
                request.party_size,
                request.local_date,
                request.local_time,
            )
        )
        _agree(index, occupancy, request, answer, naive)
        samples.append(Sample(planner_ms, alone_ms, baseline_ms, bool(answer.plans)))
    return BenchResult(case, index.merge_count, index_ms, snapshot_ms, tuple(samples))


def _snapshot(index: CombinationIndex, bookings: list[Booking]) -> tuple[Occupancy, DayBookings]:
    venue = index.venue
    occupancy = Occupancy.from_allocations(index.positions, booking_allocations(bookings))
    return occupancy, DayBookings.build(bookings, venue.policy, venue.timezone)


def _agree(
    index: CombinationIndex,
    occupancy: Occupancy,
    request: QuoteRequest,
    answer: Quote,
    naive: tuple[list[tuple[str, ...]], list[datetime]],
) -> None:
    """Fail the run unless both found the same feasible combinations and alternative times."""
    plans, later = naive
    ours: list[tuple[str, ...]] = []
    if answer.window is not None and answer.reason is None:
        found = feasible_combinations(index, occupancy, request.plan_request(answer.window))
        ours = sorted(tuple(sorted(c.table_ids)) for c in found)
    if ours != sorted(plans) or list(answer.alternative_times) != later:
        raise BaselineMismatch(f"planner and baseline disagree on {request}")


def run(
    tables: Iterable[int] = DEFAULT_TABLES,
    bookings: Iterable[int] = DEFAULT_BOOKINGS,
    max_tables: int = 4,
    quotes: int = 1000,
    seed: int = 1,
    progress: Callable[[BenchResult], None] | None = None,
) -> list[BenchResult]:
    results = []
    for table_count in tables:
        for booking_count in bookings:
            result = run_case(BenchCase(table_count, booking_count, max_tables), quotes, seed)
            results.append(result)
            if progress is not None:
                progress(result)
    return results


HEADER = (
    "| tables | bookings | k | merges | index ms | snapshot ms | quotes (empty) "
    "| planner p50 ms | planner p99 ms | baseline p50 ms | baseline p99 ms "
    "| ratio p50 | ratio p99 | ratio p50 with plans | same, no damage term "
    "| ratio p50 empty |"
)


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.0f}x"


def table_row(result: BenchResult) -> str:
    case = result.case
    return (
        f"| {case.tables} | {case.bookings} | {case.max_tables} | {result.merges} "
        f"| {result.index_ms:.1f} | {result.snapshot_ms:.1f} "
        f"| {result.quotes} ({result.empty_quotes}) "
        f"| {result.planner_ms(0.5):.3f} | {result.planner_ms(0.99):.3f} "
        f"| {result.baseline_ms(0.5):.2f} | {result.baseline_ms(0.99):.2f} "
        f"| {_times(result.ratio(0.5))} | {_times(result.ratio(0.99))} "
        f"| {_times(result.median_ratio(True))} "
        f"| {_times(result.median_ratio(True, damage=False))} "
        f"| {_times(result.median_ratio(False))} |"
    )


def markdown_table(results: Iterable[BenchResult]) -> str:
    separator = "|" + "---|" * (HEADER.count("|") - 1)
    return "\n".join([HEADER, separator, *(table_row(result) for result in results)])
