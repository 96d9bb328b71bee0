"""Scenario: tenant isolation. One restaurant never sees, changes or creates another's rows.

1. The catalog audit: every table of schema `public` carries `restaurant_id`; every one has
   row-level security enabled and forced and a policy; every policy that applies to the
   application role is keyed on the tenant (or is the key lookup by hash); neither the
   application role nor the worker role is superuser, BYPASSRLS or an owner, nor a member of one.
2. The matrix, through the application role, for every tenant table (read from the catalog),
   every ordered pair of restaurants (mine, theirs) and with no tenant at all: SELECT sees all
   of mine and none of theirs (nothing without a tenant); UPDATE and DELETE of their rows affect
   none (nothing without a tenant); INSERT of a row carrying their id (a copy of one of mine)
   and moving my rows to them are refused. Every cell is rolled back; the owner's row counts are
   compared before and after.
3. The bleed test: thousands of transactions from several threads over a pool of two
   connections, alternating restaurants at random, with random rollbacks and statement errors.
   Every transaction taken raw from the pool first asks whether a tenant setting survived a
   previous transaction; every read checks that each row belongs to the tenant and that all of
   the tenant's rows are there. Then the same through `maitred serve` (a pool of two): lists of
   bookings and tables with each restaurant's key, every row checked against the restaurant its
   key belongs to, and requests across restaurants answered 404.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from maitred.db.database import Connection, Database
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History, Operation, Outcome
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running
from maitred.services.bookings import create_booking
from maitred.services.confirm import confirm_hold
from maitred.services.holds import quote_and_hold
from maitred.services.webhooks import create_subscription
from maitred.settings import APP_ROLE, WORKER_ROLE, Settings

SEED_DAY = date(2027, 4, 2)
SEED_ACTOR = Actor("key:seed", Role.HOST)
READ_TABLES = ("bookings", "allocations", "dining_tables")
OwnerConnection = psycopg.Connection[tuple[Any, ...]]
Counts = dict[tuple[str, str], int]  # (table, restaurant id) -> rows


@dataclass(frozen=True)
class Plan:
    transactions: int  # through the pool, all threads together
    http_requests: int  # through the server, all threads together
    threads: int = 4
    bookings_per_restaurant: int = 8
    seed: int = 1

    @classmethod
    def ci(cls) -> Plan:
        return cls(transactions=3_000, http_requests=2_000)

    @classmethod
    def soak(cls) -> Plan:
        return cls(transactions=100_000, http_requests=30_000, threads=6)


# --- the stage's rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    """What one restaurant owns, as the owner saw it after seeding."""

    number: int
    restaurant: Restaurant
    bookings: frozenset[str]
    tables: frozenset[str]

    @property
    def id(self) -> str:
        return str(self.restaurant.id)

    @property
    def prefix(self) -> str:
        return f"R{self.number}-"


def seed(
    db: Database, restaurant: Restaurant, number: int, bookings: int, defaults: dict[str, Any]
) -> None:
    """Rows in every tenant table: bookings (refs prefixed by the restaurant), holds and
    confirmed assignments through the services, a webhook with an attempt, an archived row."""
    rid = restaurant.id
    for i in range(bookings):
        at = clock(17 + i // 2, 30 * (i % 2))
        ref = f"R{number}-{i + 1:03d}"
        view = create_booking(
            db, rid, defaults, party_size=2 + i % 3, local_date=SEED_DAY, local_time=at, ref=ref
        )
        quoted = quote_and_hold(db, rid, UUID(view["id"]), SEED_ACTOR, defaults)
        if quoted["hold"] is not None and i % 3 != 2:
            hold_id = UUID(quoted["hold"]["id"])
            confirm_hold(db, rid, hold_id, f"seed-{i}", SEED_ACTOR, defaults)
    subscription = create_subscription(db, rid, "https://example.invalid/hook", ["hold.created"])
    with db.tenant(rid) as conn:
        conn.execute(
            "INSERT INTO webhook_attempts (restaurant_id, event_id, subscription_id, succeeded)"
            " SELECT %s, event_id, %s, true FROM capacity_outbox LIMIT 1",
            [rid, subscription["id"]],
        )
        conn.execute(
            "INSERT INTO allocations_archive (restaurant_id, allocation_id, table_id, kind,"
            " time_window, group_id, created_at, service_date)"
            " SELECT restaurant_id, gen_random_uuid(), table_id, kind, time_window, group_id,"
            " created_at, service_date FROM allocations WHERE kind = 'assignment' LIMIT 1"
        )


def tenants(owner: OwnerConnection, stage: Stage) -> list[Tenant]:
    def owned(query: str, restaurant: Restaurant) -> frozenset[str]:
        return frozenset(v for (v,) in owner.execute(query, [restaurant.id]).fetchall())

    bookings = "SELECT booking_id::text FROM bookings WHERE restaurant_id = %s"
    tables = "SELECT table_id::text FROM dining_tables WHERE restaurant_id = %s"
    return [
        Tenant(number, restaurant, owned(bookings, restaurant), owned(tables, restaurant))
        for number, restaurant in enumerate(stage.restaurants, start=1)
    ]


# --- the catalog audit -----------------------------------------------------------------------

TENANT_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
              AND a.attname = 'restaurant_id' AND NOT a.attisdropped)
ORDER BY 1
"""

TABLES_WITHOUT_TENANT = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.relname <> 'alembic_version'
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                  AND a.attname = 'restaurant_id' AND NOT a.attisdropped)
"""

UNPROTECTED = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
FROM pg_class c WHERE c.oid = ANY(%s::regclass[])
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity
           AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
"""

# Policies the application role falls under whose rule is not keyed on the tenant, other than
# the lookup of one key by its hash (authentication happens before the tenant is known).
OPEN_POLICIES = """
SELECT p.tablename, p.policyname FROM pg_policies p
WHERE p.schemaname = 'public'
  AND ('public' = ANY(p.roles) OR EXISTS (
       SELECT 1 FROM unnest(p.roles) r WHERE pg_has_role(%(app)s, r, 'MEMBER')))
  AND NOT (coalesce(p.qual, '') LIKE '%%app_current_restaurant()%%'
           AND coalesce(p.with_check, p.qual, '') LIKE '%%app_current_restaurant()%%')
  AND NOT (p.tablename = 'api_keys' AND p.policyname = 'api_key_lookup' AND p.cmd = 'SELECT')
"""

# The roles a login role acts as (itself and every role it is a member of) that could see
# through row-level security: superuser, BYPASSRLS, or owner of a relation in public.
PRIVILEGED = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls,
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owner
FROM pg_roles r
WHERE pg_has_role(%(login)s, r.oid, 'MEMBER')
  AND (r.rolsuper OR r.rolbypassrls OR EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relowner = r.oid))
"""


def tenant_tables(owner: OwnerConnection) -> list[str]:
    return [name for (name,) in owner.execute(TENANT_TABLES).fetchall()]


def audit(owner: OwnerConnection, app_conninfo: str, tables: list[str]) -> list[str]:
    """Every way the catalog lets one restaurant's rows out; empty when there is none."""
    problems = [f"{t}: no restaurant_id" for (t,) in owner.execute(TABLES_WITHOUT_TENANT)]
    for table, enabled, forced, policies in owner.execute(UNPROTECTED, [tables]).fetchall():
        problems.append(f"{table}: rls enabled={enabled} forced={forced} policies={policies}")
    for table, policy in owner.execute(OPEN_POLICIES, {"app": APP_ROLE}).fetchall():
        problems.append(f"{table}: policy {policy} is not keyed on the tenant")
    member = owner.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [APP_ROLE, WORKER_ROLE])
    if member.fetchone() != (False,):
        problems.append(f"{APP_ROLE} falls under the worker's policies")
    for login in (APP_ROLE, WORKER_ROLE):
        for role, superuser, bypass, owns in owner.execute(PRIVILEGED, {"login": login}):
            found = f"super={superuser} bypassrls={bypass} owner={owns}"
            problems.append(f"{login} acts as {role}: {found}")
    with psycopg.connect(app_conninfo) as conn:
        user = conn.execute("SELECT current_user").fetchone()
    if user != (APP_ROLE,):
        problems.append(f"the application connects as {user}, not {APP_ROLE}")
    return problems


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Cells checked and failed; how each refusal came (SQLSTATE class and reason)."""

    cells: int = 0
    failed: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # tables with no row to copy
    refusals: Counter[str] = field(default_factory=Counter)
    rows_changed: list[str] = field(default_factory=list)


def refusal_of(exc: psycopg.Error) -> str:
    reason = "row-level security" if "row-level security" in str(exc) else "privilege"
    if not isinstance(exc, psycopg.errors.InsufficientPrivilege):
        reason = exc.sqlstate or "no sqlstate"
    return f"{type(exc).__name__} ({reason})"


def insertable(owner: OwnerConnection, table: str) -> list[str]:
    """The columns an INSERT may name (not generated, not identity ALWAYS)."""
    rows = owner.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = '' AND attidentity <> 'a' ORDER BY attnum",
        [f"public.{table}"],
    ).fetchall()
    return [name for (name,) in rows]


def owner_counts(owner: OwnerConnection, tables: list[str]) -> Counts:
    counts: Counts = {}
    for table in tables:
        query = sql.SQL("SELECT restaurant_id::text, count(*) FROM {} GROUP BY 1")
        for rid, n in owner.execute(query.format(sql.Identifier(table))).fetchall():
            counts[(table, rid)] = int(n)
    return counts


@dataclass(frozen=True)
class Cell:
    """One statement as the application role, with the tenant `mine` set (or none)."""

    table: str
    command: str
    mine: str | None
    theirs: str | None


class MatrixRunner:
    def __init__(self, stage: Stage, owner: OwnerConnection, history: History) -> None:
        self.stage = stage
        self.owner = owner
        self.history = history
        self.matrix = Matrix()
        self.counts: Counts = {}

    def run(self, tables: list[str], ids: list[str]) -> Matrix:
        self.counts = owner_counts(self.owner, tables)
        with psycopg.connect(self.stage.app_conninfo, autocommit=True) as app:
            for table in tables:
                self.table(app, table, ids)
        after = owner_counts(self.owner, tables)
        changed = {
            key
            for key in self.counts.keys() | after.keys()
            if self.counts.get(key) != after.get(key)
        }
        self.matrix.rows_changed = [f"{table} of {rid}" for table, rid in sorted(changed)]
        return self.matrix

    def table(self, app: psycopg.Connection[Any], table: str, ids: list[str]) -> None:
        samples = {rid: self.sample(table, rid) for rid in ids}
        if not all(samples.values()):
            self.matrix.unchecked.append(table)
        for mine, theirs in itertools.permutations(ids, 2):
            for command in ("select", "update", "delete", "insert", "move"):
                self.check(app, Cell(table, command, mine, theirs), samples[mine])
        for command in ("select", "update", "delete", "insert"):
            self.check(app, Cell(table, command, None, ids[1]), samples[ids[0]])

    def sample(self, table: str, rid: str) -> dict[str, Any] | None:
        query = sql.SQL("SELECT to_jsonb(x) FROM {} x WHERE restaurant_id = %s LIMIT 1")
        row = self.owner.execute(query.format(sql.Identifier(table)), [rid]).fetchone()
        return dict(row[0]) if row else None

    def check(
        self, app: psycopg.Connection[Any], cell: Cell, sample: dict[str, Any] | None
    ) -> None:
        if cell.command in ("insert", "move") and sample is None:
            return
        value = {"table": cell.table, "tenant": cell.mine, "other": cell.theirs}
        op = self.history.invoke("matrix", cell.command, value)
        rows: int | None = None
        refusal: str | None = None
        with app.transaction(force_rollback=True):
            if cell.mine is not None:
                app.execute("SELECT set_config('app.restaurant_id', %s, true)", [cell.mine])
            try:
                rows = self.statement(app, cell, sample)
            except psycopg.Error as exc:
                refusal = refusal_of(exc)
        passed = self.passed(cell, rows, refusal)
        self.record(op, cell, rows, refusal, passed)

    def statement(self, app: psycopg.Connection[Any], cell: Cell, sample: Any) -> int:
        table = sql.Identifier(cell.table)
        if cell.command == "select":
            query = sql.SQL("SELECT count(*) FILTER (WHERE restaurant_id = %s), count(*) FROM {}")
            mine, everything = app.execute(query.format(table), [cell.mine]).fetchone() or (0, 0)
            return -1 if mine != everything else int(mine)
        if cell.command == "insert":
            columns = sql.SQL(", ").join(map(sql.Identifier, insertable(self.owner, cell.table)))
            forged = Jsonb({**sample, "restaurant_id": cell.theirs})
            query = sql.SQL(
                "INSERT INTO {t} ({c}) SELECT {c} FROM jsonb_populate_record(NULL::{t}, %s)"
            )
            return app.execute(query.format(t=table, c=columns), [forged]).rowcount
        statements = {
            "update": "UPDATE {} SET restaurant_id = restaurant_id"
            " WHERE %(all)s OR restaurant_id = %(theirs)s",
            "delete": "DELETE FROM {} WHERE %(all)s OR restaurant_id = %(theirs)s",
            "move": "UPDATE {} SET restaurant_id = %(theirs)s WHERE restaurant_id = %(mine)s",
        }
        params = {"all": cell.mine is None, "theirs": cell.theirs, "mine": cell.mine}
        return app.execute(sql.SQL(statements[cell.command]).format(table), params).rowcount

    def passed(self, cell: Cell, rows: int | None, refusal: str | None) -> bool:
        if cell.command == "select":
            expected = 0 if cell.mine is None else self.counts.get((cell.table, cell.mine), 0)
            return refusal is None and rows == expected and (cell.mine is None or expected > 0)
        if cell.command in ("update", "delete"):
            return refusal is not None or rows == 0
        return refusal is not None  # insert, move: refused

    def record(
        self, op: Operation, cell: Cell, rows: int | None, refusal: str | None, passed: bool
    ) -> None:
        self.matrix.cells += 1
        if refusal is not None:
            self.matrix.refusals[refusal] += 1
        if not passed:
            self.matrix.failed.append(
                f"{cell.command} {cell.table} as {cell.mine}: {rows} {refusal}"
            )
        outcome: Outcome = "fail" if refusal else "ok"
        self.history.complete(op, outcome, {"rows": rows, "refusal": refusal, "passed": passed})


# --- the bleed test over the pool ------------------------------------------------------------

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


def in_threads(target: Callable[[int, int, int], None], plan: Plan, total: int) -> None:
    """`target(number, count, seed)` in `plan.threads` threads sharing `total` between them."""
    share = -(-total // plan.threads)
    threads = [
        threading.Thread(target=target, args=(n, share, plan.seed), name=f"isolation-{n}")
        for n in range(plan.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def bleed_pool(
    stage: Stage, tenants: list[Tenant], expected: Counts, plan: Plan, history: History
) -> Findings:
    with stage.database(pool_size=2) as db:
        bleeder = Bleeder(db, tenants, expected, history)
        in_threads(bleeder.run, plan, plan.transactions)
    return bleeder.findings


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


def bleed_http(
    stage: Stage, tenants: list[Tenant], plan: Plan, history: History, out: Path | None
) -> Findings:
    with running(stage, out, pool_size=2, worker=False) as processes:
        reader = Reader(tenants, processes.base_url, history)
        in_threads(reader.run, plan, plan.http_requests)
    return reader.findings


# --- the scenario ----------------------------------------------------------------------------


@contextmanager
def owner_connection(stage: Stage) -> Iterator[OwnerConnection]:
    with psycopg.connect(stage.owner_conninfo, autocommit=True) as conn:
        yield conn


@contextmanager
def timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds[phase] = round(time.perf_counter() - started, 1)


def prepare_rows(stage: Stage, plan: Plan) -> None:
    defaults = Settings(database_url=stage.owner_conninfo).policy_defaults()
    with stage.database(pool_size=2) as db:
        for number, restaurant in enumerate(stage.restaurants, start=1):
            seed(db, restaurant, number, plan.bookings_per_restaurant, defaults)


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Run the scenario on a stage of at least two restaurants (three for the bleed test)."""
    assert len(stage.restaurants) >= 2, "prepare at least two restaurants"
    seconds: dict[str, float] = {}
    with timed(seconds, "seed"):
        prepare_rows(stage, plan)
    history = History(out / "history.jsonl" if out else None)
    with history, owner_connection(stage) as owner:
        with timed(seconds, "audit_and_matrix"):
            tables = tenant_tables(owner)
            problems = audit(owner, stage.app_conninfo, tables)
            found = tenants(owner, stage)
            matrix = MatrixRunner(stage, owner, history).run(tables, [t.id for t in found])
        expected = owner_counts(owner, list(READ_TABLES))
        with timed(seconds, "pool"):
            pool = bleed_pool(stage, found, expected, plan, history)
        with timed(seconds, "http"):
            http = bleed_http(stage, found, plan, history, out)
        figures = summarise(tables, problems, matrix, pool, http)
        figures["latency_ms"] = latencies(history)
    figures["seconds"] = seconds
    return figures


def summarise(
    tables: list[str], problems: list[str], matrix: Matrix, pool: Findings, http: Findings
) -> dict[str, Any]:
    zeros = {
        "audit_problems": len(problems),
        "matrix_failed_cells": len(matrix.failed),
        "matrix_unchecked_tables": len(matrix.unchecked),
        "matrix_rows_changed": len(matrix.rows_changed),
        **pool.zeros(POOL_PROBLEMS),
        **http.zeros(HTTP_PROBLEMS),
    }
    examples = problems + matrix.failed + matrix.unchecked + matrix.rows_changed
    for findings in (pool, http):
        examples += [p for found in findings.problems.values() for p in found]
    checked = matrix.cells and pool.counts["rows_seen"] and http.counts["rows_seen"]
    return {
        "tenant_tables": len(tables),
        "matrix_cells": matrix.cells,
        "matrix_refusals": dict(matrix.refusals),
        "transactions": pool.counts["transactions"],
        "committed": pool.counts["commit"],
        "rollbacks": pool.counts["rollback"],
        "statement_errors": pool.counts["error"],
        "transactions_by_path": {k: n for k, n in sorted(pool.counts.items()) if ":" in k},
        "rows_checked": pool.counts["rows_seen"],
        "http_requests": http.counts["requests"],
        "http_rows_checked": http.counts["rows_seen"],
        **zeros,
        "problems": examples[:20],
        "valid": bool(checked) and not any(zeros.values()),
    }
