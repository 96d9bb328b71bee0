"""Every combination a venue can ever offer, computed once per venue version.

A combination is a set of 1..k tables that may seat a party together: one active table, or 2..k
active mergeable tables of one zone that satisfy the adjacency mode. What does not depend on a
request (membership, capacity, minimality data) is computed here, as bit masks over the venue's
tables; a request then only filters these against its party size and the occupancy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from maitred.domain.venue import Table, Venue
from maitred.planning.rules import (
    LabelKey,
    adjacency_satisfied,
    bits,
    label_key,
    merge_slack_allowed,
    seats_alone,
)


@dataclass(frozen=True, slots=True)
class Combination:
    """One set of tables that may seat a party together, whatever the time."""

    mask: int
    table_ids: tuple[str, ...]  # in label order
    labels: tuple[str, ...]
    zone_id: str
    capacity: int
    priority: int  # the sum of the tables' priorities
    order_key: tuple[LabelKey, ...]
    capacities: tuple[int, ...]
    # Minimality: the largest valid merge left after dropping one table (0 if none), and for a
    # pair the two tables, since dropping one leaves a single.
    largest_merge_inside: int = 0
    singles_inside: tuple[Table, ...] = ()

    @property
    def size(self) -> int:
        return len(self.table_ids)

    def minimal_for(self, party_size: int) -> bool:
        """Whether no table can be dropped while the rest still seats the party."""
        if party_size <= self.largest_merge_inside:
            return False
        return not any(seats_alone(table, party_size) for table in self.singles_inside)


@dataclass(frozen=True, slots=True)
class CandidateGroup:
    """The combinations that seat a party with the same empty seats and table count.

    They are filed by their lowest table, so a query only visits combinations whose lowest
    table is usable: on a busy evening most of the floor is skipped in one mask operation.
    """

    empty_seats: int
    size: int
    combinations: tuple[Combination, ...]  # in label order
    masks: tuple[int, ...]
    lowest_mask: int
    by_lowest: dict[int, tuple[tuple[int, ...], tuple[Combination, ...]]]

    @classmethod
    def of(cls, empty_seats: int, size: int, members: list[Combination]) -> CandidateGroup:
        members = sorted(members, key=lambda combination: combination.order_key)
        filed: dict[int, list[Combination]] = {}
        for member in members:
            filed.setdefault((member.mask & -member.mask).bit_length() - 1, []).append(member)
        by_lowest = {
            low: (tuple(c.mask for c in found), tuple(found)) for low, found in filed.items()
        }
        lowest_mask = sum(1 << low for low in filed)
        masks = tuple(member.mask for member in members)
        return cls(empty_seats, size, tuple(members), masks, lowest_mask, by_lowest)

    def free(self, blocked: int) -> list[Combination]:
        """The combinations with no blocked table, in label order."""
        found: list[Combination] = []
        for low in bits(self.lowest_mask & ~blocked):
            masks, members = self.by_lowest[low]
            found.extend(members[i] for i, mask in enumerate(masks) if not mask & blocked)
        return found

    def free_masks(self, blocked: int) -> Iterator[int]:
        for low in bits(self.lowest_mask & ~blocked):
            for mask in self.by_lowest[low][0]:
                if not mask & blocked:
                    yield mask

    def any_free(self, blocked: int) -> bool:
        return next(self.free_masks(blocked), None) is not None


@dataclass(frozen=True, slots=True, eq=False)
class CombinationIndex:
    """A venue's combinations as bit masks, with per-party candidate lists built on demand."""

    venue: Venue
    tables: tuple[Table, ...]  # by bit position, in label order
    positions: dict[str, int]
    neighbours: tuple[int, ...]
    singles: tuple[Combination, ...]
    merges_by_capacity: dict[int, tuple[Combination, ...]]
    active_mask: int
    capacity_masks: dict[int, int]  # by seats, the mask of the active tables with that many
    _by_party: dict[int, tuple[CandidateGroup, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def build(cls, venue: Venue) -> CombinationIndex:
        """Precompute every combination of the venue (the expensive part, done once)."""
        tables = tuple(sorted(venue.tables, key=lambda t: (label_key(t.label), t.id)))
        positions = {table.id: position for position, table in enumerate(tables)}
        neighbours = _neighbour_masks(venue, positions)
        singles = tuple(_combination(tables, 1 << p) for p, t in enumerate(tables) if t.active)
        merges = _merges(venue, tables, neighbours)
        by_capacity: dict[int, list[Combination]] = {}
        for merge in merges:
            by_capacity.setdefault(merge.capacity, []).append(merge)
        frozen = {capacity: tuple(found) for capacity, found in by_capacity.items()}
        active = sum(single.mask for single in singles)
        sizes: dict[int, int] = {}
        for single in singles:
            sizes[single.capacity] = sizes.get(single.capacity, 0) | single.mask
        return cls(venue, tables, positions, neighbours, singles, frozen, active, sizes)

    @property
    def max_tables(self) -> int:
        return self.venue.policy.max_tables_per_combination

    @property
    def merge_count(self) -> int:
        return sum(len(found) for found in self.merges_by_capacity.values())

    def mask_of(self, table_ids: Iterable[str]) -> int:
        """The mask of these tables; ids the venue does not have are ignored."""
        mask = 0
        for table_id in table_ids:
            position = self.positions.get(table_id)
            if position is not None:
                mask |= 1 << position
        return mask

    def tables_of(self, mask: int) -> list[Table]:
        return [self.tables[position] for position in bits(mask)]

    def zone_name(self, zone_id: str) -> str:
        return next((zone.name for zone in self.venue.zones if zone.id == zone_id), zone_id)

    def candidates(self, party_size: int) -> tuple[CandidateGroup, ...]:
        """Every minimal combination that may seat this party, ignoring time.

        Grouped by (empty seats, table count), best group first; combinations in label order.
        """
        groups = self._by_party.get(party_size)
        if groups is None:
            groups = _groups(self._candidates(party_size), party_size)
            self._by_party[party_size] = groups
        return groups

    def _candidates(self, party_size: int) -> Iterator[Combination]:
        budget = self.venue.policy.slack_budget
        for single in self.singles:
            if seats_alone(self.tables[single.mask.bit_length() - 1], party_size):
                yield single
        for capacity in range(party_size, party_size + budget + 1):
            for merge in self.merges_by_capacity.get(capacity, ()):
                slack_ok = merge_slack_allowed(merge.size, capacity - party_size, budget)
                if slack_ok and merge.minimal_for(party_size):
                    yield merge


def _neighbour_masks(venue: Venue, positions: dict[str, int]) -> tuple[int, ...]:
    masks = [0] * len(positions)
    for table_a, table_b in venue.adjacency:
        a, b = positions.get(table_a), positions.get(table_b)
        if a is not None and b is not None and a != b:
            masks[a] |= 1 << b
            masks[b] |= 1 << a
    return tuple(masks)


def _combination(
    tables: tuple[Table, ...], mask: int, inside: int = 0, singles: tuple[Table, ...] = ()
) -> Combination:
    members = [tables[position] for position in bits(mask)]
    return Combination(
        mask=mask,
        table_ids=tuple(table.id for table in members),
        labels=tuple(table.label for table in members),
        zone_id=members[0].zone_id,
        capacity=sum(table.capacity for table in members),
        priority=sum(table.priority for table in members),
        order_key=tuple(label_key(table.label) for table in members),
        capacities=tuple(table.capacity for table in members),
        largest_merge_inside=inside,
        singles_inside=singles,
    )


def _merges(
    venue: Venue, tables: tuple[Table, ...], neighbours: tuple[int, ...]
) -> list[Combination]:
    """All valid merges of 2..k tables, with what each needs to decide its minimality."""
    policy = venue.policy
    capacity_of: dict[int, int] = {}
    for zone_mask in _mergeable_zones(tables):
        for mask in connected_sets(zone_mask, neighbours, policy.max_tables_per_combination):
            if mask & (mask - 1) and adjacency_satisfied(policy.adjacency_mode, mask, neighbours):
                capacity_of[mask] = sum(tables[p].capacity for p in bits(mask))
    merges = []
    for mask in sorted(capacity_of):
        inside = max((capacity_of.get(mask ^ 1 << p, 0) for p in bits(mask)), default=0)
        pair = tuple(tables[p] for p in bits(mask)) if mask.bit_count() == 2 else ()
        merges.append(_combination(tables, mask, inside, pair))
    return merges


def _mergeable_zones(tables: tuple[Table, ...]) -> list[int]:
    """Per zone, the mask of its active mergeable tables."""
    zones: dict[str, int] = {}
    for position, table in enumerate(tables):
        if table.active and table.mergeable:
            zones[table.zone_id] = zones.get(table.zone_id, 0) | 1 << position
    return [zones[zone_id] for zone_id in sorted(zones)]


def connected_sets(allowed: int, neighbours: tuple[int, ...], limit: int) -> Iterator[int]:
    """Every connected set of 1..limit tables inside `allowed`, each exactly once (ESU).

    Each set is grown from its lowest table, extending only with higher tables that are
    neighbours of the newest table and of no earlier member (Wernicke's enumeration).
    """
    for root in bits(allowed):
        higher = allowed & ~((1 << (root + 1)) - 1)
        start = 1 << root
        yield from _extend(
            start, neighbours[root] & higher, start | neighbours[root], higher, neighbours, limit
        )


def _extend(
    members: int, extension: int, closed: int, higher: int, neighbours: tuple[int, ...], left: int
) -> Iterator[int]:
    yield members
    if members.bit_count() >= left:
        return
    while extension:
        newest = extension & -extension
        extension ^= newest
        position = newest.bit_length() - 1
        fresh = neighbours[position] & higher & ~closed
        yield from _extend(
            members | newest,
            extension | fresh,
            closed | neighbours[position],
            higher,
            neighbours,
            left,
        )


def _groups(found: Iterable[Combination], party_size: int) -> tuple[CandidateGroup, ...]:
    by_key: dict[tuple[int, int], list[Combination]] = {}
    for combination in found:
        key = (combination.capacity - party_size, combination.size)
        by_key.setdefault(key, []).append(combination)
    return tuple(
        CandidateGroup.of(empty_seats, size, members)
        for (empty_seats, size), members in sorted(by_key.items())
    )


class IndexCache:
    """A small LRU of combination indexes, keyed by the caller (e.g. restaurant id, version).

    A hit is only used when it was built from an equal venue, so a key reused after a change
    that forgot to bump the version rebuilds instead of answering from a stale floor.
    """

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, CombinationIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, venue: Venue) -> CombinationIndex:
        with self._lock:
            index = self._entries.get(key)
            if index is not None and (index.venue is venue or index.venue == venue):
                self._entries.move_to_end(key)
                return index
        index = CombinationIndex.build(venue)
        with self._lock:
            self._entries[key] = index
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return index

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_SHARED_CACHE = IndexCache()


def combination_index(venue: Venue, key: Hashable | None = None) -> CombinationIndex:
    """The venue's combination index, from the shared cache when the caller gives a key."""
    if key is None:
        return CombinationIndex.build(venue)
    return _SHARED_CACHE.get(key, venue)
