"""Ops: assign or move a booking's tables directly, unassign one or all."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from maitred.api.auth import DB, Caller, Defaults, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import AssignBody, Booking
from maitred.services import assignments

router = APIRouter(prefix=PREFIX, tags=["ops"], responses=ERRORS)


@router.put("/bookings/{bid}/tables", response_model=Booking)
def assign(
    bid: UUID,
    body: AssignBody,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.ASSIGN))],
) -> dict[str, Any]:
    """Assign (or move) a booking to these tables. A manager or owner may override a soft
    rule with `override_reason`, which is recorded; nobody overrides a taken table."""
    return assignments.assign_tables(
        db,
        caller.restaurant_id,
        bid,
        [str(t) for t in body.table_ids],
        caller.actor,
        defaults,
        override_reason=body.override_reason,
        context_version=body.context_version,
    )


@router.delete("/bookings/{bid}/tables", response_model=Booking)
def unassign_all(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.ASSIGN))],
) -> dict[str, Any]:
    return assignments.unassign_tables(db, caller.restaurant_id, bid, defaults)


@router.delete("/bookings/{bid}/tables/{tid}", response_model=Booking)
def unassign_one(
    bid: UUID,
    tid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.ASSIGN))],
) -> dict[str, Any]:
    return assignments.unassign_tables(db, caller.restaurant_id, bid, defaults, tid)
