"""What a hold's decision rested on, so a confirm can tell whether it still stands."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from maitred.domain.policy import Policy
from maitred.domain.venue import Venue
from maitred.domain.window import Window

# The table attributes a seating decision depends on (priority and label only rank or name).
DECISION_ATTRIBUTES = ("zone_id", "capacity", "min_party", "max_party", "mergeable", "active")


def policy_digest(policy: Policy) -> str:
    text = json.dumps(policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def decision_fingerprint(
    venue: Venue, table_ids: Iterable[str], party_size: int, window: Window
) -> dict[str, Any]:
    """Everything a hold's decision rested on: policy, tables, the edges among them, party,
    window. Stored with the hold and compared again at confirm."""
    ids = sorted(set(table_ids))
    tables = {
        table_id: {name: getattr(venue.table(table_id), name) for name in DECISION_ATTRIBUTES}
        if venue.has_table(table_id)
        else None
        for table_id in ids
    }
    edges = sorted([a, b] for a, b in venue.adjacency if a in tables and b in tables)
    return {
        "policy": policy_digest(venue.policy),
        "tables": tables,
        "edges": edges,
        "party_size": party_size,
        "window": [window.start.isoformat(), window.end.isoformat()],
    }


def _table_changes(before: dict[str, Any], after: dict[str, Any], venue: Venue) -> list[str]:
    changes = []
    for table_id, old in before.items():
        new = after.get(table_id)
        name = venue.table(table_id).label if venue.has_table(table_id) else table_id
        if new is None:
            changes.append(f"{name} no longer exists")
            continue
        for attribute in DECISION_ATTRIBUTES:
            if old.get(attribute) != new.get(attribute):
                changes.append(f"{name}: {attribute} {old.get(attribute)} -> {new[attribute]}")
    return changes


def drift(before: dict[str, Any], after: dict[str, Any], venue: Venue) -> dict[str, Any]:
    """What changed between two fingerprints, in words; empty when nothing did."""
    changed = [
        part
        for part in ("policy", "tables", "edges", "party_size", "window")
        if before.get(part) != after.get(part)
    ]
    if not changed:
        return {}
    details: dict[str, Any] = {"changed": changed}
    if "tables" in changed:
        details["tables"] = _table_changes(before.get("tables", {}), after["tables"], venue)
    if "edges" in changed:
        details["edges"] = {"before": before.get("edges"), "after": after["edges"]}
    for part in ("party_size", "window"):
        if part in changed:
            details[part] = {"before": before.get(part), "after": after[part]}
    return details
