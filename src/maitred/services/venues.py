"""Venue use cases: import and export a floor plan, read a venue snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database
from maitred.db.repositories import venues as repo
from maitred.domain.errors import NotFound
from maitred.domain.policy import effective_policy
from maitred.domain.venue import Table, Venue, Zone, edge
from maitred.formats.floorplan import FloorPlan, FloorPlanSpec, RestaurantSpec, TableSpec, ZoneSpec

Row = dict[str, Any]


def _table_row(zone_id: UUID, table: TableSpec, position: int) -> Row:
    return {
        "table_id": uuid4(),
        "zone_id": zone_id,
        "position": position,
        **table.model_dump(),
    }


def _write_floor(conn: Connection, restaurant_id: UUID, spec: FloorPlanSpec) -> None:
    zones, tables, edges = [], [], []
    ids: dict[str, UUID] = {}
    for zone_position, zone in enumerate(spec.zones):
        zone_id = uuid4()
        zones.append({"zone_id": zone_id, "name": zone.name, "position": zone_position})
        for position, table in enumerate(zone.tables):
            row = _table_row(zone_id, table, position)
            ids[table.label] = row["table_id"]
            tables.append(row)
        for a, b in zone.adjacency:
            table_a, table_b = sorted((ids[a], ids[b]))
            edges.append({"zone_id": zone_id, "table_a": table_a, "table_b": table_b})
    repo.insert_zones(conn, restaurant_id, zones)
    repo.insert_tables(conn, restaurant_id, tables)
    repo.insert_edges(conn, restaurant_id, edges)


def import_floorplan(db: Database, floor: FloorPlan) -> UUID:
    """Create a restaurant from a validated floor plan, all in one transaction; its new id."""
    restaurant_id = uuid4()
    spec = floor.spec
    with db.tenant(restaurant_id) as conn:
        repo.insert_restaurant(conn, restaurant_id, spec.restaurant.name, spec.restaurant.timezone)
        repo.insert_policy(conn, restaurant_id, spec.policy)
        _write_floor(conn, restaurant_id, spec)
    return restaurant_id


def require_restaurant(conn: Connection, restaurant_id: UUID) -> Row:
    restaurant = repo.get_restaurant(conn, restaurant_id)
    if restaurant is None:
        raise NotFound("No such restaurant.", restaurant_id=str(restaurant_id))
    return restaurant


def _spec_from_rows(
    restaurant: Row, policy: Row | None, zones: list[Row], tables: list[Row], edges: list[Row]
) -> FloorPlanSpec:
    label = {t["table_id"]: t["label"] for t in tables}
    zone_specs = []
    for zone in zones:
        zone_tables = [t for t in tables if t["zone_id"] == zone["zone_id"]]
        pairs = sorted(
            edge(label[e["table_a"]], label[e["table_b"]])
            for e in edges
            if e["zone_id"] == zone["zone_id"]
        )
        zone_specs.append(
            ZoneSpec(
                name=zone["name"],
                tables=tuple(TableSpec.model_validate(_table_fields(t)) for t in zone_tables),
                adjacency=tuple((a, b) for a, b in pairs),
            )
        )
    return FloorPlanSpec(
        restaurant=RestaurantSpec(name=restaurant["name"], timezone=restaurant["timezone"]),
        policy=policy["document"] if policy else {},
        zones=tuple(zone_specs),
    )


def _table_fields(row: Row) -> Row:
    names = ("label", "capacity", "min_party", "max_party", "mergeable", "active", "priority")
    return {name: row[name] for name in names}


def export_floorplan(db: Database, restaurant_id: UUID) -> FloorPlanSpec:
    """The restaurant's floor plan in file form, canonical (import(export(x)) == x)."""
    with db.tenant(restaurant_id) as conn:
        restaurant = require_restaurant(conn, restaurant_id)
        return _spec_from_rows(
            restaurant,
            repo.current_policy(conn, restaurant_id),
            repo.list_zones(conn, restaurant_id),
            repo.list_tables(conn, restaurant_id),
            repo.list_edges(conn, restaurant_id),
        )


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """A restaurant's venue as the planner sees it (ids are UUID strings)."""

    restaurant_id: UUID
    venue: Venue
    policy_document: dict[str, Any]


def read_venue(conn: Connection, restaurant_id: UUID, defaults: dict[str, Any]) -> VenueSnapshot:
    """The venue snapshot, read inside the caller's transaction."""
    restaurant = require_restaurant(conn, restaurant_id)
    policy_row = repo.current_policy(conn, restaurant_id)
    document = policy_row["document"] if policy_row else {}
    zones = tuple(Zone(str(z["zone_id"]), z["name"]) for z in repo.list_zones(conn, restaurant_id))
    tables = tuple(
        Table(
            id=str(t["table_id"]),
            zone_id=str(t["zone_id"]),
            **dict(_table_fields(t).items()),
        )
        for t in repo.list_tables(conn, restaurant_id)
    )
    edges = frozenset(
        edge(str(e["table_a"]), str(e["table_b"])) for e in repo.list_edges(conn, restaurant_id)
    )
    venue = Venue(
        zones,
        tables,
        edges,
        effective_policy(defaults, document),
        restaurant["timezone"],
        int(restaurant["venue_version"]),
        restaurant["name"],
    )
    return VenueSnapshot(restaurant_id, venue, document)


def load_venue(db: Database, restaurant_id: UUID, defaults: dict[str, Any]) -> VenueSnapshot:
    with db.tenant(restaurant_id) as conn:
        return read_venue(conn, restaurant_id, defaults)
