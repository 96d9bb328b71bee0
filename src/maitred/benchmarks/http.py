"""The HTTP benchmark: create -> quote -> confirm through the server, against a raw floor.

The server runs as its own process (`maitred serve`) on loopback; N client threads each book
parties on a 60-table floor spread over many days. In the same run a raw floor replays the same
database transactions (booking insert, hold insert, hold-to-assignment update) with a minimal
psycopg client: no HTTP, no planning, no validation. The ratio of throughputs is what the
product's work costs.
"""

from __future__ import annotations

import itertools
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import psycopg

from maitred.benchmarks.process import serve_process
from maitred.benchmarks.scratch import scratch_database
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
from maitred.settings import Settings

FIRST_DAY = date(2027, 3, 1)
STEPS = ("create", "quote", "confirm")


def floor_text(tables: int = 60, seed: int = 7) -> str:
    """A floor of `tables` tables in three zones: 2/4/6/8-tops, each zone a chain of edges."""
    rng = random.Random(seed)
    sizes = rng.choices((2, 4, 6, 8), weights=(35, 45, 14, 6), k=tables)
    lines = [
        "restaurant: {name: Bench Brasserie, timezone: Europe/London}",
        "policy:",
        "  services: [{name: dinner, start: '17:00', end: '23:30'}]",
        "  buffer_minutes: 10",
        "zones:",
    ]
    for zone in range(3):
        members = [i for i in range(tables) if i % 3 == zone]
        lines.append(f"  - name: Z{zone}")
        lines.append("    tables:")
        lines += [f"      - {{label: T{i}, capacity: {sizes[i]}}}" for i in members]
        pairs = [f"[T{a}, T{b}]" for a, b in itertools.pairwise(members)]
        lines.append(f"    adjacency: [{', '.join(pairs)}]")
    return "\n".join(lines) + "\n"


@dataclass
class Timings:
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    bookings: int = 0
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.steps[step].append(seconds * 1000)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _requests(seed: int, count: int) -> Iterator[tuple[int, str, str]]:
    rng = random.Random(seed)
    for _ in range(count):
        day = FIRST_DAY + timedelta(days=rng.randrange(60))
        at = f"{rng.randrange(17, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}"
        yield rng.choice((1, 2, 2, 2, 3, 4, 4, 5, 6)), day.isoformat(), at


def _http_client(base: str, key: str, rounds: int, seed: int, timings: Timings) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for party, day, at in _requests(seed, rounds):
            started = time.perf_counter()
            created = client.post("/bookings", json={"party_size": party, "date": day, "time": at})
            timings.add("create", time.perf_counter() - started)
            booking = created.json()
            started = time.perf_counter()
            quoted = client.post(f"/bookings/{booking['id']}/quote").json()
            timings.add("quote", time.perf_counter() - started)
            if quoted.get("hold") is None:
                timings.failures += 1
                continue
            started = time.perf_counter()
            confirmed = client.post(
                f"/holds/{quoted['hold']['id']}/confirm",
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            timings.add("confirm", time.perf_counter() - started)
            if confirmed.status_code == 200:
                with timings.lock:
                    timings.bookings += 1


def run_clients(count: int, work: Callable[[int], None]) -> float:
    """Run `count` threads of `work(seed)`; the wall-clock seconds they took together."""
    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --- the raw floor ---------------------------------------------------------------------------

RAW_BOOKING = (
    "INSERT INTO bookings (restaurant_id, booking_id, party_size, local_date, local_time,"
    " service, service_date, time_window, created_by)"
    " VALUES (%(rid)s, %(bid)s, %(party)s, %(day)s, '19:00', 'dinner', %(day)s,"
    " tstzrange(%(day)s + time '19:00', %(day)s + time '21:00', '[)'), 'raw')"
)
RAW_HOLD = (
    "INSERT INTO holds (restaurant_id, hold_id, booking_id, actor, expires_at, party_size,"
    " time_window, ttl_seconds) VALUES (%(rid)s, %(hid)s, %(bid)s, 'raw',"
    " now() + interval '3 minutes', %(party)s,"
    " tstzrange(%(day)s + time '19:00', %(day)s + time '21:00', '[)'), 180)"
)
RAW_HOLD_ROWS = (
    "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id, booking_id,"
    " hold_id, expires_at, service_date) VALUES (%(rid)s, %(tid)s, 'hold',"
    " tstzrange(%(day)s + time '19:00', %(day)s + time '21:00', '[)'), %(hid)s, %(bid)s,"
    " %(hid)s, now() + interval '3 minutes', %(day)s)"
)
RAW_CONFIRM = (
    "SELECT 1 FROM holds WHERE restaurant_id = %(rid)s AND hold_id = %(hid)s FOR UPDATE;",
    "UPDATE allocations SET kind = 'assignment', hold_id = NULL, expires_at = NULL"
    " WHERE restaurant_id = %(rid)s AND hold_id = %(hid)s",
    "DELETE FROM holds WHERE restaurant_id = %(rid)s AND hold_id = %(hid)s",
    "UPDATE bookings SET status = 'confirmed' WHERE restaurant_id = %(rid)s"
    " AND booking_id = %(bid)s",
    "INSERT INTO idempotency_keys (restaurant_id, idempotency_key, request_fingerprint, outcome,"
    " response_body) VALUES (%(rid)s, %(key)s, 'f', 'ok', '{}')",
    "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type, dedupe_key, payload)"
    " VALUES (%(rid)s, %(bid)s, 'hold.confirmed', %(key)s, '{}')",
)


def _tenant(conn: psycopg.Connection[Any], rid: uuid.UUID) -> None:
    conn.execute("SELECT set_config('app.restaurant_id', %s, true)", [str(rid)])


def _raw_client(
    app_conninfo: str,
    rid: uuid.UUID,
    table_ids: list[uuid.UUID],
    rounds: int,
    seed: int,
    timings: Timings,
) -> None:
    """The same transactions as the product, on a table and day of its own: nothing to plan."""
    with psycopg.connect(app_conninfo) as conn:
        for i in range(rounds):
            day = FIRST_DAY + timedelta(days=400 + seed * rounds + i)
            args = {
                "rid": rid,
                "bid": uuid.uuid4(),
                "hid": uuid.uuid4(),
                "party": 2,
                "day": day,
                "tid": table_ids[seed % len(table_ids)],
                "key": str(uuid.uuid4()),
            }
            for step, statements in (
                ("create", (RAW_BOOKING,)),
                ("quote", (RAW_HOLD, RAW_HOLD_ROWS)),
                ("confirm", RAW_CONFIRM),
            ):
                started = time.perf_counter()
                with conn.transaction():
                    _tenant(conn, rid)
                    for statement in statements:
                        conn.execute(statement, args)
                timings.add(step, time.perf_counter() - started)
            with timings.lock:
                timings.bookings += 1


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    owner_conninfo: str
    app_conninfo: str
    restaurant_id: uuid.UUID
    key: str
    table_ids: list[uuid.UUID]


@contextmanager
def bench_database(settings: Settings) -> Iterator[Bench]:
    """A fresh database on the configured (or embedded) server, dropped afterwards."""
    with scratch_database(settings) as scratch:
        owner, app = scratch.owner_conninfo, scratch.app_conninfo
        bench_settings = Settings(database_url=owner, pool_min_size=0, pool_max_size=2)
        with Database(DatabaseTarget(owner, app, embedded=False), bench_settings) as db:
            rid = import_floorplan(db, parse_floorplan(floor_text()))
            key = create_key(db, rid, Role.HOST, "bench").plaintext
            with db.tenant(rid) as conn:
                rows = conn.execute("SELECT table_id FROM dining_tables ORDER BY label")
                tables = [row["table_id"] for row in rows.fetchall()]
        yield Bench(owner, app, rid, key, tables)


@contextmanager
def server(owner_conninfo: str, pool_size: int, workers: int) -> Iterator[str]:
    """`maitred serve --workers N` in its own processes on a free loopback port."""
    with serve_process(owner_conninfo, workers=workers, pool_size=pool_size) as base:
        yield base


@dataclass(frozen=True)
class Result:
    clients: int
    kind: str  # "http" or "raw"
    timings: Timings
    seconds: float

    @property
    def throughput(self) -> float:
        return self.timings.bookings / self.seconds

    def row(self) -> list[str]:
        cells = [str(self.clients), self.kind, str(self.timings.bookings), f"{self.throughput:.1f}"]
        for step in STEPS:
            values = self.timings.steps[step]
            cells += [f"{percentile(values, q):.1f}" for q in (0.5, 0.95, 0.99)]
        return cells


def _measure(kind: str, count: int, work: Callable[[int, Timings], None]) -> Result:
    timings = Timings()
    seconds = run_clients(count, lambda seed: work(seed, timings))
    return Result(count, kind, timings, seconds)


def run(
    clients: list[int],
    rounds: int,
    settings: Settings,
    progress: Callable[[Result], None],
    workers: int = 1,
) -> list[Result]:
    """Each client count through the server, then the same counts on the raw floor."""
    results: list[Result] = []
    with bench_database(settings) as bench:
        with server(bench.owner_conninfo, pool_size=8, workers=workers) as base:
            url = f"{base}/v1/restaurants/{bench.restaurant_id}"
            for count in clients:

                def http(seed: int, timings: Timings, c: int = count) -> None:
                    _http_client(url, bench.key, rounds, seed + 1000 * c, timings)

                results.append(_measure("http", count, http))
                progress(results[-1])
        for count in clients:

            def raw(seed: int, timings: Timings, c: int = count) -> None:
                _raw_client(
                    bench.app_conninfo,
                    bench.restaurant_id,
                    bench.table_ids,
                    rounds,
                    seed + 100 * c,
                    timings,
                )

            results.append(_measure("raw", count, raw))
            progress(results[-1])
    return results


HEADER = [
    "clients",
    "path",
    "bookings",
    "bookings/s",
    *(f"{step} p{q}" for step in STEPS for q in (50, 95, 99)),
]


def markdown(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(result.row()) + " |" for result in results]
    raw = {r.clients: r for r in results if r.kind == "raw"}
    for result in results:
        if result.kind == "http" and result.clients in raw:
            ratio = result.throughput / raw[result.clients].throughput
            lines.append(
                f"\n{result.clients} clients: HTTP throughput is {ratio:.0%} of the raw"
                f" floor; confirm p95 {percentile(result.timings.steps['confirm'], 0.95):.1f}"
                f" ms, quote p95 {percentile(result.timings.steps['quote'], 0.95):.1f} ms."
            )
    return "\n".join(lines)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
