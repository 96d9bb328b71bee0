"""Venue setup: zones, tables, adjacency and policy, one change at a time.

Every change runs in one tenant transaction that first locks the restaurant row (the venue
version's row, which the change bumps by trigger anyway), so a restaurant's venue changes
queue in one order and never deadlock on each other's tables. Each change that moved the venue
version writes one `venue.changed` event to the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from maitred.db.database import Connection, Database
from maitred.db.repositories import outbox
from maitred.db.repositories import venues as repo
from maitred.domain.errors import (
    InvalidRequest,
    NotFound,
    TableInUse,
    ZoneMismatch,
    ZoneNotEmpty,
    path_text,
)
from maitred.domain.policy import effective_policy
from maitred.formats.floorplan import FloorPlan, TableSpec
from maitred.services.floorplan_diff import FloorChanges, floor_changes
from maitred.services.venues import require_restaurant
from maitred.services.views import View, local_iso

Row = dict[str, Any]

TABLE_FIELDS = (
    "label",
    "zone_id",
    "capacity",
    "min_party",
    "max_party",
    "mergeable",
    "active",
    "priority",
    "position",
)


class TableFields(TableSpec):
    """A table as setup writes it: the floor-plan file's fields and rules, its zone, its place."""

    zone_id: UUID
    position: int = 0


class ZoneFields(BaseModel):
    """A zone as setup writes it: the floor-plan file's name rule and its place on the floor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    position: int = 0


# Views --------------------------------------------------------------------------------------


def zone_view(row: Row) -> View:
    return {
        "id": str(row["zone_id"]),
        "name": row["name"],
        "position": row["position"],
        "tables": int(row["tables"]),
    }


def table_view(row: Row) -> View:
    return {
        "id": str(row["table_id"]),
        "label": row["label"],
        "zone_id": str(row["zone_id"]),
        "zone": row["zone"],
        **{name: row[name] for name in TABLE_FIELDS if name not in ("label", "zone_id")},
    }


def edge_view(row: Row) -> View:
    return {
        "table_a": str(row["table_a"]),
        "table_b": str(row["table_b"]),
        "labels": [row["label_a"], row["label_b"]],
        "zone_id": str(row["zone_id"]),
    }


def policy_view(row: Row | None, defaults: dict[str, Any]) -> View:
    document = row["document"] if row else {}
    return {
        "version": row["version"] if row else None,
        "document": document,
        "effective": effective_policy(defaults, document).model_dump(mode="json"),
    }


# Shared steps -------------------------------------------------------------------------------


def lock_venue(conn: Connection, restaurant_id: UUID) -> int:
    """Lock the restaurant for a venue change; the venue version before it."""
    version = repo.lock_restaurant(conn, restaurant_id)
    if version is None:
        raise NotFound("No such restaurant.")
    return version


def venue_changed(conn: Connection, restaurant_id: UUID, before: int, what: str) -> int:
    """Queue one `venue.changed` event if the venue version moved; the version now."""
    version = repo.venue_version(conn, restaurant_id)
    if version != before:
        outbox.add(
            conn,
            restaurant_id,
            restaurant_id,
            "venue.changed",
            f"venue.changed:{restaurant_id}:{version}",
            {"what": what, "venue_version": version},
        )
    return version


def _invalid(what: str, problems: Sequence[tuple[Sequence[str | int], str]]) -> InvalidRequest:
    return InvalidRequest(
        f"The {what} is invalid.",
        problems=[{"path": path_text(loc), "message": message} for loc, message in problems],
    )


def _party_limit_problems(table: TableSpec) -> list[tuple[tuple[str], str]]:
    """The floor-plan file's party rule: 1 <= min_party <= max_party <= capacity."""
    top = table.capacity if table.max_party is None else table.max_party
    problems: list[tuple[tuple[str], str]] = []
    if table.min_party > top:
        problems.append((("min_party",), f"min_party {table.min_party} exceeds max_party {top}"))
    if top > table.capacity:
        problems.append((("max_party",), f"max_party {top} exceeds capacity {table.capacity}"))
    return problems


def valid_table(fields: Mapping[str, Any]) -> TableFields:
    """Table fields checked by the floor-plan file's rules; every problem reported at once."""
    try:
        table = TableFields.model_validate(dict(fields))
    except ValidationError as exc:
        raise _invalid("table", [(err["loc"], err["msg"]) for err in exc.errors()]) from exc
    problems = _party_limit_problems(table)
    if problems:
        raise _invalid("table", problems)
    return table


def _valid_zone(fields: Mapping[str, Any]) -> ZoneFields:
    try:
        return ZoneFields.model_validate(dict(fields))
    except ValidationError as exc:
        raise _invalid("zone", [(err["loc"], err["msg"]) for err in exc.errors()]) from exc


def _require_zone(conn: Connection, restaurant_id: UUID, zone_id: UUID) -> Row:
    zone = repo.get_zone(conn, restaurant_id, zone_id)
    if zone is None:
        raise NotFound("No such zone.")
    return zone


def _require_table(
    conn: Connection, restaurant_id: UUID, table_id: UUID, lock: bool = False
) -> Row:
    table = repo.get_table(conn, restaurant_id, table_id, lock=lock)
    if table is None:
        raise NotFound("No such table.")
    return table


def _allocations(count: int) -> str:
    return f"{count} allocation{'s' if count != 1 else ''}"


def refuse_tables_in_use(conn: Connection, restaurant_id: UUID, tables: Sequence[Row]) -> None:
    """Raise TableInUse when any of these tables still has holds, assignments or blocks.

    The tables are locked first, so no allocation can reach them before the caller commits.
    Expired holds never count; they are removed so they cannot keep a table alive.
    """
    ids = [t["table_id"] for t in tables]
    if not ids:
        return
    repo.lock_tables(conn, restaurant_id, ids)
    counts = repo.live_allocation_counts(conn, restaurant_id, ids)
    busy = [
        {
            "id": str(t["table_id"]),
            "label": t["label"],
            "allocations": sum(kinds.values()),
            **{f"{kind}s": kinds.get(kind, 0) for kind in ("hold", "assignment", "block")},
        }
        for t in tables
        if (kinds := counts.get(t["table_id"]))
    ]
    if busy:
        named = ", ".join(f"{t['label']} ({_allocations(t['allocations'])})" for t in busy)
        raise TableInUse(
            f"{'Table' if len(busy) == 1 else 'Tables'} {named} still"
            f" {'has' if len(busy) == 1 else 'have'} holds, assignments or blocks;"
            " deactivate instead of deleting (set active to false).",
            tables=busy,
        )
    repo.delete_expired_holds_of_tables(conn, restaurant_id, ids)


# Zones --------------------------------------------------------------------------------------


def list_zones(db: Database, restaurant_id: UUID) -> list[View]:
    """The zones in floor order, each with its number of tables."""
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        return [zone_view(row) for row in repo.zones_with_counts(conn, restaurant_id)]


def create_zone(
    db: Database, restaurant_id: UUID, *, name: str, position: int | None = None
) -> View:
    """A new zone, last on the floor unless a position is given."""
    zone = _valid_zone({"name": name, "position": position or 0})
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        if position is None:
            position = repo.next_zone_position(conn, restaurant_id)
        zone_id = uuid4()
        row = {"zone_id": zone_id, "name": zone.name, "position": position}
        repo.insert_zones(conn, restaurant_id, [row])
        venue_changed(conn, restaurant_id, before, "zone.created")
        return zone_view(_require_zone(conn, restaurant_id, zone_id))


def update_zone(
    db: Database,
    restaurant_id: UUID,
    zone_id: UUID,
    *,
    name: str | None = None,
    position: int | None = None,
) -> View:
    """Rename or move a zone; fields left as None stay as they are."""
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        current = _require_zone(conn, restaurant_id, zone_id)
        zone = _valid_zone(
            {
                "name": current["name"] if name is None else name,
                "position": current["position"] if position is None else position,
            }
        )
        if (zone.name, zone.position) != (current["name"], current["position"]):
            repo.update_zone(
                conn,
                restaurant_id,
                {"zone_id": zone_id, "name": zone.name, "position": zone.position},
            )
            venue_changed(conn, restaurant_id, before, "zone.updated")
        return zone_view(_require_zone(conn, restaurant_id, zone_id))


def delete_zone(db: Database, restaurant_id: UUID, zone_id: UUID) -> None:
    """Delete an empty zone; a zone with tables is refused (ZONE_NOT_EMPTY)."""
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        zone = _require_zone(conn, restaurant_id, zone_id)
        if zone["tables"]:
            count = int(zone["tables"])
            raise ZoneNotEmpty(
                f"Zone {zone['name']} still has {count} table{'s' if count != 1 else ''};"
                " move or delete them first.",
                zone_id=str(zone_id),
                tables=count,
            )
        repo.delete_zones(conn, restaurant_id, [zone_id])
        venue_changed(conn, restaurant_id, before, "zone.deleted")


# Tables -------------------------------------------------------------------------------------


def list_tables(db: Database, restaurant_id: UUID) -> list[View]:
    """The tables in floor order (zone, position, label)."""
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        return [table_view(row) for row in repo.tables_with_zones(conn, restaurant_id)]


def get_table(db: Database, restaurant_id: UUID, table_id: UUID) -> View:
    with db.tenant(restaurant_id) as conn:
        return table_view(_require_table(conn, restaurant_id, table_id))


def create_table(
    db: Database,
    restaurant_id: UUID,
    *,
    label: str,
    zone_id: UUID,
    capacity: int,
    min_party: int = 1,
    max_party: int | None = None,
    mergeable: bool = True,
    active: bool = True,
    priority: int = 0,
    position: int | None = None,
) -> View:
    """A new table in a zone, last in it unless a position is given; a taken label conflicts."""
    table = valid_table(
        {
            "label": label,
            "zone_id": zone_id,
            "capacity": capacity,
            "min_party": min_party,
            "max_party": max_party,
            "mergeable": mergeable,
            "active": active,
            "priority": priority,
            "position": position or 0,
        }
    )
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        _require_zone(conn, restaurant_id, table.zone_id)
        if position is None:
            position = repo.next_table_position(conn, restaurant_id, table.zone_id)
        table_id = uuid4()
        row = {**table.model_dump(), "table_id": table_id, "position": position}
        repo.insert_tables(conn, restaurant_id, [row])
        venue_changed(conn, restaurant_id, before, "table.created")
        return table_view(_require_table(conn, restaurant_id, table_id))


def _table_columns(row: Row) -> Row:
    return {name: row[name] for name in TABLE_FIELDS}


def update_table(
    db: Database, restaurant_id: UUID, table_id: UUID, changes: Mapping[str, Any]
) -> View:
    """Change some of a table's fields (`changes` holds only those; `max_party` may be None).

    A table moving to another zone loses its edges (edges never cross zones), in the same
    transaction; the view lists them under `removed_edges`. Without a given position it goes
    last in its new zone.
    """
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        current = _require_table(conn, restaurant_id, table_id, lock=True)
        table = valid_table({**_table_columns(current), **changes})
        removed: list[Row] = []
        if table.zone_id != current["zone_id"]:
            _require_zone(conn, restaurant_id, table.zone_id)
            if "position" not in changes:
                position = repo.next_table_position(conn, restaurant_id, table.zone_id)
                table = table.model_copy(update={"position": position})
            removed = repo.edges_of_table(conn, restaurant_id, table_id)
            repo.delete_edges(conn, restaurant_id, [(e["table_a"], e["table_b"]) for e in removed])
        if table.model_dump() != _table_columns(current):
            repo.update_tables(conn, restaurant_id, [{**table.model_dump(), "table_id": table_id}])
            venue_changed(conn, restaurant_id, before, "table.updated")
        view = table_view(_require_table(conn, restaurant_id, table_id))
        return {**view, "removed_edges": [edge_view(e) for e in removed]}


def delete_table(db: Database, restaurant_id: UUID, table_id: UUID) -> None:
    """Delete a table and its edges; refused (TABLE_IN_USE) while it has allocations."""
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        table = _require_table(conn, restaurant_id, table_id)
        refuse_tables_in_use(conn, restaurant_id, [table])
        repo.delete_tables(conn, restaurant_id, [table_id])
        venue_changed(conn, restaurant_id, before, "table.deleted")


# Adjacency ----------------------------------------------------------------------------------


def list_edges(db: Database, restaurant_id: UUID) -> list[View]:
    """Every edge once, by its labels."""
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        return [edge_view(row) for row in repo.edges_with_labels(conn, restaurant_id)]


def _edge_key(table_a: UUID, table_b: UUID) -> tuple[UUID, UUID]:
    """The stored order of an undirected edge (table_a < table_b)."""
    return (table_a, table_b) if table_a < table_b else (table_b, table_a)


def add_edge(db: Database, restaurant_id: UUID, table_a: UUID, table_b: UUID) -> View:
    """Make two tables of one zone adjacent (in either order); an existing edge conflicts."""
    if table_a == table_b:
        raise InvalidRequest("A table cannot be adjacent to itself.", table_id=str(table_a))
    first, second = _edge_key(table_a, table_b)
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        a = _require_table(conn, restaurant_id, first)
        b = _require_table(conn, restaurant_id, second)
        if a["zone_id"] != b["zone_id"]:
            raise ZoneMismatch(
                f"{a['label']} ({a['zone']}) and {b['label']} ({b['zone']}) are in different"
                " zones; only tables of one zone can be pushed together.",
                tables=[a["label"], b["label"]],
                zones=[a["zone"], b["zone"]],
            )
        edge = {"zone_id": a["zone_id"], "table_a": first, "table_b": second}
        repo.insert_edges(conn, restaurant_id, [edge])
        venue_changed(conn, restaurant_id, before, "adjacency.added")
        return edge_view({**edge, "label_a": a["label"], "label_b": b["label"]})


def remove_edge(db: Database, restaurant_id: UUID, table_a: UUID, table_b: UUID) -> None:
    """Remove the edge between two tables (either order)."""
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        if not repo.delete_edges(conn, restaurant_id, [_edge_key(table_a, table_b)]):
            raise NotFound("Those tables are not adjacent.")
        venue_changed(conn, restaurant_id, before, "adjacency.removed")


# Policy -------------------------------------------------------------------------------------


def get_policy(db: Database, restaurant_id: UUID, defaults: dict[str, Any]) -> View:
    """The current policy: its version, what the restaurant set, and the effective whole."""
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        return policy_view(repo.current_policy(conn, restaurant_id), defaults)


def replace_policy(
    db: Database, restaurant_id: UUID, document: Mapping[str, Any], defaults: dict[str, Any]
) -> View:
    """Validate the whole effective policy, then store the document as a new version.

    A document equal to the current one stores nothing: replacing is idempotent.
    """
    if not isinstance(document, Mapping):
        raise InvalidRequest("The policy must be an object.")
    document = dict(document)
    effective_policy(defaults, document)  # PolicyInvalid lists every problem
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        current = repo.current_policy(conn, restaurant_id)
        if current is None or current["document"] != document:
            repo.insert_policy(conn, restaurant_id, document)
            venue_changed(conn, restaurant_id, before, "policy.replaced")
        return policy_view(repo.current_policy(conn, restaurant_id), defaults)


def policy_versions(db: Database, restaurant_id: UUID) -> list[View]:
    """Every stored policy version, newest first: `{version, created_at}`."""
    with db.tenant(restaurant_id) as conn:
        restaurant = require_restaurant(conn, restaurant_id)
        return [
            {
                "version": row["version"],
                "created_at": local_iso(row["created_at"], restaurant["timezone"]),
            }
            for row in repo.policy_versions(conn, restaurant_id)
        ]


# A whole floor plan -------------------------------------------------------------------------


def _apply_floor_changes(conn: Connection, restaurant_id: UUID, changes: FloorChanges) -> None:
    """Write the changes in the order the keys allow: zones before their tables, edges off a
    table before it moves or goes, tables out of a zone before the zone goes."""
    repo.insert_zones(conn, restaurant_id, changes.zones_created)
    for zone in changes.zones_updated:
        repo.update_zone(conn, restaurant_id, zone)
    repo.delete_edges(
        conn, restaurant_id, [(e["table_a"], e["table_b"]) for e in changes.edges_removed]
    )
    repo.delete_tables(conn, restaurant_id, [t["table_id"] for t in changes.tables_deleted])
    repo.update_tables(conn, restaurant_id, changes.tables_updated)
    repo.insert_tables(conn, restaurant_id, changes.tables_created)
    repo.delete_zones(conn, restaurant_id, [z["zone_id"] for z in changes.zones_deleted])
    repo.insert_edges(conn, restaurant_id, changes.edges_added)


def replace_floorplan(db: Database, restaurant_id: UUID, floor: FloorPlan) -> View:
    """Make an existing restaurant's venue exactly a validated floor plan, in one transaction.

    Zones match by name and tables by label (kept ids keep their bookings); the policy is
    stored as a new version only when it differs. A table the file drops that still has
    allocations refuses the whole plan (TABLE_IN_USE) and nothing is written.
    """
    spec = floor.spec
    with db.tenant(restaurant_id) as conn:
        before = lock_venue(conn, restaurant_id)
        changes = floor_changes(
            spec,
            repo.list_zones(conn, restaurant_id),
            repo.list_tables(conn, restaurant_id),
            repo.list_edges(conn, restaurant_id),
        )
        refuse_tables_in_use(conn, restaurant_id, changes.tables_deleted)
        restaurant = repo.update_restaurant(
            conn, restaurant_id, spec.restaurant.name, spec.restaurant.timezone
        )
        policy = repo.current_policy(conn, restaurant_id)
        policy_changed = policy is None or policy["document"] != spec.policy
        if policy_changed:
            repo.insert_policy(conn, restaurant_id, spec.policy)
        _apply_floor_changes(conn, restaurant_id, changes)
        version = venue_changed(conn, restaurant_id, before, "floorplan.replaced")
        current = repo.current_policy(conn, restaurant_id)
        return {
            "venue_version": version,
            "restaurant_changed": restaurant,
            "policy": {
                "version": current["version"] if current else None,
                "changed": policy_changed,
            },
            **changes.summary(),
        }
