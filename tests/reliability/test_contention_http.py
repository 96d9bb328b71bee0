"""Scenarios 1-3 at CI size: contention over HTTP, the same with faults, and confirms racing the
sweeper. Each records a history and checks it against the database (maitred.reliability)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maitred.reliability import contention, sweeper_race
from maitred.reliability.history import load
from maitred.reliability.stage import prepare

MUST_BE_ZERO = (
    "overlaps",
    "lost_confirms",
    "phantom_confirms",
    "cancelled_not_freed",
    "replay_mismatches",
    "server_errors",
)


def _show(capsys: Any, name: str, figures: dict[str, Any]) -> None:
    with capsys.disabled():
        print(f"\n{name}: {json.dumps(figures, default=str)}")


def _assert_clean(figures: dict[str, Any]) -> None:
    assert {name: figures[name] for name in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert figures["valid"]


def test_contention_over_http(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = contention.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, client_keys=plan.clients)
    figures = contention.run(stage, plan, tmp_path)
    _show(capsys, "contention", figures)
    _assert_clean(figures)
    assert figures["operations"] >= plan.clients * plan.operations
    assert figures["confirmed"] > 200
    assert figures["keys_with_replays"] > 20
    # The history on disk is the one that was checked: every completion follows its invoke.
    history = load(tmp_path / "history.jsonl")
    invoked = {r["index"] for r in history.records if r["type"] == "invoke"}
    assert all(r["invoke_index"] in invoked for r in history.completions())


def test_contention_with_faults(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = contention.Plan.ci(faults=True)
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, client_keys=plan.clients)
    figures = contention.run(stage, plan, tmp_path)
    _show(capsys, "faults", figures)
    _assert_clean(figures)
    assert figures["faults"].get("terminate-backend", 0) > 0
    assert figures["faults"].get("client-timeout", 0) > 0
    assert figures["faults"].get("kill-worker", 0) > 0
    assert figures["outcomes"].get("info", 0) > 0  # some calls really were left without answer


def test_confirms_racing_the_sweeper(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = sweeper_race.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, client_keys=plan.lanes)
    figures = sweeper_race.run(stage, plan, tmp_path)
    _show(capsys, "sweeper race", figures)
    _assert_clean(figures)
    answers = figures["answers"]
    assert sum(answers.values()) == plan.runs
    # Both sides of the race were reached: some confirmed in time, some found the hold gone.
    assert answers.get("confirmed", 0) > 0
    assert answers.get("HOLD_EXPIRED", 0) + answers.get("HOLD_NOT_FOUND", 0) > 0
