"""The worker benchmark: what the venue cache buys, sweeper lag, relay throughput, archival rate.

Everything runs on a fresh database of the configured (or embedded) server, on a 150-table floor.
"""

from __future__ import annotations

import http.server
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from datetime import time as clock_time
from typing import Any

from psycopg.conninfo import make_conninfo

from maitred.benchmarks.http import bench_database, floor_text, percentile
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.jobs.archiver import archive_allocations
from maitred.jobs.relay import http_post, relay_until_idle
from maitred.jobs.sweeper import sweep_holds
from maitred.planning.combinations import _SHARED_CACHE
from maitred.services import assignments, bookings, holds, webhooks
from maitred.services.floor import floors
from maitred.services.venues import import_floorplan
from maitred.settings import WORKER_ROLE, Settings, WorkerSettings

ACTOR = Actor("bench", Role.OWNER)


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _one_round(
    db: Database, rid: uuid.UUID, table_id: str, n: int, cached: bool
) -> tuple[float, float]:
    """One validate and one quote-and-hold for a new booking; their times in ms."""
    booking = uuid.UUID(
        bookings.create_booking(
            db,
            rid,
            {},
            party_size=2,
            local_date=date(2027, 5, 1 + n % 28),
            local_time=clock_time(18 + n % 4, 0),
        )["id"]
    )
    times = []
    for call in (
        lambda: assignments.validate_selection(db, rid, booking, [table_id], {}),
        lambda: holds.quote_and_hold(db, rid, booking, Actor(f"bench-{n}", Role.OWNER), {}),
    ):
        if not cached:
            floors.clear()
            _SHARED_CACHE.clear()
        times.append(_timed(call))
    return times[0], times[1]


def cache_effect(db: Database, rid: uuid.UUID, runs: int) -> dict[str, float]:
    """p95 of validate and of hold, with the venue cache kept and with it emptied every time."""
    with db.tenant(rid) as conn:
        tables = [
            str(r["table_id"])
            for r in conn.execute("SELECT table_id FROM dining_tables ORDER BY label").fetchall()
        ]
    results: dict[str, float] = {}
    for cached, label in ((True, "on"), (False, "off")):
        rounds = [
            _one_round(db, rid, tables[n % len(tables)], n + (0 if cached else runs), cached)
            for n in range(runs)
        ]
        results[f"validate p95 cache {label}"] = percentile([v for v, _ in rounds], 0.95)
        results[f"hold p95 cache {label}"] = percentile([h for _, h in rounds], 0.95)
    return results


def sweeper_lag(
    db: Database, worker: Database, owner: Database, rid: uuid.UUID, holds_count: int
) -> dict[str, float]:
    """Holds expiring over ~2 s, swept every 0.5 s: the lag from expiry to removal."""
    for n in range(holds_count):
        booking = uuid.UUID(
            bookings.create_booking(
                db,
                rid,
                {},
                party_size=2,
                local_date=date(2027, 6, 1 + n % 28),
                local_time=clock_time(17 + n % 5, 15 * (n % 4)),
            )["id"]
        )
        holds.quote_and_hold(db, rid, booking, Actor(f"bench-{n % 50}", Role.OWNER), {})
    with owner.transaction() as conn:
        conn.execute(
            "UPDATE holds SET created_at = now() - interval '1 minute',"
            " expires_at = now() + random() * interval '2 seconds'"
        )
    lags: list[float] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = sweep_holds(worker, 500)
        if counts.swept:
            lags.append(counts.max_lag_seconds)
        with owner.transaction() as conn:
            left = conn.execute("SELECT count(*) AS n FROM holds").fetchone()
        if left and left["n"] == 0:
            break
        time.sleep(0.5)
    return {
        "holds swept": holds_count,
        "worst lag s": max(lags, default=0.0),
        "median batch lag s": statistics.median(lags) if lags else 0.0,
    }


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()


def relay_throughput(
    db: Database, worker: Database, owner: Database, rid: uuid.UUID, events: int
) -> dict[str, float]:
    with receiver() as url:
        webhooks.create_subscription(db, rid, url, [])
        relay_until_idle(worker, WorkerSettings(), http_post(5))  # what earlier steps queued
        with owner.transaction() as conn:
            conn.execute(
                "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type, dedupe_key,"
                " payload) SELECT %s, gen_random_uuid(), 'booking.changed', 'bench-' || n,"
                " '{}' FROM generate_series(1, %s) n",
                [rid, events],
            )
        started = time.perf_counter()
        counts = relay_until_idle(worker, WorkerSettings(batch_size=100), http_post(5))
        seconds = time.perf_counter() - started
    return {"events delivered": counts.delivered, "events/s": counts.delivered / seconds}


ARCHIVE_ROWS = """
WITH tables AS (
    SELECT array_agg(table_id ORDER BY label) AS ids FROM dining_tables
    WHERE restaurant_id = %(rid)s
), slots AS (
    -- One two-hour assignment per table per day, starting 400 days ago: none overlap.
    SELECT n, now() - interval '400 days' + (n / cardinality(tables.ids)) * interval '1 day' AS d,
           tables.ids[1 + n %% cardinality(tables.ids)] AS table_id
    FROM generate_series(0, %(rows)s - 1) n, tables
), past AS (
    INSERT INTO bookings (restaurant_id, booking_id, party_size, local_date, local_time,
        service, service_date, time_window, status)
    SELECT %(rid)s, gen_random_uuid(), 2, d::date, '19:00', 'dinner', d::date,
        tstzrange(d, d + interval '2 hours', '[)'), 'completed'
    FROM slots ORDER BY n
    RETURNING booking_id, time_window, service_date
), numbered AS (
    SELECT past.*, row_number() OVER (ORDER BY lower(time_window), booking_id) - 1 AS n
    FROM past
)
INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id, booking_id,
    service_date)
SELECT %(rid)s, slots.table_id, 'assignment', numbered.time_window, numbered.booking_id,
    numbered.booking_id, numbered.service_date
FROM numbered JOIN slots USING (n)
"""


def archival_rate(worker: Database, owner: Database, rid: uuid.UUID, rows: int) -> dict[str, float]:
    """Past assignments (one per table per day: they never overlap) moved to the archive."""
    with owner.transaction() as conn:
        conn.execute(ARCHIVE_ROWS, {"rid": rid, "rows": rows})
    counts = archive_allocations(worker, 1000, 30, 0.0)
    return {"rows archived": counts.moved, "rows/s": counts.moved / counts.seconds}


def run(settings: Settings, runs: int = 60) -> dict[str, float]:
    with bench_database(settings) as bench:
        owner_settings = Settings(database_url=bench.owner_conninfo, pool_max_size=2)
        app = Database(
            DatabaseTarget(bench.owner_conninfo, bench.app_conninfo, False), owner_settings
        )
        worker_conninfo = make_conninfo(bench.owner_conninfo, user=WORKER_ROLE, password="")
        worker = Database(
            DatabaseTarget(bench.owner_conninfo, worker_conninfo, False), owner_settings
        )
        owner = Database(
            DatabaseTarget(bench.owner_conninfo, bench.owner_conninfo, False), owner_settings
        )
        with app, worker, owner:
            rid = import_floorplan(app, parse_floorplan(floor_text(150)))
            results = cache_effect(app, rid, runs)
            results |= sweeper_lag(app, worker, owner, rid, 200)
            results |= relay_throughput(app, worker, owner, rid, 2000)
            results |= archival_rate(worker, owner, rid, 30_000)
    return results
