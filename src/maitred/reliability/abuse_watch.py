"""Watching the database as the owner: the abuser's live holds, and its holds per booking."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from maitred.domain.api_keys import hash_key
from maitred.reliability.abuser import Limits
from maitred.reliability.history import History
from maitred.reliability.stage import Stage

LIVE = """
SELECT (SELECT count(*) FROM holds WHERE restaurant_id = %(rid)s AND actor = %(actor)s
          AND expires_at > now()) AS live,
       (SELECT coalesce(max(n), 0) FROM (
          SELECT count(DISTINCT a.table_id) AS n
            FROM allocations a JOIN holds h USING (restaurant_id, hold_id)
           WHERE a.restaurant_id = %(rid)s AND h.actor = %(actor)s AND h.expires_at > now()
             AND a.kind = 'hold'
           GROUP BY a.time_window) sittings) AS tables
"""

# For every hold the actor took, how many it took for that booking in the window ending then
# (the window the limit counts: created_at > now() - window).
PER_BOOKING = """
SELECT coalesce(max(n), 0) AS most, count(DISTINCT booking_id) FILTER (WHERE n > %(cap)s) AS over
FROM (SELECT l.booking_id, count(*) AS n
      FROM hold_log l JOIN hold_log w
        ON w.restaurant_id = l.restaurant_id AND w.actor = l.actor
       AND w.booking_id = l.booking_id AND w.created_at <= l.created_at
       AND w.created_at > l.created_at - make_interval(secs => %(window)s)
      WHERE l.restaurant_id = %(rid)s AND l.actor = %(actor)s
      GROUP BY l.log_id, l.booking_id) windows
"""


@dataclass
class Watch:
    polls: int = 0
    max_live: int = 0
    max_tables: int = 0
    over_cap: list[tuple[int, float]] = field(default_factory=list)  # (live, run time)


class Poller:
    """Counts the abuser's live holds as the owner, as often as it can, until told to stop."""

    def __init__(self, stage: Stage, rid: str, actor: str, cap: int, history: History) -> None:
        self.stage = stage
        self.params = {"rid": rid, "actor": actor}
        self.cap = cap
        self.history = history
        self.watch = Watch()

    def run(self, stop: threading.Event, every: float) -> None:
        started = time.monotonic()
        with psycopg.connect(self.stage.owner_conninfo, autocommit=True) as conn:
            while not stop.is_set():
                op = self.history.invoke("poller", "live_holds", {})
                live, tables = conn.execute(LIVE, self.params).fetchone() or (0, 0)
                self.history.complete(op, "ok", {"live": live, "tables": tables})
                self.seen(int(live), int(tables), time.monotonic() - started)
                time.sleep(every)

    def seen(self, live: int, tables: int, at: float) -> None:
        watch = self.watch
        watch.polls += 1
        watch.max_live = max(watch.max_live, live)
        watch.max_tables = max(watch.max_tables, tables)
        if live > self.cap:
            watch.over_cap.append((live, round(at, 3)))


def actor_of(owner: psycopg.Connection[Any], key: str) -> str:
    """How the API names a key's holds: `key:<key_id>` (maitred.api.auth)."""
    row = owner.execute("SELECT key_id FROM api_keys WHERE key_hash = %s", [hash_key(key)])
    found = row.fetchone()
    assert found is not None, "the abuser's key is not in the database"
    return f"key:{found[0]}"


def per_booking_windows(stage: Stage, rid: str, actor: str, limits: Limits) -> tuple[int, int]:
    """The most holds one booking got in one window, and how many bookings got too many."""
    params = {"rid": rid, "actor": actor, "cap": limits.per_booking}
    with psycopg.connect(stage.owner_conninfo, autocommit=True) as owner:
        row = owner.execute(PER_BOOKING, params | {"window": limits.window_seconds}).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
