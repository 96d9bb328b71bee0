"""The exact combination search: a venue's candidates filtered against one request.

Nothing is capped or cut short: every minimal combination that seats the party and whose
tables are all free, active and not avoided is found. The groups come best first by (empty
seats, table count), which lets a quote score only as many groups as it returns plans from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from maitred.planning.combinations import CandidateGroup, Combination, CombinationIndex
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.request import PlanRequest


@dataclass(frozen=True, slots=True)
class FreeGroup:
    """The free combinations of one candidate group (same empty seats and table count)."""

    empty_seats: int
    size: int
    combinations: tuple[Combination, ...]


def blocked_mask(index: CombinationIndex, occupancy: Occupancy, request: PlanRequest) -> int:
    """Tables the request may not use: busy in its window, or to be avoided."""
    return occupancy.busy_mask(*span(request.window)) | index.mask_of(request.avoid)


def free_in(group: CandidateGroup, blocked: int) -> tuple[Combination, ...]:
    return tuple(group.free(blocked))


def free_groups(
    index: CombinationIndex, occupancy: Occupancy, request: PlanRequest
) -> Iterator[FreeGroup]:
    """The request's feasible combinations, group by group, best group first."""
    blocked = blocked_mask(index, occupancy, request)
    for group in index.candidates(request.party_size):
        found = free_in(group, blocked)
        if found:
            yield FreeGroup(group.empty_seats, group.size, found)


def feasible_combinations(
    index: CombinationIndex, occupancy: Occupancy, request: PlanRequest
) -> list[Combination]:
    """Every feasible minimal combination for the request, best (empty seats, tables) first."""
    return [
        found for group in free_groups(index, occupancy, request) for found in group.combinations
    ]


def has_plan(index: CombinationIndex, blocked: int, party_size: int) -> bool:
    """Whether some candidate for the party avoids every blocked table."""
    return any(group.any_free(blocked) for group in index.candidates(party_size))


def count_plans(index: CombinationIndex, blocked: int, party_size: int) -> int:
    return sum(1 for group in index.candidates(party_size) for _ in group.free_masks(blocked))
