"""Reading a day stays an index lookup under row-level security, however long the history.

RLS keeps a non-leakproof operator such as `&&` out of an index condition, so a query that
finds rows by `time_window && …` alone reads every row of the restaurant (or of a table). These
tests run each query that reads a window's rows under EXPLAIN ANALYZE, as the application role
inside a tenant transaction, over a year of history: it must find its rows by index and filter
out no more than the rows of the days it brackets, not the year's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Connection, Database
from maitred.db.repositories import allocations, bookings, service_day
from maitred.domain.window import Window
from support.lifecycle import ids

# A year of history: ten confirmed bookings a day, each with its table, one after another.
ROWS_A_DAY = 10
HISTORY = """
INSERT INTO bookings (restaurant_id, party_size, status, local_date, local_time, service,
                      service_date, time_window)
SELECT %(rid)s, 2, 'confirmed', day, time '08:00' + slot * interval '90 minutes', 'dinner', day,
       tstzrange(start, start + interval '75 minutes')
FROM generate_series(date '2026-01-01', date '2026-12-31', interval '1 day') AS days (d),
     generate_series(0, 9) AS slot,
     LATERAL (SELECT d::date AS day) AS named,
     LATERAL (SELECT (day + time '08:00' + slot * interval '90 minutes') AT TIME ZONE 'UTC'
              AS start) AS starts;
INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id, booking_id,
                         service_date)
SELECT restaurant_id, %(table)s, 'assignment', time_window, booking_id, booking_id, service_date
FROM bookings WHERE restaurant_id = %(rid)s;
ANALYZE bookings;
ANALYZE allocations;
"""


class Explaining:
    """Stands in for a connection: runs each query under EXPLAIN ANALYZE and keeps the plan."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.plans: list[str] = []

    def execute(self, query: str, params: Any = None) -> Explaining:
        rows = self.conn.execute("EXPLAIN ANALYZE " + query, params).fetchall()
        self.plans.append("\n".join(str(row["QUERY PLAN"]) for row in rows))
        return self

    def fetchall(self) -> list[Any]:
        return []

    @property
    def rowcount(self) -> int:
        return 0


Reader = Callable[[Any, UUID, UUID, Window], Any]  # (connection, restaurant, a table, window)

READERS: dict[str, tuple[str, Reader]] = {
    "live allocations": ("allocations", lambda c, rid, t, w: allocations.live_around(c, rid, w)),
    "active bookings": ("bookings", lambda c, rid, t, w: bookings.around(c, rid, w)),
    "a table's allocations": ("allocations", bookings.overlapping_allocations),
    "expired holds on tables": (
        "allocations",
        lambda c, rid, t, w: allocations.delete_expired_holds_on(c, rid, [t], w),
    ),
    "live rows on tables": (
        "allocations",
        lambda c, rid, t, w: service_day.live_on_tables(c, rid, [t], w),
    ),
    "the day's bars": ("allocations", lambda c, rid, t, w: service_day.bars(c, rid, w)),
    "the day's expired holds": (
        "allocations",
        lambda c, rid, t, w: service_day.delete_expired_holds(c, rid, w),
    ),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_the_day_is_found_by_index_under_rls(
    db: Database, make_restaurant: Callable[[str], UUID], test_db: Any, reader: str
) -> None:
    rid = make_restaurant("Corner House")
    table_id = ids(db, rid)["T1"]
    with test_db.owner() as owner:
        for statement in HISTORY.split(";")[:-1]:
            owner.execute(statement, {"rid": rid, "table": table_id})
    table, read = READERS[reader]
    start = datetime(2026, 11, 27, 12, tzinfo=UTC)
    with db.tenant(rid) as conn:
        conn.execute("SET LOCAL enable_seqscan = off")
        explaining = Explaining(conn)
        read(explaining, rid, table_id, Window(start, start + timedelta(hours=24)))
    (plan,) = explaining.plans
    assert f"Seq Scan on {table}" not in plan, plan
    removed = [int(n) for n in re.findall(r"Rows Removed by (?:Index Recheck|Filter): (\d+)", plan)]
    assert sum(removed) <= 10 * ROWS_A_DAY, plan  # the bracket is eight days wide
