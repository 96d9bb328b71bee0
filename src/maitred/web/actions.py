"""What a host does from the screen: check, hold, confirm, release, assign or move, unassign,
create a booking, auto-assign the day.

Each action calls the same use case as the API and answers with the open booking's panel and
the day's board, refreshed. A refusal is shown in words inside the panel; STALE_CONTEXT instead
raises the page's "This changed — refresh" banner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as Date
from datetime import time as Time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from maitred.api.errors import status_of
from maitred.api.permissions import Permission
from maitred.db.database import Database
from maitred.domain.errors import InvalidRequest, MaitredError, StaleContext
from maitred.services import assignments, bookings, holds, service_day
from maitred.services.confirm import confirm_hold
from maitred.web.rendering import problem, render
from maitred.web.routing import OpsRoute
from maitred.web.screen import Day, read_day, selection
from maitred.web.session import DB, Defaults, HostSession, Posting

router = APIRouter(route_class=OpsRoute, include_in_schema=False)

DateField = Annotated[Date, Form()]
ServiceField = Annotated[str, Form(max_length=60)]
TablesField = Annotated[list[str], Form()]
VersionField = Annotated[int | None, Form(ge=0)]

STALE_HEADERS = {"HX-Trigger": "staleContext", "HX-Reswap": "none"}


def stale() -> Response:
    """The banner, not an error: the page shows "This changed — refresh"."""
    return Response(status_code=409, headers=STALE_HEADERS)


def panel(
    request: Request,
    db: Database,
    session: HostSession,
    defaults: dict[str, Any],
    day: Day,
    booking_id: UUID,
    *,
    picked: list[str] | None = None,
    outcome: str | None = None,
    error: MaitredError | None = None,
    status: int | None = None,
) -> Response:
    """The booking's panel with an outcome or a refusal in words, and the board beside it."""
    shown = read_day(db, session, defaults, day)
    server_time = shown["timeline"]["server_time"]
    context = {
        **shown,
        "selection": selection(db, session, defaults, booking_id, server_time, picked),
        "oob": True,
        "outcome": outcome,
        "error": problem(error) if error else None,
    }
    if status is None:
        status = status_of(error.code) if error else 200
    return render(request, "_selection.html", context, status_code=status)


def act(
    request: Request,
    db: Database,
    session: HostSession,
    defaults: dict[str, Any],
    day: Day,
    booking_id: UUID,
    picked: list[str] | None,
    action: Callable[[], str],
) -> Response:
    """Run an action; answer with the panel showing what happened."""
    try:
        outcome = action()
    except StaleContext:
        return stale()
    except MaitredError as exc:
        return panel(request, db, session, defaults, day, booking_id, picked=picked, error=exc)
    return panel(request, db, session, defaults, day, booking_id, outcome=outcome)


def _labels(tables: list[dict[str, Any]]) -> str:
    return "+".join(t["label"] for t in tables)


@router.post("/bookings/{bid}/validate")
def validate(
    request: Request,
    bid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    service: ServiceField = "",
    table_id: TablesField = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Every rule the selection breaks, in words."""
    session.require(Permission.MANUAL)
    day = Day(date, service or None)
    if not table_id:
        error: MaitredError = InvalidRequest("Pick at least one table.")
        return panel(request, db, session, defaults, day, bid, picked=table_id, error=error)
    result = assignments.validate_selection(db, session.restaurant_id, bid, table_id, defaults)
    if result["ok"]:
        outcome = "Every check passes: these tables can seat the party."
        return panel(request, db, session, defaults, day, bid, picked=table_id, outcome=outcome)
    error = MaitredError("These tables cannot seat the booking:", checks=result["checks"])
    return panel(request, db, session, defaults, day, bid, picked=table_id, error=error, status=200)


@router.post("/bookings/{bid}/hold")
def hold(
    request: Request,
    bid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    service: ServiceField = "",
    table_id: TablesField = [],  # noqa: B006
    context_version: VersionField = None,
) -> Response:
    """Hold the picked tables for the booking, if the floor is still as the host saw it."""
    session.require(Permission.HOLD)

    def action() -> str:
        view = holds.hold_tables(
            db,
            session.restaurant_id,
            bid,
            table_id,
            session.actor,
            defaults,
            context_version=context_version,
        )
        return f"Held {_labels(view['tables'])}. Confirm before the hold runs out."

    return act(request, db, session, defaults, Day(date, service or None), bid, table_id, action)


@router.post("/holds/{hid}/confirm")
def confirm(
    request: Request,
    hid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    booking_id: Annotated[UUID, Form()],
    idempotency_key: Annotated[str, Form(min_length=1, max_length=255)],
    service: ServiceField = "",
    context_version: VersionField = None,
) -> Response:
    """Confirm the hold exactly once (a double click replays the same answer)."""
    session.require(Permission.CONFIRM)

    def action() -> str:
        done = confirm_hold(
            db,
            session.restaurant_id,
            hid,
            idempotency_key,
            session.actor,
            defaults,
            booking_id=booking_id,
            context_version=context_version,
        )
        return f"Confirmed at {_labels(done['tables'])}."

    day = Day(date, service or None)
    return act(request, db, session, defaults, day, booking_id, None, action)


@router.post("/holds/{hid}/release")
def release(
    request: Request,
    hid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    booking_id: Annotated[UUID, Form()],
    service: ServiceField = "",
) -> Response:
    session.require(Permission.HOLD)

    def action() -> str:
        holds.release_hold(db, session.restaurant_id, hid)
        return "Hold released; its tables are free."

    day = Day(date, service or None)
    return act(request, db, session, defaults, day, booking_id, None, action)


@router.post("/bookings/{bid}/assign")
def assign(
    request: Request,
    bid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    service: ServiceField = "",
    table_id: TablesField = [],  # noqa: B006
    context_version: VersionField = None,
    override_reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Assign the picked tables at once, or move the booking to them."""
    session.require(Permission.ASSIGN)

    def action() -> str:
        view = assignments.assign_tables(
            db,
            session.restaurant_id,
            bid,
            table_id,
            session.actor,
            defaults,
            override_reason=override_reason.strip() or None,
            context_version=context_version,
        )
        return f"Seated at {_labels(view['tables'])}."

    return act(request, db, session, defaults, Day(date, service or None), bid, table_id, action)


@router.post("/bookings/{bid}/unassign")
def unassign(
    request: Request,
    bid: UUID,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    service: ServiceField = "",
    table: Annotated[UUID | None, Form()] = None,
) -> Response:
    """Take one table, or all of them, away from the booking."""
    session.require(Permission.ASSIGN)

    def action() -> str:
        view = assignments.unassign_tables(db, session.restaurant_id, bid, defaults, table)
        left = _labels(view["tables"])
        return f"Unassigned; still at {left}." if left else "Unassigned; the booking waits."

    return act(request, db, session, defaults, Day(date, service or None), bid, None, action)


@router.post("/bookings")
def create(
    request: Request,
    db: DB,
    session: Posting,
    defaults: Defaults,
    date: DateField,
    time: Annotated[Time, Form()],
    party_size: Annotated[int, Form(ge=1, le=500)],
    service: ServiceField = "",
    guest_name: Annotated[str, Form(max_length=120)] = "",
    ref: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """A booking taken at the stand; its panel opens so it can be seated at once."""
    session.require(Permission.BOOKING_CREATE)
    try:
        view = bookings.create_booking(
            db,
            session.restaurant_id,
            defaults,
            party_size=party_size,
            local_date=date,
            local_time=time,
            ref=ref.strip() or None,
            guest_name=guest_name.strip() or None,
            created_by=session.actor.id,
        )
    except MaitredError as exc:
        context = {"title": "Booking not created", "message": exc.message, "problems": []}
        headers = {"HX-Retarget": "#new-booking-result", "HX-Reswap": "innerHTML"}
        return render(request, "_failure.html", context, status_of(exc.code), headers)
    outcome = f"Booked {view['ref'] or 'a party'} of {view['party_size']} at {view['time']}."
    day = Day(date, service or None)
    return panel(request, db, session, defaults, day, view["id"], outcome=outcome)


@router.post("/days/{date}/auto-assign")
def auto_assign(
    request: Request,
    date: Date,
    db: DB,
    session: Posting,
    defaults: Defaults,
    service: ServiceField = "",
    strategy: Annotated[str, Form(max_length=40)] = "greedy",
    apply: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Preview the day's auto-assignment (a dry run), or apply it; the report either way."""
    session.require(Permission.DAY_ASSIGN)
    dry_run = apply != "yes"
    report = service_day.auto_assign_day(
        db, session.restaurant_id, date, session.actor, defaults, strategy=strategy, dry_run=dry_run
    )
    shown = read_day(db, session, defaults, Day(date, service or None))
    context = {**shown, "report": report, "strategy": strategy, "oob": True}
    return render(request, "_report.html", context)
