"""Helpers for lifecycle tests: bookings made through the services, table ids by label."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.services.bookings import create_booking

HOST = Actor("key:host", Role.HOST)
MANAGER = Actor("key:manager", Role.MANAGER)
FRIDAY = date(2026, 11, 27)


def book(
    db: Database, rid: UUID, party: int, at: time = time(19, 0), day: date = FRIDAY, **kw: Any
) -> UUID:
    view = create_booking(db, rid, {}, party_size=party, local_date=day, local_time=at, **kw)
    return UUID(view["id"])


def ids(db: Database, rid: UUID) -> dict[str, str]:
    """Table ids by label."""
    with db.tenant(rid) as conn:
        rows = conn.execute("SELECT label, table_id FROM dining_tables").fetchall()
    return {r["label"]: str(r["table_id"]) for r in rows}


def labels(view: dict[str, Any]) -> list[str]:
    return [t["label"] for t in view["tables"]]


def expire_holds(test_db: Any) -> None:
    """Every hold ran out a second ago."""
    with test_db.owner() as conn:
        conn.execute(
            "UPDATE holds SET created_at = now() - interval '2 hours',"
            " expires_at = now() - interval '1 second'"
        )
        conn.execute(
            "UPDATE allocations SET expires_at = now() - interval '1 second' WHERE kind = 'hold'"
        )
