"""The merge and seating rules, written once.

The combination search, the manual selection check and the day validator all call these
functions, so the three can never disagree about what a valid combination is. Tables are bit
positions here (see `CombinationIndex.positions`); `neighbours[i]` is the mask of the tables
adjacent to table `i`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Table

LabelKey = tuple[tuple[str | int, ...], str]

_DIGITS = re.compile(r"(\d+)")


def label_key(label: str) -> LabelKey:
    """Natural order of labels (T2 before T10); the raw label breaks ties (T01 and T1)."""
    parts = _DIGITS.split(label)
    natural = tuple(int(part) if index % 2 else part for index, part in enumerate(parts))
    return natural, label


def bits(mask: int) -> Iterator[int]:
    """The bit positions set in `mask`, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def is_connected(mask: int, neighbours: Sequence[int]) -> bool:
    """Whether the adjacency subgraph induced by `mask` is connected."""
    if not mask:
        return True
    reached = frontier = mask & -mask
    while frontier:
        grown = 0
        for position in bits(frontier):
            grown |= neighbours[position]
        frontier = grown & mask & ~reached
        reached |= frontier
    return reached == mask


def _hubs(mask: int, neighbours: Sequence[int]) -> Iterator[int]:
    """The tables of `mask` adjacent to every other table of `mask`."""
    for position in bits(mask):
        if mask & ~(neighbours[position] | 1 << position) == 0:
            yield position


def adjacency_satisfied(mode: AdjacencyMode, mask: int, neighbours: Sequence[int]) -> bool:
    """Whether the tables of `mask` touch each other as the adjacency mode demands.

    A single table always satisfies every mode. `pairwise` needs a clique, `neighbors` one hub
    adjacent to all the others, `connected` a connected induced subgraph.
    """
    if mask & (mask - 1) == 0:
        return True
    if mode is AdjacencyMode.PAIRWISE:
        return sum(1 for _ in _hubs(mask, neighbours)) == mask.bit_count()
    if mode is AdjacencyMode.NEIGHBORS:
        return next(_hubs(mask, neighbours), None) is not None
    return is_connected(mask, neighbours)


def party_out_of_range(table: Table, party_size: int) -> bool:
    """Whether a table's own party limits refuse this party (its seats are checked apart)."""
    too_large = table.max_party is not None and party_size > table.max_party
    return party_size < table.min_party or too_large


def seats_alone(table: Table, party_size: int) -> bool:
    """Whether this table on its own seats the party: seats and party limits."""
    return table.capacity >= party_size and not party_out_of_range(table, party_size)


def merge_slack_allowed(table_count: int, empty_seats: int, slack_budget: int) -> bool:
    """Automatic planning: a single may have any slack its party limits allow; a merge of two
    or more tables at most the policy's slack budget."""
    return table_count < 2 or empty_seats <= slack_budget
