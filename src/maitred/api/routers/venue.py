"""Venue setup: zones, tables, adjacency, policy and the floor plan (import and export)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from maitred.api.auth import DB, Caller, Defaults, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import (
    ChangedTable,
    DiningTable,
    Edge,
    EdgeBody,
    PolicyOut,
    PolicyVersion,
    TableCreate,
    TableUpdate,
    Zone,
    ZoneCreate,
    ZoneUpdate,
)
from maitred.formats.floorplan import dump_floorplan, floorplan_document, parse_floorplan
from maitred.services import venue_setup, venues

router = APIRouter(prefix=PREFIX, tags=["venue"], responses=ERRORS)

Reader = Annotated[Caller, Depends(allow(Permission.VENUE_READ))]
Writer = Annotated[Caller, Depends(allow(Permission.VENUE_WRITE))]
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.get("/zones", response_model=list[Zone])
def list_zones(db: DB, caller: Reader) -> list[dict[str, Any]]:
    return venue_setup.list_zones(db, caller.restaurant_id)


@router.post("/zones", status_code=status.HTTP_201_CREATED, response_model=Zone)
def create_zone(body: ZoneCreate, db: DB, caller: Writer) -> dict[str, Any]:
    return venue_setup.create_zone(db, caller.restaurant_id, name=body.name, position=body.position)


@router.patch("/zones/{zid}", response_model=Zone)
def update_zone(zid: UUID, body: ZoneUpdate, db: DB, caller: Writer) -> dict[str, Any]:
    return venue_setup.update_zone(
        db, caller.restaurant_id, zid, name=body.name, position=body.position
    )


@router.delete("/zones/{zid}", status_code=NO_CONTENT)
def delete_zone(zid: UUID, db: DB, caller: Writer) -> Response:
    """Delete an empty zone (409 ZONE_NOT_EMPTY while it has tables)."""
    venue_setup.delete_zone(db, caller.restaurant_id, zid)
    return Response(status_code=NO_CONTENT)


@router.get("/tables", response_model=list[DiningTable])
def list_tables(db: DB, caller: Reader) -> list[dict[str, Any]]:
    return venue_setup.list_tables(db, caller.restaurant_id)


@router.post("/tables", status_code=status.HTTP_201_CREATED, response_model=DiningTable)
def create_table(body: TableCreate, db: DB, caller: Writer) -> dict[str, Any]:
    fields = body.model_dump()
    return venue_setup.create_table(db, caller.restaurant_id, **fields)


@router.get("/tables/{tid}", response_model=DiningTable)
def get_table(tid: UUID, db: DB, caller: Reader) -> dict[str, Any]:
    return venue_setup.get_table(db, caller.restaurant_id, tid)


@router.patch("/tables/{tid}", response_model=ChangedTable)
def update_table(tid: UUID, body: TableUpdate, db: DB, caller: Writer) -> dict[str, Any]:
    """Change a table; moving it to another zone removes its edges (listed in the answer)."""
    return venue_setup.update_table(
        db, caller.restaurant_id, tid, body.model_dump(exclude_unset=True)
    )


@router.delete("/tables/{tid}", status_code=NO_CONTENT)
def delete_table(tid: UUID, db: DB, caller: Writer) -> Response:
    """Delete a table that has no allocations (409 TABLE_IN_USE otherwise: deactivate it)."""
    venue_setup.delete_table(db, caller.restaurant_id, tid)
    return Response(status_code=NO_CONTENT)


@router.get("/adjacency", response_model=list[Edge])
def list_edges(db: DB, caller: Reader) -> list[dict[str, Any]]:
    return venue_setup.list_edges(db, caller.restaurant_id)


@router.post("/adjacency", status_code=status.HTTP_201_CREATED, response_model=Edge)
def add_edge(body: EdgeBody, db: DB, caller: Writer) -> dict[str, Any]:
    """Two tables of one zone that may be pushed together (order does not matter)."""
    return venue_setup.add_edge(db, caller.restaurant_id, body.table_a, body.table_b)


@router.delete("/adjacency/{tid}/{other_tid}", status_code=NO_CONTENT)
def remove_edge(tid: UUID, other_tid: UUID, db: DB, caller: Writer) -> Response:
    venue_setup.remove_edge(db, caller.restaurant_id, tid, other_tid)
    return Response(status_code=NO_CONTENT)


@router.get("/policy", response_model=PolicyOut)
def get_policy(db: DB, defaults: Defaults, caller: Reader) -> dict[str, Any]:
    """The restaurant's own policy document and the effective policy after the defaults."""
    return venue_setup.get_policy(db, caller.restaurant_id, defaults)


@router.put("/policy", response_model=PolicyOut)
def replace_policy(
    db: DB,
    defaults: Defaults,
    caller: Writer,
    document: Annotated[dict[str, Any], Body(description="The policy document (DESIGN §8).")],
) -> dict[str, Any]:
    """Replace the policy: validated whole (every problem listed), stored as a new version."""
    return venue_setup.replace_policy(db, caller.restaurant_id, document, defaults)


@router.get("/policy/versions", response_model=list[PolicyVersion])
def policy_versions(db: DB, caller: Reader) -> list[dict[str, Any]]:
    return venue_setup.policy_versions(db, caller.restaurant_id)


@router.get(
    "/floorplan",
    response_model=dict[str, Any],
    responses={200: {"content": {"application/yaml": {}}}},
)
def export_floorplan(
    db: DB,
    caller: Reader,
    fmt: Annotated[Literal["json", "yaml"], Query(alias="format")] = "json",
) -> Any:
    """The floor plan in the import format; `?format=yaml` for YAML."""
    spec = venues.export_floorplan(db, caller.restaurant_id)
    if fmt == "yaml":
        return Response(dump_floorplan(spec, "yaml"), media_type="application/yaml")
    return floorplan_document(spec)


@router.put(
    "/floorplan",
    response_model=dict[str, Any],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_floorplan(
    request: Request, db: DB, defaults: Defaults, caller: Writer
) -> dict[str, Any]:
    """Replace the whole floor plan (JSON or YAML): validated whole, every problem reported
    with its line and path, then written in one transaction or not at all."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    text = raw if "yaml" in request.headers.get("content-type", "") else _json_text(raw)
    floor = parse_floorplan(text, defaults)
    result: dict[str, Any] = await run_in_threadpool(
        venue_setup.replace_floorplan, db, caller.restaurant_id, floor
    )
    return result


def _json_text(raw: str) -> str:
    """JSON as sent, pretty-printed so that problems get useful line numbers."""
    try:
        return json.dumps(json.loads(raw), indent=2)
    except json.JSONDecodeError:
        return raw
