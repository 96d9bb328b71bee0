"""Tenant isolation at CI size: the catalog audit, the table x command x tenant matrix through the
application role, and the pooled-connection bleed test over the pool and over HTTP
(maitred.reliability.isolation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maitred.reliability import isolation
from maitred.reliability.history import load
from maitred.reliability.stage import prepare

MUST_BE_ZERO = (
    "audit_problems",
    "matrix_failed_cells",
    "matrix_unchecked_tables",
    "matrix_rows_changed",
    "leaked_settings",
    "wrong_tenant_settings",
    "foreign_rows",
    "missing_rows",
    "http_foreign_rows",
    "http_missing_rows",
    "http_cross_tenant_not_refused",
    "http_unexpected_status",
)


def test_no_restaurant_sees_another_and_no_tenant_outlives_its_transaction(
    test_db: Any, tmp_path: Path, capsys: Any
) -> None:
    plan = isolation.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, restaurants=3)
    figures = isolation.run(stage, plan, tmp_path)
    with capsys.disabled():
        print(f"\nisolation: {json.dumps(figures, default=str)}")
    assert {name: figures[name] for name in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert figures["valid"]
    # Every tenant table, every ordered pair of the three restaurants, five commands each,
    # and four commands with no tenant: nothing was skipped.
    assert figures["matrix_cells"] == figures["tenant_tables"] * (6 * 5 + 4)
    assert figures["tenant_tables"] >= 16
    assert figures["transactions"] >= plan.transactions
    assert figures["rollbacks"] > 0
    assert figures["statement_errors"] > 0
    assert figures["http_requests"] >= plan.http_requests
    history = load(tmp_path / "history.jsonl")
    assert sum(1 for _ in history.completions("transaction")) == figures["transactions"]
