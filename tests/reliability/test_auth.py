"""The authentication and authorisation matrix at CI size, over HTTP against `maitred serve`
(maitred.reliability.auth): every refusal is the documented one, on every keyed route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maitred.reliability import auth
from maitred.reliability.stage import prepare


def test_every_route_refuses_as_documented(test_db: Any, tmp_path: Path, capsys: Any) -> None:
    plan = auth.Plan.ci()
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo, restaurants=2)
    figures = auth.run(stage, plan, tmp_path)
    with capsys.disabled():
        print(f"\nauth: {json.dumps(figures, default=str)}")
    assert figures["mismatch_examples"] == []
    assert (figures["mismatches"], figures["state_changes"], figures["server_errors"]) == (0, 0, 0)
    assert figures["routes"] >= 45
    # Every kind of refusal was really sent, on most routes.
    by_kind = figures["requests_by_kind"]
    assert min(by_kind.values()) > 0, by_kind
    assert by_kind["no_key"] == figures["routes"] * plan.rounds
    assert by_kind["forbidden"] >= 40
    assert figures["valid"]
