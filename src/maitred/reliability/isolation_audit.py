"""Tenant isolation in the catalog and through the application role.

The catalog audit: every table of schema `public` carries `restaurant_id`, has row-level
security enabled and forced and a policy; every policy the application role falls under is
keyed on the tenant; neither login role can see through row-level security. The matrix: every
tenant table x command x ordered pair of restaurants (and no tenant at all), each cell rolled
back, the owner's row counts compared before and after.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from maitred.reliability.history import History, Operation, Outcome
from maitred.reliability.isolation_rows import Counts, OwnerConnection, owner_counts
from maitred.reliability.stage import Stage
from maitred.settings import APP_ROLE, WORKER_ROLE

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
