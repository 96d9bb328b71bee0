"""Bookings: create, read, list a day, change, cancel."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from maitred.api.auth import DB, Caller, Defaults, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import Booking, BookingChange, BookingCreate, LocalDate, TableRef
from maitred.services import booking_changes, bookings

router = APIRouter(prefix=PREFIX, tags=["bookings"], responses=ERRORS)

Status = Literal["pending", "confirmed", "seated", "completed", "cancelled", "no_show"]


@router.post("/bookings", status_code=status.HTTP_201_CREATED, response_model=Booking)
def create_booking(
    body: BookingCreate,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_CREATE))],
) -> dict[str, object]:
    """Create a booking; its window comes from the policy. It has no tables yet."""
    return bookings.create_booking(
        db,
        caller.restaurant_id,
        defaults,
        party_size=body.party_size,
        local_date=body.date,
        local_time=body.time,
        ref=body.ref,
        guest_name=body.guest_name,
        status=body.status,
        duration_minutes=body.duration_minutes,
        created_by=caller.actor.id,
    )


@router.get("/bookings", response_model=list[Booking])
def list_bookings(
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_READ))],
    date: Annotated[LocalDate, Query(description="The service day (local).")],
    status_filter: Annotated[
        list[Status] | None, Query(alias="status", description="Only these statuses.")
    ] = None,
) -> list[dict[str, object]]:
    """A service day's bookings by start time."""
    statuses = [str(s) for s in status_filter] if status_filter else None
    return bookings.list_bookings(db, caller.restaurant_id, date, defaults, statuses)


@router.get("/bookings/{bid}", response_model=Booking)
def get_booking(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_READ))],
) -> dict[str, object]:
    return bookings.get_booking(db, caller.restaurant_id, bid, defaults)


@router.patch("/bookings/{bid}", response_model=Booking)
def change_booking(
    bid: UUID,
    body: BookingChange,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_WRITE))],
) -> dict[str, object]:
    """Change party size and/or time: tables are kept when they still fit, otherwise the
    booking is re-planned; when nothing fits, nothing changes (409 BOOKING_NOT_ASSIGNABLE)."""
    return booking_changes.change_booking(
        db,
        caller.restaurant_id,
        bid,
        caller.actor,
        defaults,
        party_size=body.party_size,
        local_date=body.date,
        local_time=body.time,
    )


@router.post("/bookings/{bid}/cancel", response_model=Booking)
def cancel_booking(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_WRITE))],
) -> dict[str, object]:
    """Cancel a booking; its tables are free at once."""
    return booking_changes.cancel_booking(db, caller.restaurant_id, bid, defaults)


@router.get("/bookings/{bid}/tables", response_model=list[TableRef])
def booking_tables(
    bid: UUID,
    db: DB,
    defaults: Defaults,
    caller: Annotated[Caller, Depends(allow(Permission.BOOKING_READ))],
) -> list[dict[str, object]]:
    """The tables a booking is assigned to."""
    view = bookings.get_booking(db, caller.restaurant_id, bid, defaults)
    tables: list[dict[str, object]] = view["tables"]
    return tables
