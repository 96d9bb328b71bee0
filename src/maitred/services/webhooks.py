"""Webhook subscriptions, and what became of a restaurant's events: list, redeliver."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.db.repositories import webhooks as repo
from maitred.domain.errors import InvalidRequest, NotFound
from maitred.services.venues import require_restaurant
from maitred.services.views import View

EVENT_TYPES = frozenset(
    {
        "booking.created",
        "booking.changed",
        "booking.cancelled",
        "hold.created",
        "hold.extended",
        "hold.released",
        "hold.expired",
        "hold.confirmed",
        "assignment.changed",
        "block.created",
        "block.deleted",
        "day.auto_assigned",
        "venue.changed",
    }
)
STATUSES = ("pending", "delivered", "dead")


def _subscription_view(row: dict[str, Any]) -> View:
    return {
        "id": str(row["subscription_id"]),
        "url": row["url"],
        "event_types": list(row["event_types"]),
        "active": row["active"],
        "created_at": row["created_at"].isoformat(),
    }


def create_subscription(
    db: Database,
    restaurant_id: UUID,
    url: str,
    event_types: list[str],
    secret: str | None = None,
) -> View:
    """A new subscription; its signing secret is in the answer this once."""
    unknown = sorted(set(event_types) - EVENT_TYPES)
    if unknown:
        raise InvalidRequest(
            f"Unknown event types: {', '.join(unknown)}.",
            unknown=unknown,
            known=sorted(EVENT_TYPES),
        )
    secret = secret or "whsec_" + secrets.token_urlsafe(32)
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        row = repo.insert_subscription(conn, restaurant_id, url, secret, sorted(set(event_types)))
    return {**_subscription_view(row), "secret": secret}


def list_subscriptions(db: Database, restaurant_id: UUID) -> list[View]:
    with db.tenant(restaurant_id) as conn:
        return [_subscription_view(row) for row in repo.list_subscriptions(conn, restaurant_id)]


def delete_subscription(db: Database, restaurant_id: UUID, subscription_id: UUID) -> None:
    with db.tenant(restaurant_id) as conn:
        if not repo.delete_subscription(conn, restaurant_id, subscription_id):
            raise NotFound("No such subscription.")


def _event_view(row: dict[str, Any]) -> View:
    return {
        "id": str(row["event_id"]),
        "type": row["event_type"],
        "aggregate_id": str(row["aggregate_id"]),
        "status": row["status"],
        "attempts": row["attempts"],
        "failed_attempts": row["failed_attempts"],
        "last_error": row["last_error"],
        "created_at": row["created_at"].isoformat(),
        "next_attempt_at": row["next_attempt_at"].isoformat(),
        "delivered_at": row["delivered_at"].isoformat() if row["delivered_at"] else None,
    }


def list_events(
    db: Database, restaurant_id: UUID, status: str | None = None, limit: int = 100
) -> list[View]:
    """The restaurant's events, newest first, with their delivery status."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest("Unknown status.", status=status, known=list(STATUSES))
    with db.tenant(restaurant_id) as conn:
        return [_event_view(r) for r in repo.list_events(conn, restaurant_id, status, limit)]


def redeliver(db: Database, restaurant_id: UUID, event_id: UUID) -> None:
    """Send an event again (a dead one, or one delivered to an endpoint that lost it)."""
    with db.tenant(restaurant_id) as conn:
        if not repo.redeliver(conn, restaurant_id, event_id):
            raise NotFound("No such event.")
