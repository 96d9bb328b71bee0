"""What one screen shows: the day (timeline and waiting list) and the open booking's selection.

Both are read through the services, the same use cases the API calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from maitred.db.database import Database
from maitred.planning.rules import label_key
from maitred.services import service_day
from maitred.services.assignments import assignment_context
from maitred.services.timeline import day_timeline
from maitred.services.venues import load_venue
from maitred.web.board import layout, moment
from maitred.web.session import HostSession

View = dict[str, Any]

STATE_WORDS = {
    "free": "free",
    "own": "this booking",
    "held": "held",
    "assigned": "taken",
    "blocked": "blocked",
    "inactive": "out of service",
}


@dataclass(frozen=True, slots=True)
class Day:
    """The day and service a screen shows (service None: every service of the day)."""

    date: date
    service: str | None = None

    def query(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            **({"service": self.service} if self.service else {}),
        }


def today(db: Database, session: HostSession, defaults: dict[str, Any]) -> date:
    """The restaurant's own date now."""
    timezone = load_venue(db, session.restaurant_id, defaults).venue.timezone
    return datetime.now(ZoneInfo(timezone)).date()


def restaurant_name(db: Database, session: HostSession, defaults: dict[str, Any]) -> str:
    return load_venue(db, session.restaurant_id, defaults).venue.name


def read_day(db: Database, session: HostSession, defaults: dict[str, Any], day: Day) -> View:
    """The timeline and its layout for the screen."""
    timeline = day_timeline(db, session.restaurant_id, day.date, defaults, day.service)
    return {"timeline": timeline, "board": layout(timeline), "day": day}


def day_page(db: Database, session: HostSession, defaults: dict[str, Any], day: Day) -> View:
    """Everything the full day page needs."""
    shown = read_day(db, session, defaults, day)
    return {
        **shown,
        "restaurant": restaurant_name(db, session, defaults),
        "session": session,
        "previous_day": (day.date - timedelta(days=1)).isoformat(),
        "next_day": (day.date + timedelta(days=1)).isoformat(),
        "strategies": sorted(service_day.PLANNERS),
    }


def _seconds_left(hold: View, server_time: str) -> float:
    return (moment(hold["expires_at"]) - moment(server_time)).total_seconds()


def _zones(context: View, picked: set[str]) -> list[View]:
    zones = []
    for zone in context["zones"]:
        tables = [
            {
                **table,
                "picked": table["id"] in picked,
                "state_words": STATE_WORDS.get(table["state"], table["state"]),
                "busy_words": ", ".join(
                    f"{b['kind']} {moment(b['start']):%H:%M}–{moment(b['end']):%H:%M}"
                    for b in table["busy"]
                ),
            }
            for table in sorted(context["tables"], key=lambda t: label_key(t["label"]))
            if table["zone"] == zone["name"]
        ]
        zones.append({**zone, "tables": tables})
    return zones


def selection(
    db: Database,
    session: HostSession,
    defaults: dict[str, Any],
    booking_id: UUID,
    server_time: str,
    picked: list[str] | None = None,
) -> View:
    """The open booking: its state, its live hold with the time left by the database clock,
    every table with its state for the booking's window, and the context version it rests on."""
    context = assignment_context(db, session.restaurant_id, booking_id, defaults)
    booking = context["booking"]
    hold = context["holds"][0] if context["holds"] else None
    if hold is not None:
        hold = {**hold, "seconds_left": _seconds_left(hold, server_time)}
    if picked is None:
        picked = [t["id"] for t in (hold["tables"] if hold else booking["tables"])]
    return {
        "booking": booking,
        "hold": hold,
        "context_version": context["context_version"],
        "zones": _zones(context, set(picked)),
        "confirm_key": f"ops-{uuid4()}",
        "may_override": session.may_override,
    }
