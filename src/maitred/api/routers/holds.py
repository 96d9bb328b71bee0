"""Quote-and-hold, manual holds (context, validate, hold, extend, release) and confirm."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response, status

from maitred.api import metrics
from maitred.api.auth import DB, Caller, Defaults, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import (
    Confirmation,
    ConfirmBody,
    Context,
    ExtendBody,
    Hold,
    HoldBody,
    Quote,
    QuoteBody,
    TableIds,
    Validation,
)
from maitred.domain.errors import IdempotencyKeyMissing
from maitred.services import assignments, holds
from maitred.services.confirm import confirm_hold

router = APIRouter(prefix=PREFIX, tags=["holds"], responses=ERRORS)


@router.post("/bookings/{bid}/quote", response_model=Quote)
def quote(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.QUOTE))],
    body: QuoteBody | None = None,
) -> dict[str, Any]:
    """Plan the booking and hold the best plan. When nothing fits, `hold` is null, `reason`
    says why and `alternative_times` lists the nearest local start times that fit."""
    caller.check_booking(db, bid)
    body = body or QuoteBody()
    result = holds.quote_and_hold(
        db,
        caller.restaurant_id,
        bid,
        caller.actor,
        defaults,
        zone_preference=str(body.zone_preference) if body.zone_preference else None,
        avoid=[str(t) for t in body.avoid_table_ids],
        ttl_seconds=body.ttl_seconds,
    )
    if result["hold"] is not None:
        metrics.HOLDS.labels(event="created").inc()
    return result


@router.get("/bookings/{bid}/context", response_model=Context)
def context(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.MANUAL))],
) -> dict[str, Any]:
    """Every table's state for the booking's window, its holds, the adjacency, and the
    `context_version` to send back when holding or confirming."""
    return assignments.assignment_context(db, caller.restaurant_id, bid, defaults)


@router.post("/bookings/{bid}/validate", response_model=Validation)
def validate(
    bid: UUID,
    body: TableIds,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.MANUAL))],
) -> dict[str, Any]:
    """Every rule the selection breaks, all at once (`ok` when none)."""
    table_ids = [str(t) for t in body.table_ids]
    return assignments.validate_selection(db, caller.restaurant_id, bid, table_ids, defaults)


@router.post("/bookings/{bid}/holds", status_code=status.HTTP_201_CREATED, response_model=Hold)
def hold(
    bid: UUID,
    body: HoldBody,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.HOLD))],
) -> dict[str, Any]:
    """Hold chosen tables for the booking (replacing its previous hold)."""
    caller.check_booking(db, bid)
    view = holds.hold_tables(
        db,
        caller.restaurant_id,
        bid,
        [str(t) for t in body.table_ids],
        caller.actor,
        defaults,
        ttl_seconds=body.ttl_seconds,
        context_version=body.context_version,
    )
    metrics.HOLDS.labels(event="created").inc()
    return view


@router.patch("/holds/{hid}", response_model=Hold)
def extend(
    hid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.HOLD))],
    body: ExtendBody | None = None,
) -> dict[str, Any]:
    """Extend a live hold once, never past the policy's maximum."""
    caller.check_hold(db, hid)
    seconds = body.seconds if body else None
    return holds.extend_hold(db, caller.restaurant_id, hid, defaults, seconds)


@router.delete("/holds/{hid}", status_code=status.HTTP_204_NO_CONTENT)
def release(
    hid: UUID, db: DB, caller: Annotated[Caller, Depends(allow(Permission.HOLD))]
) -> Response:
    """Release a hold; its tables are free at once."""
    caller.check_hold(db, hid)
    holds.release_hold(db, caller.restaurant_id, hid)
    metrics.HOLDS.labels(event="released").inc()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/holds/{hid}/confirm", response_model=Confirmation)
def confirm(
    hid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.CONFIRM))],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Required. The same key and body always get the same answer.",
        ),
    ] = None,
    body: ConfirmBody | None = None,
) -> dict[str, Any]:
    """Confirm a hold exactly once: the held tables become the booking's assignment."""
    if not idempotency_key:
        raise IdempotencyKeyMissing()
    body = body or ConfirmBody()
    result = confirm_hold(
        db,
        caller.restaurant_id,
        hid,
        idempotency_key,
        caller.actor,
        defaults,
        booking_id=body.booking_id,
        context_version=body.context_version,
        own_bookings_only=caller.own_bookings_only,
    )
    metrics.HOLDS.labels(event="confirmed").inc()
    return result
