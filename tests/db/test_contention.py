"""Contention: 32 clients quote, hold, confirm, release and cancel on a 10-table floor at once.

Afterwards the database is checked mechanically: no two allocations overlap on a table, every
acknowledged confirm is present, no refused confirm left anything behind.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain import errors
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services import holds
from maitred.services.booking_changes import cancel_booking
from maitred.services.confirm import confirm_hold
from maitred.settings import Settings
from support.lifecycle import FRIDAY, book

CLIENTS = 32
ROUNDS = 12  # bookings per client; each makes two to four calls
DAYS = 7  # spread over a week, so the floor fills but does not refuse everyone

FLOOR = """
restaurant: {name: Busy Bistro, timezone: Europe/London}
policy:
  services: [{name: dinner, start: "17:00", end: "23:00"}]
  buffer_minutes: 10
zones:
  - name: Main
    tables:
      - {label: A1, capacity: 2}
      - {label: A2, capacity: 2}
      - {label: A3, capacity: 2}
      - {label: A4, capacity: 4}
      - {label: A5, capacity: 4}
      - {label: A6, capacity: 4}
      - {label: A7, capacity: 6}
    adjacency: [[A1, A2], [A2, A3], [A3, A4], [A4, A5], [A5, A6], [A6, A7]]
  - name: Bar
    tables:
      - {label: B1, capacity: 2}
      - {label: B2, capacity: 2}
      - {label: B3, capacity: 4}
    adjacency: [[B1, B2], [B2, B3]]
"""


@dataclass
class Tally:
    calls: Counter[str] = field(default_factory=Counter)
    confirmed: dict[UUID, list[str]] = field(default_factory=dict)  # booking -> table ids
    refused: dict[UUID, str] = field(default_factory=dict)  # booking -> error code
    cancelled: set[UUID] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.calls[what] += 1


def client(db: Database, rid: UUID, number: int, tally: Tally) -> None:
    rng = random.Random(number)
    actor = Actor(f"client:{number}", Role.ONLINE)
    for round_ in range(ROUNDS):
        at = time(rng.choice(range(17, 21)), rng.choice((0, 15, 30, 45)))
        day = FRIDAY + timedelta(days=rng.randrange(DAYS))
        booking = book(db, rid, rng.choice((1, 2, 2, 3, 4, 4, 5, 6, 8)), at, day)
        tally.count("create")
        try:
            quoted = holds.quote_and_hold(db, rid, booking, actor, {})
        except errors.RateLimited:
            tally.count("rate_limited")
            continue
        tally.count("quote")
        tally.count(f"races_lost:{quoted['races_lost']}" if quoted["races_lost"] else "quote_won")
        hold = quoted["hold"]
        if hold is None:
            tally.count("no_plan")
            continue
        roll = rng.random()
        if roll < 0.15:
            holds.release_hold(db, rid, UUID(hold["id"]))
            tally.count("release")
            continue
        if roll < 0.2:
            continue  # abandoned: the hold expires on its own
        key = f"{number}-{round_}"
        try:
            body = confirm_hold(db, rid, UUID(hold["id"]), key, actor, {})
            tally.count("confirm")
            with tally.lock:
                tally.confirmed[booking] = sorted(t["id"] for t in body["tables"])
            replay = confirm_hold(db, rid, UUID(hold["id"]), key, actor, {})
            assert replay == body
        except errors.MaitredError as exc:
            tally.count(f"confirm_refused:{exc.code}")
            with tally.lock:
                tally.refused[booking] = exc.code
            continue
        if rng.random() < 0.15:
            cancel_booking(db, rid, booking, {})
            tally.count("cancel")
            with tally.lock:
                tally.cancelled.add(booking)


def test_no_overlap_no_lost_and_no_phantom_confirms(test_db: Any, capsys: Any) -> None:
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=12)
    target = DatabaseTarget(test_db.owner_conninfo, test_db.app_conninfo, embedded=False)
    tally = Tally()
    with Database(target, settings) as db:
        from maitred.services.venues import import_floorplan

        rid = import_floorplan(db, parse_floorplan(FLOOR))
        threads = [
            threading.Thread(target=client, args=(db, rid, n, tally)) for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with test_db.owner() as conn:
        (overlaps,) = conn.execute(
            "SELECT count(*) FROM allocations a JOIN allocations b"
            " ON a.restaurant_id = b.restaurant_id AND a.table_id = b.table_id"
            " AND a.allocation_id < b.allocation_id AND a.time_window && b.time_window"
        ).fetchone()
        if overlaps:  # say exactly what overlapped, and whether the constraint was there
            pairs = conn.execute(
                "SELECT a.kind, a.booking_id, a.hold_id, a.time_window, b.kind, b.booking_id,"
                " b.hold_id, b.time_window, current_database(),"
                " (SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                "  WHERE conname = 'allocations_no_overlap')"
                " FROM allocations a JOIN allocations b"
                " ON a.restaurant_id = b.restaurant_id AND a.table_id = b.table_id"
                " AND a.allocation_id < b.allocation_id AND a.time_window && b.time_window"
            ).fetchall()
            print("\noverlapping allocations:", *pairs, sep="\n")
        rows = conn.execute(
            "SELECT b.booking_id, b.status, coalesce(array_agg(a.table_id::text ORDER BY"
            " a.table_id::text) FILTER (WHERE a.kind = 'assignment'), '{}') AS tables"
            " FROM bookings b LEFT JOIN allocations a USING (restaurant_id, booking_id)"
            " GROUP BY b.booking_id, b.status"
        ).fetchall()
    state = {booking_id: (status, list(tables)) for booking_id, status, tables in rows}
    lost = [
        b
        for b, tables in tally.confirmed.items()
        if b not in tally.cancelled and state[b] != ("confirmed", tables)
    ]
    phantom = [b for b in tally.refused if state[b][1] or state[b][0] != "pending"]
    freed = [b for b in tally.cancelled if state[b] != ("cancelled", [])]
    with capsys.disabled():
        operations = sum(tally.calls.values())
        print(
            f"\ncontention: {CLIENTS} clients, {operations} operations, "
            f"{len(tally.confirmed)} confirmed, overlaps={overlaps}, lost={len(lost)}, "
            f"phantom={len(phantom)}; {dict(sorted(tally.calls.items()))}"
        )
    assert tally.calls["confirm"] > 50
    assert overlaps == 0
    assert lost == []
    assert phantom == []
    assert freed == []
