"""The day's write lock comes before any row is touched.

A writer that deleted an expired hold and only then queued for the day's lock could be waited
for by the lock's holder (its insert must learn whether that row is gone): a deadlock that
PostgreSQL breaks only after `deadlock_timeout`, with the day's other writers queued behind it.
Each writer below is started while the test holds the day's lock, with an expired hold on the
very table it wants; while it waits, that hold's row must still be untouched.
"""

from __future__ import annotations

import threading
import time as time_module
from collections.abc import Callable
from datetime import time
from typing import Any
from uuid import UUID

import psycopg
import pytest

from maitred.db.database import Database
from maitred.db.repositories.allocations import day_lock_name
from maitred.services import blocks, holds
from maitred.services.assignments import assign_tables
from support.lifecycle import FRIDAY, HOST, MANAGER, book, expire_holds, ids

Writer = Callable[[Database, UUID, UUID, str], Any]

WRITERS: dict[str, Writer] = {
    "quote and hold": lambda db, rid, booking, table: holds.quote_and_hold(
        db, rid, booking, HOST, {}
    ),
    "manual hold": lambda db, rid, booking, table: holds.hold_tables(
        db, rid, booking, [table], HOST, {}
    ),
    "assign": lambda db, rid, booking, table: assign_tables(db, rid, booking, [table], HOST, {}),
    "block": lambda db, rid, booking, table: blocks.create_block(
        db, rid, [table], FRIDAY, time(19), time(19, 30), "repairs", MANAGER, {}
    ),
}


def waiting_for_advisory_lock(test_db: Any) -> bool:
    with test_db.owner() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()
    return bool(row and row[0])


def row_is_untouched(test_db: Any, hold_id: str) -> bool:
    """The hold's row can be locked at once: no open transaction deleted or locked it."""
    with test_db.owner() as conn:
        try:
            found = conn.execute(
                "SELECT 1 FROM holds WHERE hold_id = %s FOR UPDATE NOWAIT", [hold_id]
            ).fetchall()
        except psycopg.errors.LockNotAvailable:
            return False
    return bool(found)


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_writer_queues_for_the_day_before_touching_an_expired_hold(
    db: Database, make_restaurant: Callable[[str], UUID], test_db: Any, writer: str
) -> None:
    rid = make_restaurant("Corner House")
    expired = holds.quote_and_hold(db, rid, book(db, rid, 4), HOST, {})["hold"]
    assert [t["label"] for t in expired["tables"]] == ["P1"]
    expire_holds(test_db)
    booking = book(db, rid, 4)
    outcome: dict[str, Any] = {}

    def write() -> None:
        try:
            outcome["view"] = WRITERS[writer](db, rid, booking, ids(db, rid)["P1"])
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    thread = threading.Thread(target=write)
    with test_db.owner() as holder, holder.transaction():
        holder.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [day_lock_name(rid, FRIDAY)]
        )
        thread.start()
        deadline = time_module.monotonic() + 30
        while not waiting_for_advisory_lock(test_db) and thread.is_alive():
            assert time_module.monotonic() < deadline, "the writer never queued for the day"
            time_module.sleep(0.02)
        assert row_is_untouched(test_db, expired["id"])
    thread.join(30)
    assert "error" not in outcome, outcome
    assert not row_is_untouched(test_db, expired["id"])  # gone once the writer committed
