"""Reading every answer for what must never leak: PostgreSQL's text, the database's constraint
names, and anything of a booking the request neither named nor created."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import psycopg

from maitred.reliability.history import History

# PostgreSQL's and the driver's words; the database's constraint names join them.
PG_TEXT = (
    "violates",
    "constraint",
    "duplicate key",
    "deadlock",
    "could not serialize",
    "sqlstate",
    "psycopg",
    "traceback",
    "foreign key",
    'relation "',
)
CONSTRAINT_NAMES = """
SELECT DISTINCT conname FROM pg_constraint
WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
"""


def constraint_names(owner_conninfo: str) -> list[str]:
    with psycopg.connect(owner_conninfo) as conn:
        return [str(name).lower() for (name,) in conn.execute(CONSTRAINT_NAMES).fetchall()]


@dataclass
class Secrets:
    """What each booking must not show anyone who did not name it: its ids (booking, holds) and
    its texts (guest name, reference); and the request that created it."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    texts: dict[str, set[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # request id -> booking it created
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, booking: str, *, ids: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> None:
        with self.lock:
            self.ids.setdefault(booking, {booking}).update(ids)
            self.texts.setdefault(booking, set()).update(texts)

    def shown(self, value: dict[str, Any], response: str) -> list[str]:
        """Secrets of bookings the request neither named nor created that the response shows
        (a text the request itself sent does not count)."""
        request = str(value.get("request", ""))
        with self.lock:
            created = self.origins.get(str(value.get("request_id")))
            groups = [(self.ids[b], self.texts[b]) for b in self.ids if b != created]
        found = []
        for ids, texts in groups:
            if not any(i in request for i in ids):
                found += [s for s in ids | texts if s in response and s not in request]
        return found


@dataclass
class Scanner:
    """Reads every answer of a history for what must never be in one."""

    forbidden: list[str]  # PostgreSQL text and the database's constraint names, lower case
    secrets: Secrets = field(default_factory=Secrets)

    def leaks(self, history: History) -> list[str]:
        found = []
        for record in history.completions():
            value = record["value"]
            text = json.dumps(value.get("body"))
            shown = [word for word in self.forbidden if word in text.lower()]
            shown += self.secrets.shown(value, text)
            if shown:
                request = str(value.get("request", ""))[:150]
                found.append(f"{request} -> {value.get('status')}: {shown} in {text[:300]}")
        return found
