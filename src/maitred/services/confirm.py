"""Confirm a hold, exactly once per idempotency key.

One transaction: claim the key (a transaction-scoped advisory lock: a second request with the
same key while the first runs gets IDEMPOTENCY_KEY_IN_USE), replay a stored response if there is
one, otherwise check the hold and turn its rows into assignments by an UPDATE in place, and store
the response — success or a definite refusal — under the key before committing. Replays return
the same body, also after the hold is gone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from maitred.db.database import Connection, Database, savepoint
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import holds as hold_rows
from maitred.db.repositories import idempotency, outbox
from maitred.domain import errors
from maitred.domain.actors import Actor
from maitred.domain.holds import decision_fingerprint, drift
from maitred.services.floor import Floor, read_floor
from maitred.services.holds import ASSIGNABLE, require_context
from maitred.services.retry import retry_transient
from maitred.services.views import View, booking_view, tables_view

# Definite answers: stored under the key and replayed. Anything else (a transient conflict, the
# database unavailable) stores nothing, so the same key may simply be tried again.
STORED_REFUSALS = (
    errors.HoldNotFound,
    errors.HoldExpired,
    errors.HoldBookingMismatch,
    errors.PolicyDrift,
    errors.StaleContext,
    errors.BookingNotAssignable,
)


def request_fingerprint(hold_id: UUID, booking_id: UUID | None, context_version: int | None) -> str:
    body = {
        "hold_id": str(hold_id),
        "booking_id": booking_id and str(booking_id),
        "context_version": context_version,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _replay(record: dict[str, Any], fingerprint: str) -> View:
    if record["request_fingerprint"] != fingerprint:
        raise errors.IdempotencyKeyReused()
    body: dict[str, Any] = record["response_body"]
    if record["outcome"] == "ok":
        return body
    raise errors.error_class(record["outcome"])(body["error"], **body["details"])


def _held_tables(conn: Connection, floor: Floor, hold: dict[str, Any]) -> list[str]:
    rows = allocation_rows.of_hold(conn, floor.restaurant_id, hold["hold_id"])
    return sorted(str(row["table_id"]) for row in rows)


@dataclass(frozen=True, slots=True)
class ConfirmRequest:
    """What a confirm asks; `owner`, when set, is the only actor whose bookings it may touch."""

    hold_id: UUID
    booking_id: UUID | None = None
    context_version: int | None = None
    owner: str | None = None

    def fingerprint(self) -> str:
        return request_fingerprint(self.hold_id, self.booking_id, self.context_version)


def _check_hold(
    conn: Connection, floor: Floor, request: ConfirmRequest
) -> tuple[dict[str, Any], list[str]]:
    rid, hold_id = floor.restaurant_id, request.hold_id
    hold = hold_rows.get(conn, rid, hold_id, lock=True)
    booking = None if hold is None else booking_rows.get(conn, rid, hold["booking_id"], lock=True)
    if (
        hold is None
        or booking is None
        or (request.owner is not None and booking["created_by"] != request.owner)
    ):
        raise errors.HoldNotFound(hold_id=str(hold_id))
    if request.booking_id is not None and hold["booking_id"] != request.booking_id:
        raise errors.HoldBookingMismatch(hold_id=str(hold_id))
    if hold["expired"]:
        raise errors.HoldExpired(hold_id=str(hold_id), expired_at=hold["expires_at"].isoformat())
    if booking["status"] not in ASSIGNABLE or booking["table_ids"]:
        raise errors.BookingNotAssignable(status=booking["status"])
    require_context(conn, rid, booking, request.context_version)
    tables = _held_tables(conn, floor, hold)
    now = decision_fingerprint(
        floor.venue, tables, booking["party_size"], range_window(booking["time_window"])
    )
    changed = drift(hold["fingerprint"], now, floor.venue)
    if changed:
        raise errors.PolicyDrift(**changed)
    return booking, tables


def _confirm(conn: Connection, floor: Floor, request: ConfirmRequest) -> View:
    rid, hold_id = floor.restaurant_id, request.hold_id
    booking, tables = _check_hold(conn, floor, request)
    allocation_rows.hold_to_assignment(conn, rid, hold_id, booking["service_date"])
    hold_rows.delete(conn, rid, hold_id)
    booking_rows.update(conn, rid, booking["booking_id"], status="confirmed")
    confirmed = booking_rows.get(conn, rid, booking["booking_id"])
    assert confirmed is not None
    body = {
        "hold_id": str(hold_id),
        "booking": booking_view(confirmed, floor.venue),
        "tables": tables_view(floor.venue, tables),
    }
    outbox.add(
        conn, rid, booking["booking_id"], "hold.confirmed", f"hold.confirmed:{hold_id}", body
    )
    return body


@retry_transient
def confirm_hold(
    db: Database,
    restaurant_id: UUID,
    hold_id: UUID,
    idempotency_key: str,
    actor: Actor,
    defaults: dict[str, Any],
    *,
    booking_id: UUID | None = None,
    context_version: int | None = None,
    own_bookings_only: bool = False,
) -> View:
    """Confirm a hold: `{hold_id, booking, tables}`; the same for every replay of the key.

    With `own_bookings_only`, a hold on a booking the actor did not create is not found.
    """
    if not idempotency_key:
        raise errors.IdempotencyKeyMissing()
    request = ConfirmRequest(
        hold_id, booking_id, context_version, actor.id if own_bookings_only else None
    )
    fingerprint = request.fingerprint()
    refusal: errors.MaitredError | None = None
    with db.tenant(restaurant_id) as conn:
        if not idempotency.try_lock(conn, restaurant_id, idempotency_key):
            raise errors.IdempotencyKeyInUse()
        record = idempotency.get(conn, restaurant_id, idempotency_key)
        if record is not None:
            return _replay(record, fingerprint)
        floor = read_floor(conn, restaurant_id, defaults)
        try:
            with savepoint(conn):
                body = _confirm(conn, floor, request)
            outcome = "ok"
        except STORED_REFUSALS as exc:
            refusal, outcome, body = exc, exc.code, exc.to_body()
        idempotency.save(conn, restaurant_id, idempotency_key, fingerprint, outcome, body)
    if refusal is not None:
        raise refusal
    return body
