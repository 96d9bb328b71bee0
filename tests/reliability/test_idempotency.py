"""The Idempotency-Key protocol of confirm at CI size, over HTTP against `maitred serve`
(maitred.reliability.idempotency): every property holds in every run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maitred.reliability import idempotency
from maitred.reliability.stage import prepare

MUST_BE_ZERO = (
    "property_failures",
    "overlaps",
    "lost_confirms",
    "phantom_confirms",
    "replay_mismatches",
    "server_errors",
)


def test_idempotency_keys_over_http(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = idempotency.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, restaurants=2)
    figures = idempotency.run(stage, plan, tmp_path)
    with capsys.disabled():
        print(f"\nidempotency: {json.dumps(figures, default=str)}")
    assert {name: figures[name] for name in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert figures["passed"] == dict.fromkeys(idempotency.PROPERTIES, plan.runs)
    assert figures["keys_with_replays"] >= plan.runs  # every run's key was answered twice
    assert (tmp_path / "history.jsonl").stat().st_size > 0
    assert figures["valid"]
