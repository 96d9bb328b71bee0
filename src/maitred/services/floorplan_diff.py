"""What replacing a restaurant's floor with a floor-plan file changes, computed without I/O.

Zones are matched by name and tables by label: a match keeps its id (and with it its bookings'
allocations), the file's values overwrite its fields; what the file lacks is deleted, what it
adds is created. Adjacency becomes exactly the file's, so an edge whose table changes zone is
removed and, when the file still has it, added again in the new zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from maitred.formats.floorplan import FloorPlanSpec

Row = dict[str, Any]
EdgeKey = tuple[UUID, UUID, UUID]  # zone_id, table_a, table_b (table_a < table_b)


@dataclass(frozen=True, slots=True)
class FloorChanges:
    """Rows to write, in the columns of the venue repository; edges carry their labels."""

    zones_created: list[Row]
    zones_updated: list[Row]
    zones_deleted: list[Row]
    tables_created: list[Row]
    tables_updated: list[Row]
    tables_deleted: list[Row]
    edges_added: list[Row]
    edges_removed: list[Row]

    def summary(self) -> dict[str, Any]:
        """Names, labels and label pairs of everything that changes, sorted."""

        def names(rows: list[Row], key: str) -> list[str]:
            return sorted(row[key] for row in rows)

        def pairs(rows: list[Row]) -> list[list[str]]:
            return sorted(sorted([row["label_a"], row["label_b"]]) for row in rows)

        return {
            "zones": {
                "created": names(self.zones_created, "name"),
                "updated": names(self.zones_updated, "name"),
                "deleted": names(self.zones_deleted, "name"),
            },
            "tables": {
                "created": names(self.tables_created, "label"),
                "updated": names(self.tables_updated, "label"),
                "deleted": names(self.tables_deleted, "label"),
            },
            "adjacency": {"added": pairs(self.edges_added), "removed": pairs(self.edges_removed)},
        }


def _wanted_zones(spec: FloorPlanSpec, zones: Sequence[Row]) -> list[Row]:
    by_name = {zone["name"]: zone for zone in zones}
    return [
        {
            "zone_id": by_name[zone.name]["zone_id"] if zone.name in by_name else uuid4(),
            "name": zone.name,
            "position": position,
        }
        for position, zone in enumerate(spec.zones)
    ]


def _wanted_tables(spec: FloorPlanSpec, zone_rows: list[Row], tables: Sequence[Row]) -> list[Row]:
    by_label = {table["label"]: table for table in tables}
    wanted = []
    for zone_row, zone in zip(zone_rows, spec.zones, strict=True):
        for position, table in enumerate(zone.tables):
            old = by_label.get(table.label)
            wanted.append(
                {
                    "table_id": old["table_id"] if old else uuid4(),
                    "zone_id": zone_row["zone_id"],
                    "position": position,
                    **table.model_dump(),
                }
            )
    return wanted


def _wanted_edges(
    spec: FloorPlanSpec, zone_rows: list[Row], table_rows: list[Row]
) -> dict[EdgeKey, Row]:
    ids = {table["label"]: table["table_id"] for table in table_rows}
    wanted: dict[EdgeKey, Row] = {}
    for zone_row, zone in zip(zone_rows, spec.zones, strict=True):
        for a, b in zone.adjacency:
            (first, label_a), (second, label_b) = sorted([(ids[a], a), (ids[b], b)])
            key = (zone_row["zone_id"], first, second)
            wanted[key] = _edge_row(key, label_a, label_b)
    return wanted


def _edge_row(key: EdgeKey, label_a: str, label_b: str) -> Row:
    zone_id, table_a, table_b = key
    return {
        "zone_id": zone_id,
        "table_a": table_a,
        "table_b": table_b,
        "label_a": label_a,
        "label_b": label_b,
    }


def _differs(old: Row, new: Row) -> bool:
    return any(old[name] != value for name, value in new.items())


def floor_changes(
    spec: FloorPlanSpec, zones: Sequence[Row], tables: Sequence[Row], edges: Sequence[Row]
) -> FloorChanges:
    """The changes that turn the stored floor (rows as the venue repository lists them) into
    the file's floor."""
    zone_rows = _wanted_zones(spec, zones)
    table_rows = _wanted_tables(spec, zone_rows, tables)
    old_zones = {zone["zone_id"]: zone for zone in zones}
    old_tables = {table["table_id"]: table for table in tables}
    kept_zones = {row["zone_id"] for row in zone_rows}
    kept_tables = {row["table_id"] for row in table_rows}
    wanted_edges = _wanted_edges(spec, zone_rows, table_rows)
    label = {table["table_id"]: table["label"] for table in tables}
    old_edges = {
        (e["zone_id"], e["table_a"], e["table_b"]): _edge_row(
            (e["zone_id"], e["table_a"], e["table_b"]), label[e["table_a"]], label[e["table_b"]]
        )
        for e in edges
    }
    return FloorChanges(
        zones_created=[z for z in zone_rows if z["zone_id"] not in old_zones],
        zones_updated=[
            z
            for z in zone_rows
            if z["zone_id"] in old_zones and _differs(old_zones[z["zone_id"]], z)
        ],
        zones_deleted=[z for z in zones if z["zone_id"] not in kept_zones],
        tables_created=[t for t in table_rows if t["table_id"] not in old_tables],
        tables_updated=[
            t
            for t in table_rows
            if t["table_id"] in old_tables and _differs(old_tables[t["table_id"]], t)
        ],
        tables_deleted=[t for t in tables if t["table_id"] not in kept_tables],
        edges_added=[row for key, row in wanted_edges.items() if key not in old_edges],
        edges_removed=[row for key, row in old_edges.items() if key not in wanted_edges],
    )
