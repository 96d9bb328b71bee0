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

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from maitred.reliability.bleed import HTTP_PROBLEMS, POOL_PROBLEMS, Bleeder, Findings, Reader
from maitred.reliability.history import History
from maitred.reliability.isolation_audit import Matrix, MatrixRunner, audit, tenant_tables
from maitred.reliability.isolation_rows import (
    READ_TABLES,
    Counts,
    OwnerConnection,
    Tenant,
    owner_counts,
    seed,
    tenants,
)
from maitred.reliability.report import latencies
from maitred.reliability.stage import Stage, running
from maitred.settings import Settings


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


# --- the bleed test, over the pool and through the server ---------------------------------


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
