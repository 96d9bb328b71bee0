"""Holds: quote-and-hold, manual holds, extend, release.

A hold is one `holds` row and one `allocations` row per table (kind `hold`), so the exclusion
constraint guards it like any assignment. Expired holds on the wanted tables are deleted in the
same transaction before the insert: an expired hold never blocks anyone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from maitred.db.database import Connection, Database, savepoint
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import holds as hold_rows
from maitred.db.repositories import outbox
from maitred.domain.actors import Actor
from maitred.domain.errors import (
    BookingNotAssignable,
    HoldAlreadyExtended,
    HoldExpired,
    HoldNotFound,
    NotFound,
    RateLimited,
    StaleContext,
    TableConflict,
)
from maitred.domain.holds import decision_fingerprint
from maitred.domain.policy import Policy
from maitred.planning.quote import quote
from maitred.planning.request import QuoteRequest
from maitred.planning.selection import SlackRule, check_selection
from maitred.services.floor import Floor, read_floor, read_live_day
from maitred.services.retry import retry_transient
from maitred.services.selection import described_conflicts, selection_error
from maitred.services.views import View, hold_view, plan_view

Row = dict[str, Any]

ASSIGNABLE = ("pending", "confirmed")


def hold_ttl(policy: Policy, requested: int | None) -> int:
    """The hold length: asked for or the policy's default, clamped to the policy's bounds."""
    ttl = policy.hold_ttl_seconds if requested is None else requested
    return max(policy.hold_ttl_min_seconds, min(policy.hold_ttl_max_seconds, ttl))


def assignable_booking(conn: Connection, restaurant_id: UUID, booking_id: UUID) -> Row:
    """The booking, locked, when it may be given tables by a hold."""
    row = booking_rows.get(conn, restaurant_id, booking_id, lock=True)
    if row is None:
        raise NotFound("No such booking.")
    if row["status"] not in ASSIGNABLE:
        raise BookingNotAssignable(
            f"A {row['status']} booking cannot be held.", status=row["status"]
        )
    if row["table_ids"]:
        raise BookingNotAssignable(
            "The booking already has tables; move it instead.", status=row["status"]
        )
    return row


def _retry_after(seconds: Any) -> int:
    return max(1, math.ceil(float(seconds or 1)))


def check_booking_rate(
    conn: Connection, restaurant_id: UUID, actor: Actor, row: Row, policy: Policy
) -> None:
    """Holds by this actor for this booking within the sliding window.

    Exact without a lock of its own: the caller holds the booking's row lock, so two holds for
    one booking are counted one after the other.
    """
    limits = policy.hold_rate_limit
    recent = hold_rows.recent_for_booking(
        conn, restaurant_id, actor.id, row["booking_id"], limits.window_seconds
    )
    if recent["n"] >= limits.per_booking:
        raise RateLimited(
            f"At most {limits.per_booking} holds per booking in {limits.window_seconds} s.",
            retry_after_seconds=_retry_after(recent["frees_in"]),
            limit="per_booking",
        )


def check_live_holds(
    conn: Connection, restaurant_id: UUID, actor: Actor, row: Row, policy: Policy
) -> None:
    """The actor's live holds against its cap (the booking's own hold is about to be replaced).

    Taken just before the hold is written: the actor's advisory lock then lasts only for the
    insert and the commit, so one busy key (a booking widget) does not queue its planning.
    """
    limits = policy.hold_rate_limit
    hold_rows.relax_durability(conn)
    hold_rows.lock_actor(conn, restaurant_id, actor.id)
    # Only a live hold of the booking is among `live`: an expired one not yet swept frees no room.
    held = hold_rows.of_booking(conn, restaurant_id, row["booking_id"])
    own = sum(1 for hold in held if not hold["expired"])
    live = hold_rows.live_of_actor(conn, restaurant_id, actor.id)
    if live["n"] - own >= limits.max_live_holds:
        raise RateLimited(
            f"At most {limits.max_live_holds} live holds at once.",
            retry_after_seconds=_retry_after(live["frees_in"]),
            limit="max_live_holds",
        )


def place_hold(
    conn: Connection, floor: Floor, row: Row, table_ids: Sequence[str], actor: Actor, ttl: int
) -> View:
    """Hold these tables for the booking, replacing its previous hold, inside a savepoint:
    a lost race (TableConflict) undoes only this attempt."""
    rid, booking_id = floor.restaurant_id, row["booking_id"]
    window = range_window(row["time_window"])
    tables = [UUID(table_id) for table_id in table_ids]
    fingerprint = decision_fingerprint(floor.venue, table_ids, row["party_size"], window)
    # The day's write lock before the first row is touched: see `allocations.lock_days`.
    allocation_rows.lock_days(conn, rid, [row["service_date"]])
    with savepoint(conn):
        allocation_rows.delete_expired_holds_on(conn, rid, tables, window)
        replaced = hold_rows.delete_of_booking(conn, rid, booking_id)
        hold = hold_rows.insert(
            conn, rid, booking_id, actor.id, ttl, row["party_size"], window, fingerprint
        )
        allocation_rows.insert(
            conn,
            rid,
            [
                {
                    "table_id": table_id,
                    "kind": "hold",
                    "time_window": window,
                    "group_id": hold["hold_id"],
                    "booking_id": booking_id,
                    "hold_id": hold["hold_id"],
                    "expires_at": hold["expires_at"],
                    "service_date": row["service_date"],
                    "created_by": actor.id,
                }
                for table_id in tables
            ],
        )
        hold_rows.log(conn, rid, actor.id, booking_id)
        view = hold_view(hold, floor.venue, tables)
        for old in replaced:
            _event(
                conn,
                rid,
                old,
                "hold.released",
                {"hold_id": str(old), "replaced": True, "booking_id": str(booking_id)},
            )
        _event(conn, rid, hold["hold_id"], "hold.created", view)
    return view


def _event(conn: Connection, rid: UUID, hold_id: UUID, event_type: str, payload: View) -> None:
    outbox.add(conn, rid, hold_id, event_type, f"{event_type}:{hold_id}", payload)


def _quote_request(row: Row, zone_preference: str | None, avoid: Iterable[str]) -> QuoteRequest:
    return QuoteRequest(
        party_size=row["party_size"],
        local_date=row["local_date"],
        local_time=row["local_time"],
        zone_preference=zone_preference,
        avoid=frozenset(avoid),
        booking_id=str(row["booking_id"]),
        duration_minutes=row["duration_minutes"],
    )


def quote_and_hold(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    actor: Actor,
    defaults: dict[str, Any],
    *,
    zone_preference: str | None = None,
    avoid: Iterable[str] = (),
    ttl_seconds: int | None = None,
    top: int = 5,
) -> View:
    """Plan the booking on the live floor and hold the best plan (the next, if it loses a race).

    Returns `{hold, plans, alternative_times, reason}`: when nothing fits, `hold` is None,
    `reason` a stable code and `alternative_times` the nearest local start times that fit.
    """
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = assignable_booking(conn, restaurant_id, booking_id)
        check_booking_rate(conn, restaurant_id, actor, row, floor.venue.policy)
        window = range_window(row["time_window"])
        live = read_live_day(conn, floor, window, ignore_booking=booking_id)
        result = quote(
            floor.index,
            live.occupancy,
            _quote_request(row, zone_preference, avoid),
            live.day,
            top=top,
        )
        ttl = hold_ttl(floor.venue.policy, ttl_seconds)
        if result.plans:
            check_live_holds(conn, restaurant_id, actor, row, floor.venue.policy)
        hold, lost = None, 0
        for plan in result.plans:
            try:
                hold = place_hold(conn, floor, row, plan.table_ids, actor, ttl)
                break
            except TableConflict:
                lost += 1
        reason = result.reason.value if result.reason else None
        if hold is None and result.plans:
            reason = "ALL_FITTING_TABLES_BUSY"
        return {
            "hold": hold,
            "plans": [plan_view(plan) for plan in result.plans],
            "alternative_times": [t.strftime("%H:%M") for t in result.alternative_times],
            "reason": reason,
            "message": result.message,
            "races_lost": lost,
        }


@retry_transient
def hold_tables(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    table_ids: Sequence[str],
    actor: Actor,
    defaults: dict[str, Any],
    *,
    ttl_seconds: int | None = None,
    context_version: int | None = None,
) -> View:
    """A manual hold on chosen tables: every rule is checked first, all failures reported."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = assignable_booking(conn, restaurant_id, booking_id)
        require_context(conn, restaurant_id, row, context_version)
        check_booking_rate(conn, restaurant_id, actor, row, floor.venue.policy)
        window = range_window(row["time_window"])
        live = read_live_day(conn, floor, window, ignore_booking=booking_id)
        result = check_selection(
            floor.index, live.occupancy, row["party_size"], window, table_ids, SlackRule.SELECTION
        )
        if not result.ok:
            raise selection_error(result, floor, live, row)
        ttl = hold_ttl(floor.venue.policy, ttl_seconds)
        check_live_holds(conn, restaurant_id, actor, row, floor.venue.policy)
        with described_conflicts(conn, floor, row, table_ids):
            return place_hold(conn, floor, row, sorted(set(table_ids)), actor, ttl)


def require_context(conn: Connection, restaurant_id: UUID, row: Row, expected: int | None) -> int:
    """The day's context version; STALE_CONTEXT when the caller saw an older one."""
    current = allocation_rows.context_version(conn, restaurant_id, row["service_date"])
    if expected is not None and expected != current:
        raise StaleContext(expected=expected, current=current)
    return current


def _live_hold(conn: Connection, restaurant_id: UUID, hold_id: UUID) -> Row:
    hold = hold_rows.get(conn, restaurant_id, hold_id, lock=True)
    if hold is None:
        raise HoldNotFound(hold_id=str(hold_id))
    if hold["expired"]:
        raise HoldExpired(hold_id=str(hold_id))
    return hold


def extend_hold(
    db: Database,
    restaurant_id: UUID,
    hold_id: UUID,
    defaults: dict[str, Any],
    seconds: int | None = None,
) -> View:
    """Extend a live hold once, by up to `seconds` from now (the policy's default TTL when not
    given); it never lasts past the policy's maximum counted from its creation."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        hold = _live_hold(conn, restaurant_id, hold_id)
        if hold["extended"]:
            raise HoldAlreadyExtended(hold_id=str(hold_id))
        policy = floor.venue.policy
        updated = hold_rows.extend(
            conn, restaurant_id, hold_id, hold_ttl(policy, seconds), policy.hold_ttl_max_seconds
        )
        tables = [a["table_id"] for a in allocation_rows.of_hold(conn, restaurant_id, hold_id)]
        view = hold_view(updated, floor.venue, tables)
        _event(conn, restaurant_id, hold_id, "hold.extended", view)
        return view


def release_hold(db: Database, restaurant_id: UUID, hold_id: UUID) -> None:
    """Release a hold (live or expired): its tables are free at once."""
    with db.tenant(restaurant_id) as conn:
        hold = hold_rows.get(conn, restaurant_id, hold_id, lock=True)
        if hold is None:
            raise HoldNotFound(hold_id=str(hold_id))
        hold_rows.delete(conn, restaurant_id, hold_id)
        _event(
            conn,
            restaurant_id,
            hold_id,
            "hold.released",
            {"hold_id": str(hold_id), "booking_id": str(hold["booking_id"])},
        )


def booking_holds(conn: Connection, floor: Floor, booking_id: UUID) -> list[View]:
    """The booking's live holds, as views."""
    views = []
    for hold in hold_rows.of_booking(conn, floor.restaurant_id, booking_id):
        if not hold["expired"]:
            tables = allocation_rows.of_hold(conn, floor.restaurant_id, hold["hold_id"])
            views.append(hold_view(hold, floor.venue, [a["table_id"] for a in tables]))
    return views
