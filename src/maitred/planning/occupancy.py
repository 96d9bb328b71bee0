"""Which tables are busy when: assignments, live holds and blocks, as one index.

Conflicts are half-open interval overlap (`a.start < b.end and b.start < a.end`): back-to-back
windows do not conflict, and a long window enclosing a short busy one does. Times are integer
microseconds since the epoch, so comparisons are exact and cheap.

For speed the day is cut into 5-minute buckets; each bucket keeps the mask of tables touched by
some busy interval and the mask of tables busy for the whole bucket. A query ORs the buckets its
window covers entirely and decides the few tables touched only at its edges exactly, by bisecting
that table's intervals.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from maitred.domain.booking import Allocation
from maitred.domain.window import Window
from maitred.planning.rules import bits

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
BUCKET = 5 * 60 * 1_000_000


def instant(moment: datetime) -> int:
    """A timezone-aware datetime as integer microseconds since the epoch."""
    return (moment - _EPOCH) // _MICROSECOND


def span(window: Window) -> tuple[int, int]:
    return instant(window.start), instant(window.end)


class Occupancy:
    """The busy intervals of each table, queried as bit masks over a venue's tables.

    Build it from the allocations that block tables (assignments, live holds, blocks); the
    caller decides which holds are live. A planner that adds its own assignments works on a
    `copy()`, so an occupancy handed to the planner is never changed.
    """

    __slots__ = (
        "_allocations",
        "_covered",
        "_ids",
        "_positions",
        "_reach",
        "_starts",
        "_touched",
        "booking_ids",
    )

    def __init__(self, positions: Mapping[str, int]) -> None:
        self._positions = positions
        self._ids = [""] * len(positions)
        for table_id, position in positions.items():
            self._ids[position] = table_id
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}  # running max of the ends, in start order
        self._allocations: dict[str, list[tuple[int, int, Allocation]]] = {}
        self._touched: dict[int, int] = {}
        self._covered: dict[int, int] = {}
        self.booking_ids: set[str] = set()

    @classmethod
    def from_allocations(
        cls,
        positions: Mapping[str, int],
        allocations: Iterable[Allocation],
        ignore_booking: str | None = None,
    ) -> Occupancy:
        """Index these allocations; those of `ignore_booking` (being re-planned) are left out."""
        occupancy = cls(positions)
        for allocation in allocations:
            if ignore_booking is None or allocation.booking_id != ignore_booking:
                occupancy._record(allocation)
        for table_id in occupancy._allocations:
            occupancy._reindex(table_id)
        return occupancy

    def copy(self) -> Occupancy:
        twin = Occupancy(self._positions)
        twin._starts = {table: list(found) for table, found in self._starts.items()}
        twin._reach = {table: list(found) for table, found in self._reach.items()}
        twin._allocations = {table: list(found) for table, found in self._allocations.items()}
        twin._touched = dict(self._touched)
        twin._covered = dict(self._covered)
        twin.booking_ids = set(self.booking_ids)
        return twin

    def add(self, allocation: Allocation) -> None:
        """Mark one more table busy (the planner's own assignments)."""
        self._record(allocation)
        self._reindex(allocation.table_id)

    def _record(self, allocation: Allocation) -> None:
        start, end = span(allocation.window)
        self._allocations.setdefault(allocation.table_id, []).append((start, end, allocation))
        if allocation.booking_id is not None:
            self.booking_ids.add(allocation.booking_id)
        position = self._positions.get(allocation.table_id)
        if position is None:
            return
        bit = 1 << position
        for bucket in range(start // BUCKET, (end - 1) // BUCKET + 1):
            self._touched[bucket] = self._touched.get(bucket, 0) | bit
        for bucket in range(-(-start // BUCKET), end // BUCKET):
            self._covered[bucket] = self._covered.get(bucket, 0) | bit

    def _reindex(self, table_id: str) -> None:
        found = self._allocations[table_id]
        found.sort(key=lambda item: (item[0], item[1]))
        self._starts[table_id] = [start for start, _, _ in found]
        reach, furthest = [], 0
        for _, end, _ in found:
            furthest = max(furthest, end)
            reach.append(furthest)
        self._reach[table_id] = reach

    def is_busy(self, table_id: str, start: int, end: int) -> bool:
        """Whether some busy interval of this table overlaps `[start, end)`."""
        starts = self._starts.get(table_id)
        if not starts:
            return False
        before_end = bisect_left(starts, end)  # intervals starting before our end
        return before_end > 0 and self._reach[table_id][before_end - 1] > start

    def busy_mask(self, start: int, end: int) -> int:
        """The mask of tables busy at some moment of `[start, end)`."""
        first, last = start // BUCKET, (end - 1) // BUCKET
        touched, covered = self._touched, self._covered
        busy = covered.get(first, 0) | covered.get(last, 0)
        for bucket in range(first + 1, last):
            busy |= touched.get(bucket, 0)
        edges = (touched.get(first, 0) | touched.get(last, 0)) & ~busy
        for position in bits(edges):
            if self.is_busy(self._ids[position], start, end):
                busy |= 1 << position
        return busy

    def busy_mask_for(self, window: Window) -> int:
        return self.busy_mask(*span(window))

    def conflicts(self, table_id: str, window: Window) -> list[Allocation]:
        """The allocations of this table that overlap the window, earliest first."""
        start, end = span(window)
        found = self._allocations.get(table_id, [])
        return [item[2] for item in found if item[0] < end and start < item[1]]

    def allocations(self) -> list[Allocation]:
        """Every allocation indexed, by table then start."""
        return [item[2] for table in sorted(self._allocations) for item in self._allocations[table]]
