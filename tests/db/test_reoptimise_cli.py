"""`maitred assign-day` against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from maitred.cli import app
from maitred.settings import get_settings

SAMPLES = Path(__file__).parents[2] / "src" / "maitred" / "samples"


@pytest.fixture
def cli(test_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MAITRED_DATABASE_URL", test_db.owner_conninfo)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def imported(cli: CliRunner) -> str:
    venue = cli.invoke(app, ["venue", "import", str(SAMPLES / "corner_house.yaml")])
    rid = venue.stdout.strip().splitlines()[-1]
    friday = str(SAMPLES / "friday.csv")
    assert cli.invoke(app, ["bookings", "import", friday, "--restaurant", rid]).exit_code == 0
    return rid


def test_assign_day_optimal_then_reoptimise(cli: CliRunner) -> None:
    rid = imported(cli)
    day = ["assign-day", "--restaurant", rid, "--date", "2026-11-27"]
    dry = cli.invoke(app, [*day, "--strategy", "optimal", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    preview = json.loads(dry.stdout)
    assert (preview["strategy"], preview["dry_run"], preview["written"]) == ("optimal", True, 0)
    greedy = preview["optimiser"]["greedy_metrics"]["seated_covers"]
    assert preview["metrics"]["seated_covers"] > greedy
    result = cli.invoke(app, [*day, "--strategy", "optimal", "--time-limit", "8"])
    assert result.exit_code == 0, result.output
    assert "seated covers" in result.stdout
    assert f"{preview['metrics']['seated_covers']} of" in result.stdout
    assert "Not seated" in result.stdout
    again = cli.invoke(app, [*day, "--strategy", "optimal", "--reoptimise", "--json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["metrics"]["seated_covers"] >= preview["metrics"]["seated_covers"]
    assert all(not a["moved"] for a in report["assignments"] if a["pinned"])


def test_assign_day_refuses_bad_options(cli: CliRunner) -> None:
    rid = imported(cli)
    day = ["assign-day", "--restaurant", rid, "--date", "2026-11-27"]
    result = cli.invoke(app, [*day, "--reoptimise"])
    assert result.exit_code == 1
    assert "INVALID_REQUEST" in result.output
    bad_date = ["assign-day", "--restaurant", rid, "--date", "friday"]
    assert cli.invoke(app, bad_date).exit_code == 2
