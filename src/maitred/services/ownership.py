"""Whose booking is it: the online role acts only on the bookings its own key created."""

from __future__ import annotations

from uuid import UUID

from maitred.db.database import Database
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import holds as hold_rows
from maitred.domain.actors import Actor
from maitred.domain.errors import HoldNotFound, NotFound


def require_own_booking(db: Database, restaurant_id: UUID, booking_id: UUID, actor: Actor) -> None:
    """NotFound unless the actor created the booking (the same answer as for a random id)."""
    with db.tenant(restaurant_id) as conn:
        row = booking_rows.get(conn, restaurant_id, booking_id)
    if row is None or row["created_by"] != actor.id:
        raise NotFound("No such booking.")


def require_own_hold(db: Database, restaurant_id: UUID, hold_id: UUID, actor: Actor) -> None:
    """HoldNotFound unless the hold is on a booking the actor created."""
    with db.tenant(restaurant_id) as conn:
        hold = hold_rows.get(conn, restaurant_id, hold_id)
        row = None if hold is None else booking_rows.get(conn, restaurant_id, hold["booking_id"])
    if row is None or row["created_by"] != actor.id:
        raise HoldNotFound(hold_id=str(hold_id))
