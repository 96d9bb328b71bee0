"""The bleed test: no tenant setting outlives its transaction on a pooled connection.

`Bleeder` runs transactions over a shared pool, restaurants and endings at random, and judges
what each saw; `Reader` does the same through `maitred serve` with every restaurant's key.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from maitred.db.database import Connection, Database
from maitred.domain.api_keys import Role
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History, Outcome
from maitred.reliability.isolation_rows import READ_TABLES, SEED_DAY, Counts, Tenant

# What must never be found, by kind. Over the pool: a tenant setting found on a transaction
# that had not set one, a setting other than the one set, a row of another restaurant, the
# tenant's own rows not all seen. Over HTTP: the same two for bookings and tables, a request
# across restaurants not answered 404, and any answer but 200 to a read of one's own restaurant.
POOL_PROBLEMS = ("leaked_settings", "wrong_tenant_settings", "foreign_rows", "missing_rows")
HTTP_PROBLEMS = (
    "http_foreign_rows",
    "http_missing_rows",
    "http_cross_tenant_not_refused",
    "http_unexpected_status",
)


@dataclass
class Findings:
    """Counts and problems by kind, gathered from many threads."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, counts: dict[str, int], problems: dict[str, list[str]]) -> None:
        with self.lock:
            self.counts.update(counts)
            for kind, found in problems.items():
                self.problems.setdefault(kind, []).extend(found)

    def zeros(self, kinds: tuple[str, ...]) -> dict[str, int]:
        return {kind: len(self.problems.get(kind, [])) for kind in kinds}


class Abandoned(Exception):
    """Raised inside a transaction to roll it back."""


@dataclass
class Sight:
    """What one transaction saw before it ended."""

    setting_before: str | None = None
    setting: str | None = None
    rows: Counts = field(default_factory=dict)


LOOK = """
SELECT t, restaurant_id::text AS restaurant_id, count(*) AS n FROM (
    SELECT 'bookings' AS t, restaurant_id FROM bookings
    UNION ALL SELECT 'allocations', restaurant_id FROM allocations
    UNION ALL SELECT 'dining_tables', restaurant_id FROM dining_tables) seen
GROUP BY 1, 2
"""


def tenant_setting(conn: Connection) -> str | None:
    row = conn.execute("SELECT current_setting('app.restaurant_id', true) AS tenant").fetchone()
    return None if row is None else row["tenant"]


def look(conn: Connection, sight: Sight) -> None:
    sight.setting = tenant_setting(conn)
    sight.rows = {(r["t"], r["restaurant_id"]): int(r["n"]) for r in conn.execute(LOOK)}


def finish(conn: Connection, ending: str) -> None:
    """End the transaction as drawn: commit, roll back, or fail on a statement."""
    if ending == "error":
        conn.execute("SELECT 1 / 0")
    elif ending == "rollback":
        raise Abandoned


def judge(tenant: Tenant | None, sight: Sight, expected: Counts) -> dict[str, list[str]]:
    """Every way one transaction saw past its tenant, or missed one of its rows."""
    mine = tenant.id if tenant else None
    leaked = [] if sight.setting_before in (None, "") else [f"{sight.setting_before} left over"]
    wrong = [] if (sight.setting or None) == mine else [f"{sight.setting} set, not {mine}"]
    foreign = [f"{n} {t} of {r} seen as {mine}" for (t, r), n in sight.rows.items() if r != mine]
    missing = [
        f"{table} of {mine} not all seen"
        for table in (READ_TABLES if mine else ())
        if sight.rows.get((table, str(mine)), 0) != expected.get((table, str(mine)), 0)
    ]
    return {
        "leaked_settings": leaked,
        "wrong_tenant_settings": wrong,
        "foreign_rows": foreign,
        "missing_rows": missing,
    }


class Bleeder:
    """Threads of transactions over one shared pool, restaurants and endings at random:
    `pool` takes a raw connection and sets the tenant itself, `tenant` uses `Database.tenant`,
    `none` uses `Database.transaction` (no tenant: it must see nothing)."""

    def __init__(
        self, db: Database, tenants: list[Tenant], expected: Counts, history: History
    ) -> None:
        self.db = db
        self.tenants = tenants
        self.expected = expected
        self.history = history
        self.findings = Findings()
        self.paths: dict[str, Callable[[Tenant, Sight, str], None]] = {
            "pool": self.raw,
            "tenant": self.scoped,
            "none": self.untenanted,
        }

    def run(self, number: int, count: int, seed: int) -> None:
        rng = random.Random(seed * 7919 + number)
        for _ in range(count):
            tenant = rng.choice(self.tenants)
            path = rng.choices(list(self.paths), weights=(4, 4, 2))[0]
            ending = rng.choices(("commit", "rollback", "error"), weights=(7, 1.5, 1.5))[0]
            self.one(number, tenant, path, ending)

    def one(self, number: int, tenant: Tenant, path: str, ending: str) -> None:
        value = {"restaurant": tenant.number, "path": path, "ending": ending}
        op = self.history.invoke(f"bleed-{number}", "transaction", value)
        sight = Sight()
        outcome: Outcome = "ok"
        try:
            self.paths[path](tenant, sight, ending)
        except (Abandoned, psycopg.errors.DivisionByZero):
            outcome = "fail"
        problems = judge(tenant if path != "none" else None, sight, self.expected)
        found = [f"{path}: {p}" for kind in problems.values() for p in kind]
        self.history.complete(op, outcome, {"problems": found})
        counts = {"transactions": 1, ending: 1, f"{path}:{ending}": 1}
        self.findings.add(counts | {"rows_seen": sum(sight.rows.values())}, problems)

    def raw(self, tenant: Tenant, sight: Sight, ending: str) -> None:
        """A connection straight from the pool: is a tenant still set? Then set our own."""
        with self.db.pool.connection() as conn, conn.transaction():
            sight.setting_before = tenant_setting(conn)
            conn.execute("SELECT set_config('app.restaurant_id', %s, true)", [tenant.id])
            look(conn, sight)
            finish(conn, ending)

    def scoped(self, tenant: Tenant, sight: Sight, ending: str) -> None:
        with self.db.tenant(tenant.id) as conn:
            look(conn, sight)
            finish(conn, ending)

    def untenanted(self, tenant: Tenant, sight: Sight, ending: str) -> None:
        with self.db.transaction() as conn:
            sight.setting_before = tenant_setting(conn)
            look(conn, sight)
            finish(conn, ending)


# --- the bleed test through the server -------------------------------------------------------


class Reader:
    """Clients with every restaurant's host key, each request with one of them at random."""

    def __init__(self, tenants: list[Tenant], base_url: str, history: History) -> None:
        self.tenants = tenants
        self.base_url = base_url
        self.history = history
        self.findings = Findings()

    def run(self, number: int, count: int, seed: int) -> None:
        rng = random.Random(seed * 104729 + number)
        clients = [self.client(tenant, f"http-{number}-{tenant.number}") for tenant in self.tenants]
        for _ in range(count):
            n = rng.randrange(len(self.tenants))
            other = self.tenants[(n + rng.randrange(1, len(self.tenants))) % len(self.tenants)]
            roll = rng.random()
            if roll < 0.45:
                self.bookings(clients[n], self.tenants[n])
            elif roll < 0.9:
                self.tables(clients[n], self.tenants[n])
            else:
                self.across(clients[n], self.tenants[n], other, by_path=rng.random() < 0.5)
        for client in clients:
            client.close()

    def client(self, tenant: Tenant, process: str) -> RecordingClient:
        return RecordingClient(
            self.base_url, tenant.restaurant.keys[Role.HOST], self.history, process
        )

    def listed(self, client: RecordingClient, tenant: Tenant, f: str, path: str) -> Any:
        reply = client.call(f, "GET", tenant.restaurant.path(path), value={"at": tenant.number})
        if reply.status != 200:
            self.findings.add(
                {"requests": 1}, {"http_unexpected_status": [f"{path}: {reply.status}"]}
            )
            return None
        return reply.body

    def bookings(self, client: RecordingClient, tenant: Tenant) -> None:
        body = self.listed(client, tenant, "list_bookings", f"/bookings?date={SEED_DAY}")
        if body is None:
            return
        foreign = []
        for booking in body:
            ref, tables = booking["ref"] or "", {t["id"] for t in booking["tables"]}
            if booking["id"] not in tenant.bookings or not ref.startswith(tenant.prefix):
                foreign.append(f"booking {booking['id']} ({ref}) listed for {tenant.id}")
            foreign += [f"table {t} of a booking of {tenant.id}" for t in tables - tenant.tables]
        ids = {booking["id"] for booking in body}
        missing = [f"bookings of {tenant.id}: {len(ids)} listed"] if ids != tenant.bookings else []
        counts = {"requests": 1, "rows_seen": len(body)}
        problems = {"http_foreign_rows": foreign, "http_missing_rows": [] if foreign else missing}
        self.findings.add(counts, problems)

    def tables(self, client: RecordingClient, tenant: Tenant) -> None:
        body = self.listed(client, tenant, "list_tables", "/tables")
        if body is None:
            return
        seen = {table["id"] for table in body}
        foreign = [f"table {t} listed for {tenant.id}" for t in sorted(seen - tenant.tables)]
        missing = [f"tables of {tenant.id}: {len(seen)} listed"] if seen != tenant.tables else []
        counts = {"requests": 1, "rows_seen": len(body)}
        problems = {"http_foreign_rows": foreign, "http_missing_rows": [] if foreign else missing}
        self.findings.add(counts, problems)

    def across(self, client: RecordingClient, tenant: Tenant, other: Tenant, by_path: bool) -> None:
        """A key of one restaurant asks for another's day, or for another's booking by id."""
        if by_path:
            path = other.restaurant.path(f"/bookings?date={SEED_DAY}")
        else:
            path = tenant.restaurant.path(f"/bookings/{min(other.bookings)}")
        value = {"at": tenant.number, "other": other.number, "by_path": by_path}
        reply: Reply = client.call("read_across", "GET", path, value=value)
        refused = reply.status == 404 and reply.code == "NOT_FOUND"
        problem = [] if refused else [f"{path} with the key of {tenant.id}: {reply.status}"]
        self.findings.add({"requests": 1}, {"http_cross_tenant_not_refused": problem})
