"""Error leakage at CI size, over HTTP against `maitred serve` (maitred.reliability.leakage):
every kind of database failure is really provoked, and no answer shows anything of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maitred.reliability import leakage
from maitred.reliability.stage import prepare


def test_database_failures_never_leak(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = leakage.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, restaurants=2)
    figures = leakage.run(stage, plan, tmp_path)
    with capsys.disabled():
        print(f"\nleakage: {json.dumps(figures, default=str)}")
    assert figures["leak_examples"] == []
    assert (figures["leaks"], figures["server_errors"]) == (0, 0)
    provoked = figures["provoked"]
    # Each round provokes four unique violations and one of each other kind, for certain.
    assert provoked["unique_violation"] == 4 * plan.rounds
    assert provoked["foreign_key_violation"] == plan.rounds
    assert provoked["exclusion_violation"] == plan.rounds
    assert provoked["deadlock"] >= plan.rounds
    assert provoked["serialization_failure"] >= plan.rounds
    retried = figures["retries_logged"]
    assert retried.get("deadlock", 0) == retried.get("serialization_failure", 0) == plan.rounds
    assert figures["deadlocks_counted_by_postgres"] >= plan.rounds
    assert figures["forbidden_strings"] > 30  # the database's constraint names are looked for
    assert figures["valid"]
    # The stage database is left as it was set.
    with test_db.owner() as conn:
        settings = conn.execute(
            "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = current_database()"
        ).fetchone()
    assert settings == (0,)
