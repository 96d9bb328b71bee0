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
        self._touched = _Buckets()
        self._covered = _Buckets()
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
        twin._touched = self._touched.copy()
        twin._covered = self._covered.copy()
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
        self._touched.mark(start // BUCKET, (end - 1) // BUCKET + 1, bit)
        self._covered.mark(-(-start // BUCKET), end // BUCKET, bit)

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
        busy = covered.get(first) | covered.get(last) | touched.union(first + 1, last)
        edges = (touched.get(first) | touched.get(last)) & ~busy
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


class _Buckets:
    """A mask per 5-minute bucket, in a list that grows to cover the buckets marked."""

    __slots__ = ("_base", "_masks")

    def __init__(self) -> None:
        self._base = 0
        self._masks: list[int] = []

    def copy(self) -> _Buckets:
        twin = _Buckets()
        twin._base, twin._masks = self._base, list(self._masks)
        return twin

    def mark(self, first: int, stop: int, bit: int) -> None:
        """OR `bit` into buckets `first` up to (not including) `stop`."""
        if stop <= first:
            return
        if not self._masks:
            self._base = first
        if first < self._base:
            self._masks[:0] = [0] * (self._base - first)
            self._base = first
        if stop - self._base > len(self._masks):
            self._masks.extend([0] * (stop - self._base - len(self._masks)))
        masks, base = self._masks, self._base
        for bucket in range(first - base, stop - base):
            masks[bucket] |= bit

    def get(self, bucket: int) -> int:
        offset = bucket - self._base
        return self._masks[offset] if 0 <= offset < len(self._masks) else 0

    def union(self, first: int, stop: int) -> int:
        """The OR of buckets `first` up to (not including) `stop`."""
        found = 0
        for mask in self._masks[max(0, first - self._base) : max(0, stop - self._base)]:
            found |= mask
        return found
