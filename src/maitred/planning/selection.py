"""Checking a chosen set of tables against every rule, reporting every failure at once.

These are the rules the search applies (through `maitred.planning.rules`), spelled out one by
one so a host sees each reason. The same checks back the day validator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from maitred.domain.venue import Table
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.occupancy import Occupancy
from maitred.planning.rules import adjacency_satisfied, party_out_of_range
from maitred.planning.rules import label_key as _label_key


class CheckCode(StrEnum):
    """Stable codes of failed checks (the 422/409 codes of the error contract)."""

    NOT_FOUND = "NOT_FOUND"
    TABLE_INACTIVE = "TABLE_INACTIVE"
    TOO_MANY_TABLES = "TOO_MANY_TABLES"
    NOT_MERGEABLE = "NOT_MERGEABLE"
    ZONE_MISMATCH = "ZONE_MISMATCH"
    ADJACENCY_REQUIRED = "ADJACENCY_REQUIRED"
    CAPACITY_INSUFFICIENT = "CAPACITY_INSUFFICIENT"
    PARTY_SIZE_OUT_OF_RANGE = "PARTY_SIZE_OUT_OF_RANGE"
    SLACK_BUDGET_EXCEEDED = "SLACK_BUDGET_EXCEEDED"
    TABLE_CONFLICT = "TABLE_CONFLICT"


class SlackRule(StrEnum):
    """Where the slack budget applies."""

    SELECTION = "selection"  # a manual selection: to the whole selection, single or merge
    MERGES = "merges"  # automatic planning: to merges of two or more tables only


@dataclass(frozen=True, slots=True)
class Check:
    """One failed check: a stable code, a sentence, and the facts behind it."""

    code: CheckCode
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class SelectionResult:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return not self.checks

    @property
    def codes(self) -> list[CheckCode]:
        return [check.code for check in self.checks]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [check.to_json() for check in self.checks]}


def check_selection(
    index: CombinationIndex,
    occupancy: Occupancy,
    party_size: int,
    window: Window,
    table_ids: Iterable[str],
    slack_rule: SlackRule = SlackRule.SELECTION,
) -> SelectionResult:
    """Every rule a selection of tables breaks for this party and window (none: it is valid).

    The occupancy should leave out the booking's own allocations (its current hold), so moving
    a booking onto tables it already holds is not a conflict with itself.
    """
    wanted = sorted(set(table_ids))
    checks = seating_checks(index, wanted, party_size, slack_rule)
    known = [table_id for table_id in wanted if index.venue.has_table(table_id)]
    conflict = conflict_check(index, occupancy, known, window)
    return SelectionResult(tuple(checks + ([conflict] if conflict else [])))


def seating_checks(
    index: CombinationIndex, table_ids: list[str], party_size: int, slack_rule: SlackRule
) -> list[Check]:
    """The checks that do not depend on time: tables, merge rules, seats and slack."""
    venue = index.venue
    unknown = [table_id for table_id in table_ids if not venue.has_table(table_id)]
    tables = sorted(
        (venue.table(table_id) for table_id in table_ids if venue.has_table(table_id)),
        key=lambda table: _label_key(table.label),
    )
    checks = [_unknown(unknown)] if unknown else []
    checks += _table_checks(index, tables)
    if len(tables) > 1:
        checks += _merge_checks(index, tables)
    checks += _seat_checks(index, tables, party_size, slack_rule)
    return checks


def _labels(tables: Iterable[Table]) -> list[str]:
    return [table.label for table in tables]


def _unknown(table_ids: list[str]) -> Check:
    return Check(
        CheckCode.NOT_FOUND,
        f"No such table: {', '.join(table_ids)}.",
        {"table_ids": table_ids},
    )


def _table_checks(index: CombinationIndex, tables: list[Table]) -> list[Check]:
    checks = []
    inactive = [table for table in tables if not table.active]
    if inactive:
        labels = _labels(inactive)
        checks.append(
            Check(
                CheckCode.TABLE_INACTIVE,
                f"Out of service: {', '.join(labels)}.",
                {"tables": labels, "table_ids": [table.id for table in inactive]},
            )
        )
    limit = index.max_tables
    if len(tables) > limit:
        checks.append(
            Check(
                CheckCode.TOO_MANY_TABLES,
                f"{len(tables)} tables chosen; at most {limit} may be pushed together.",
                {"tables": len(tables), "max_tables": limit},
            )
        )
    return checks


def _merge_checks(index: CombinationIndex, tables: list[Table]) -> list[Check]:
    checks = []
    fixed = [table for table in tables if not table.mergeable]
    if fixed:
        labels = _labels(fixed)
        checks.append(
            Check(
                CheckCode.NOT_MERGEABLE,
                f"Cannot be pushed together with other tables: {', '.join(labels)}.",
                {"tables": labels},
            )
        )
    zones = sorted({table.zone_id for table in tables})
    if len(zones) > 1:
        names = [index.zone_name(zone_id) for zone_id in zones]
        checks.append(
            Check(
                CheckCode.ZONE_MISMATCH,
                f"The tables are in different zones ({', '.join(names)}).",
                {"zones": names, "zone_ids": zones},
            )
        )
    mode = index.venue.policy.adjacency_mode
    mask = index.mask_of(table.id for table in tables)
    if not adjacency_satisfied(mode, mask, index.neighbours):
        checks.append(
            Check(
                CheckCode.ADJACENCY_REQUIRED,
                f"The tables are not adjacent as the '{mode.value}' adjacency mode requires.",
                {"mode": mode.value, "tables": _labels(tables)},
            )
        )
    return checks


def _seat_checks(
    index: CombinationIndex, tables: list[Table], party_size: int, slack_rule: SlackRule
) -> list[Check]:
    checks = []
    seats = sum(table.capacity for table in tables)
    if seats < party_size:
        checks.append(
            Check(
                CheckCode.CAPACITY_INSUFFICIENT,
                f"{seats} seats for a party of {party_size}.",
                {"capacity": seats, "party_size": party_size},
            )
        )
    if len(tables) == 1 and party_out_of_range(tables[0], party_size):
        table = tables[0]
        checks.append(
            Check(
                CheckCode.PARTY_SIZE_OUT_OF_RANGE,
                f"{table.label} takes parties of {table.min_party} to "
                f"{table.single_max_party}, not {party_size}.",
                {
                    "table": table.label,
                    "min_party": table.min_party,
                    "max_party": table.single_max_party,
                    "party_size": party_size,
                },
            )
        )
    budget = index.venue.policy.slack_budget
    applies = slack_rule is SlackRule.SELECTION or len(tables) > 1
    if applies and seats - party_size > budget:
        checks.append(
            Check(
                CheckCode.SLACK_BUDGET_EXCEEDED,
                f"{seats - party_size} empty seats; the slack budget is {budget}.",
                {"empty_seats": seats - party_size, "slack_budget": budget},
            )
        )
    return checks


def conflict_check(
    index: CombinationIndex, occupancy: Occupancy, table_ids: list[str], window: Window
) -> Check | None:
    """TABLE_CONFLICT naming every busy table and the windows it is busy in, or None."""
    conflicts = []
    for table_id in table_ids:
        for allocation in occupancy.conflicts(table_id, window):
            conflicts.append(
                {
                    "table": index.venue.table(table_id).label,
                    "table_id": table_id,
                    "kind": allocation.kind.value,
                    "start": allocation.window.start.isoformat(),
                    "end": allocation.window.end.isoformat(),
                }
            )
    if not conflicts:
        return None
    busy = sorted({str(item["table"]) for item in conflicts}, key=_label_key)
    return Check(
        CheckCode.TABLE_CONFLICT,
        f"Already taken at that time: {', '.join(busy)}.",
        {"tables": busy, "conflicts": conflicts},
    )
