"""Pages: sign-in and sign-out, the day view, its fragments, and the static files."""

from __future__ import annotations

from datetime import date as Date
from importlib import resources
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from maitred.domain.errors import Forbidden, InvalidRequest, NotFound, Unauthenticated
from maitred.web.rendering import render
from maitred.web.routing import OpsRoute
from maitred.web.screen import Day, day_page, read_day, selection, today
from maitred.web.session import (
    DB,
    Defaults,
    Posting,
    Session,
    end_session,
    staff_principal,
    start_session,
)

router = APIRouter(route_class=OpsRoute, include_in_schema=False)

STATIC = {
    "htmx.min.js": "text/javascript",
    "ops.js": "text/javascript",
    "ops.css": "text/css",
    "htmx.LICENSE": "text/plain",
}

DateQuery = Annotated[Date | None, Query(description="The service day (local).")]
ServiceQuery = Annotated[str | None, Query(max_length=60)]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/ops/day", status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return render(request, "sign_in.html", {"error": None})


@router.post("/sign-in")
def sign_in(request: Request, db: DB, key: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Check the key and keep it in the session cookie; refuse bad keys and the widget's."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":  # another site signing us in
        error = "Sign in from this page."
        return render(request, "sign_in.html", {"error": error}, status_code=403)
    try:
        staff_principal(db, key.strip())
    except Unauthenticated:
        error = "That key is not valid: it is unknown or has been revoked."
        return render(request, "sign_in.html", {"error": error}, status_code=401)
    except Forbidden:
        error = "That is the booking widget's key. Sign in with a host, manager or owner key."
        return render(request, "sign_in.html", {"error": error}, status_code=403)
    response = RedirectResponse("/ops/day", status_code=303)
    start_session(request, response, key.strip())
    return response


@router.post("/sign-out")
def sign_out(session: Posting) -> Response:
    response = RedirectResponse("/ops/sign-in", status_code=303)
    end_session(response)
    return response


def _day(
    db: DB, session: Session, defaults: Defaults, date: Date | None, service: str | None
) -> Day:
    return Day(date or today(db, session, defaults), service or None)


@router.get("/day")
def day_view(
    request: Request,
    db: DB,
    session: Session,
    defaults: Defaults,
    date: DateQuery = None,
    service: ServiceQuery = None,
    booking: Annotated[UUID | None, Query()] = None,
    table_id: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The host's screen: the timeline of a day, the waiting list, and the open booking."""
    day = _day(db, session, defaults, date, service)
    notice = None
    try:
        page = day_page(db, session, defaults, day)
    except InvalidRequest as exc:
        notice = exc.message
        day = Day(day.date)
        page = day_page(db, session, defaults, day)
    picked = None
    if booking is not None:
        server_time = page["timeline"]["server_time"]
        try:
            picked = selection(db, session, defaults, booking, server_time, table_id)
        except NotFound:
            notice = "That booking was not found."
    context = {**page, "selection": picked, "notice": notice, "report": None, "oob": False}
    return render(request, "day.html", context)


@router.get("/day/board")
def board(
    request: Request,
    db: DB,
    session: Session,
    defaults: Defaults,
    date: DateQuery = None,
    service: ServiceQuery = None,
) -> Response:
    """The timeline and the waiting list, for a live refresh."""
    shown = read_day(db, session, defaults, _day(db, session, defaults, date, service))
    return render(request, "_board.html", {**shown, "oob": False})


@router.get("/day/selection")
def open_selection(
    request: Request,
    db: DB,
    session: Session,
    defaults: Defaults,
    date: DateQuery = None,
    service: ServiceQuery = None,
    booking: Annotated[UUID | None, Query()] = None,
    table_id: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The open booking's panel (with the board refreshed beside it); none without a booking."""
    if booking is None:
        return render(request, "_selection.html", {"selection": None, "oob": False})
    shown = read_day(db, session, defaults, _day(db, session, defaults, date, service))
    server_time = shown["timeline"]["server_time"]
    picked = selection(db, session, defaults, booking, server_time, table_id)
    context = {**shown, "selection": picked, "oob": True, "outcome": None, "error": None}
    return render(request, "_selection.html", context)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return Response("Not found.", status_code=404, media_type="text/plain")
    body = (resources.files("maitred.web") / "static" / name).read_bytes()
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(body, media_type=STATIC[name], headers=headers)
