"""Why a party cannot be seated: one stable code per class of refusal."""

from __future__ import annotations

from enum import StrEnum

from maitred.planning.combinations import CombinationIndex
from maitred.planning.rules import bits


class Reason(StrEnum):
    """The reason class of an empty quote or an unseated booking."""

    NO_TABLE_LARGE_ENOUGH = "NO_TABLE_LARGE_ENOUGH"
    ALL_FITTING_TABLES_BUSY = "ALL_FITTING_TABLES_BUSY"
    MERGE_RULES = "MERGE_RULES"
    OUTSIDE_SERVICE_HOURS = "OUTSIDE_SERVICE_HOURS"
    PACING_LIMIT = "PACING_LIMIT"
    # A table has the seats but its own party limits refuse the party, and no merge may help.
    PARTY_SIZE_OUT_OF_RANGE = "PARTY_SIZE_OUT_OF_RANGE"


def why_no_plan(index: CombinationIndex, party_size: int, avoid: int = 0) -> tuple[Reason, str]:
    """Classify a party with no free plan; `avoid` are tables the request ruled out.

    Busy comes first: if some combination would seat the party at another time, the tables
    are merely taken. Otherwise the floor itself cannot do it, and we say which rule stops it.
    """
    for group in index.candidates(party_size):
        if any(not mask & avoid for mask in group.masks):
            return Reason.ALL_FITTING_TABLES_BUSY, (
                f"Every table or combination that seats {party_size} is taken at that time."
            )
    usable = [index.tables[p] for p in bits(index.active_mask & ~avoid)]
    if any(table.capacity >= party_size for table in usable):
        return Reason.PARTY_SIZE_OUT_OF_RANGE, (
            f"The tables with {party_size} seats do not take a party of {party_size} on their "
            "own, and no combination may seat it."
        )
    seats = sum(table.capacity for table in usable)
    if seats >= party_size:
        return Reason.MERGE_RULES, _merge_rules_message(index, party_size)
    return Reason.NO_TABLE_LARGE_ENOUGH, (
        f"No table is large enough for {party_size}, and all the tables together have "
        f"{seats} seats."
    )


def _merge_rules_message(index: CombinationIndex, party_size: int) -> str:
    policy = index.venue.policy
    return (
        f"No table seats {party_size}, and the merge rules allow no combination that does "
        f"(mergeable tables of one zone, {policy.adjacency_mode.value} adjacency, at most "
        f"{policy.max_tables_per_combination} tables and {policy.slack_budget} empty seats)."
    )
