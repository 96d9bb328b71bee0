"""The naive planner the benchmark measures against (never used to plan).

What a first implementation usually looks like: per request, group the allocations by table and
the adjacency by table, then a depth-first search over table subsets grown through adjacency
(deduplicated), checking every subset's merge rules, overlaps and minimality as it goes, with no
precomputation across requests and no bit masks. It prunes as such code would: at k tables and
past the slack budget. `stop_at_feasible` adds the less obvious prune (a set that already seats
the party has no minimal superset), for a stronger baseline. Either way it finds exactly the
planner's feasible minimal combinations, which the benchmark checks on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maitred.domain.booking import Allocation
from maitred.domain.errors import OutsideServiceHours
from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Table, Venue
from maitred.domain.window import Window, booking_window
from maitred.planning.rules import label_key

ALTERNATIVE_OFFSETS = (-15, 15, -30, 30)


def baseline_quote(
    venue: Venue,
    allocations: list[Allocation],
    party_size: int,
    local_date: date,
    local_time: time,
    stop_at_feasible: bool = False,
) -> tuple[list[tuple[str, ...]], list[datetime]]:
    """Every plan at the requested time; when there is none, the times ±30 min that have one."""
    requested = datetime.combine(local_date, local_time)
    _, plans = _plans_at(venue, allocations, party_size, requested, stop_at_feasible)
    if plans:
        return plans, []
    later = []
    for minutes in ALTERNATIVE_OFFSETS:
        moment = requested + timedelta(minutes=minutes)
        window, found = _plans_at(venue, allocations, party_size, moment, stop_at_feasible)
        if window is not None and found:
            later.append(window.start.astimezone(ZoneInfo(venue.timezone)))
    return [], later


def _plans_at(
    venue: Venue,
    allocations: list[Allocation],
    party_size: int,
    moment: datetime,
    stop_at_feasible: bool,
) -> tuple[Window | None, list[tuple[str, ...]]]:
    try:
        found = booking_window(
            venue.policy, venue.timezone, moment.date(), moment.time(), party_size
        )
    except OutsideServiceHours:
        return None, []
    plans = baseline_plans(venue, allocations, party_size, found.window, None, stop_at_feasible)
    return found.window, plans


def baseline_plans(
    venue: Venue,
    allocations: Iterable[Allocation],
    party_size: int,
    window: Window,
    top: int | None = 5,
    stop_at_feasible: bool = False,
) -> list[tuple[str, ...]]:
    """Feasible minimal combinations (table ids), by empty seats, table count, then labels."""
    busy: dict[str, list[Window]] = {}
    for allocation in allocations:
        busy.setdefault(allocation.table_id, []).append(allocation.window)
    neighbours: dict[str, set[str]] = {}
    for table_a, table_b in venue.adjacency:
        neighbours.setdefault(table_a, set()).add(table_b)
        neighbours.setdefault(table_b, set()).add(table_a)
    search = _Search(venue, busy, neighbours, party_size, window, stop_at_feasible)
    for table in venue.tables:
        if table.active:
            search.grow(frozenset({table.id}))
    ranked = sorted(search.found, key=search.rank)
    return ranked if top is None else ranked[:top]


class _Search:
    def __init__(
        self,
        venue: Venue,
        busy: dict[str, list[Window]],
        neighbours: dict[str, set[str]],
        party_size: int,
        window: Window,
        stop_at_feasible: bool,
    ) -> None:
        self.venue = venue
        self.busy = busy
        self.neighbours = neighbours
        self.stop_at_feasible = stop_at_feasible
        self.party = party_size
        self.window = window
        self.seen: set[frozenset[str]] = set()
        self.found: list[tuple[str, ...]] = []

    def grow(self, chosen: frozenset[str]) -> None:
        if chosen in self.seen:
            return
        self.seen.add(chosen)
        tables = [self.venue.table(table_id) for table_id in chosen]
        seats = sum(table.capacity for table in tables)
        if len(tables) > 1 and seats - self.party > self.venue.policy.slack_budget:
            return
        feasible = self.feasible(tables)
        if feasible and self.free(chosen) and self.minimal(tables):
            self.found.append(tuple(sorted(chosen)))
        if feasible and self.stop_at_feasible:
            return
        if len(tables) >= self.venue.policy.max_tables_per_combination:
            return
        for table in tables:
            for other in sorted(self.neighbours.get(table.id, ())):
                if other not in chosen and self._joins(tables, self.venue.table(other)):
                    self.grow(chosen | {other})

    def _joins(self, tables: list[Table], other: Table) -> bool:
        first = tables[0]
        return (
            other.active and other.mergeable and first.mergeable and other.zone_id == first.zone_id
        )

    def feasible(self, tables: list[Table]) -> bool:
        if len(tables) == 1:
            table = tables[0]
            single_max = table.capacity if table.max_party is None else table.max_party
            fits = table.min_party <= self.party <= single_max
            return table.active and fits and table.capacity >= self.party
        seats = sum(table.capacity for table in tables)
        policy = self.venue.policy
        return (
            len(tables) <= policy.max_tables_per_combination
            and all(table.active and table.mergeable for table in tables)
            and len({table.zone_id for table in tables}) == 1
            and seats >= self.party
            and seats - self.party <= policy.slack_budget
            and self.touching(tables)
        )

    def touching(self, tables: list[Table]) -> bool:
        ids = [table.id for table in tables]
        adjacent = self.venue.adjacent
        if self.venue.policy.adjacency_mode is AdjacencyMode.PAIRWISE:
            return all(adjacent(a, b) for a in ids for b in ids if a < b)
        if self.venue.policy.adjacency_mode is AdjacencyMode.NEIGHBORS:
            return any(all(adjacent(hub, o) for o in ids if o != hub) for hub in ids)
        reached, todo = {ids[0]}, [ids[0]]
        while todo:
            current = todo.pop()
            for other in ids:
                if other not in reached and adjacent(current, other):
                    reached.add(other)
                    todo.append(other)
        return len(reached) == len(ids)

    def free(self, chosen: frozenset[str]) -> bool:
        return not any(
            busy.overlaps(self.window)
            for table_id in chosen
            for busy in self.busy.get(table_id, [])
        )

    def minimal(self, tables: list[Table]) -> bool:
        if len(tables) == 1:
            return True
        return not any(
            self.feasible([other for other in tables if other is not dropped]) for dropped in tables
        )

    def rank(self, table_ids: tuple[str, ...]) -> tuple[int, int, list[object]]:
        tables = [self.venue.table(table_id) for table_id in table_ids]
        seats = sum(table.capacity for table in tables)
        labels = sorted(label_key(table.label) for table in tables)
        return seats - self.party, len(tables), list(labels)
