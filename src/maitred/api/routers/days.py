"""The service day: the timeline, auto-assign, blocks, and availability for widgets."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maitred.api.auth import DB, Caller, Defaults, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import (
    AutoAssignBody,
    AutoAssignReport,
    Availability,
    Block,
    BlockCreate,
    LocalDate,
    Timeline,
)
from maitred.services import blocks, service_day
from maitred.services.availability import availability as available_times

router = APIRouter(prefix=PREFIX, tags=["service day"], responses=ERRORS)


@router.get("/days/{date}", response_model=Timeline)
def timeline(
    date: LocalDate,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.DAY_READ))],
    service: Annotated[str | None, Query(max_length=60, description="One service only.")] = None,
) -> dict[str, Any]:
    """Tables by zone against time: bookings, holds (with their countdown) and blocks, and the
    day's bookings still waiting for a table."""
    return service_day.day_timeline(db, caller.restaurant_id, date, defaults, service)


@router.post("/days/{date}/auto-assign", response_model=AutoAssignReport)
def auto_assign(
    date: LocalDate,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.DAY_ASSIGN))],
    body: AutoAssignBody | None = None,
) -> dict[str, Any]:
    """Seat every booking of the day that has no table (`dry_run` to preview)."""
    body = body or AutoAssignBody()
    return service_day.auto_assign_day(
        db,
        caller.restaurant_id,
        date,
        caller.actor,
        defaults,
        strategy=body.strategy,
        dry_run=body.dry_run,
        time_limit_seconds=body.time_limit_seconds,
        reoptimise=body.reoptimise,
        what_if_tolerance_minutes=body.what_if_tolerance_minutes,
    )


@router.get("/availability", response_model=Availability)
def availability(
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.AVAILABILITY))],
    date: Annotated[LocalDate, Query(description="The local date.")],
    party_size: Annotated[int, Query(ge=1, le=500)],
) -> dict[str, Any]:
    """The start times of that date that have a table for the party right now."""
    return available_times(db, caller.restaurant_id, date, party_size, defaults)


@router.get("/blocks", response_model=list[Block])
def list_blocks(
    db: DB,
    caller: Annotated[Caller, Depends(allow(Permission.BLOCKS))],
    date: Annotated[LocalDate, Query(description="The service day.")],
) -> list[dict[str, Any]]:
    return blocks.list_blocks(db, caller.restaurant_id, date)


@router.post("/blocks", status_code=status.HTTP_201_CREATED, response_model=Block)
def create_block(
    body: BlockCreate,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BLOCKS))],
) -> dict[str, Any]:
    """Take tables out of service for a while (refused where anything is already there)."""
    return blocks.create_block(
        db,
        caller.restaurant_id,
        [str(t) for t in body.table_ids],
        body.date,
        body.start,
        body.end,
        body.reason,
        caller.actor,
        defaults,
    )


@router.delete("/blocks/{block_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_block(
    block_id: UUID, db: DB, caller: Annotated[Caller, Depends(allow(Permission.BLOCKS))]
) -> Response:
    blocks.delete_block(db, caller.restaurant_id, block_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
