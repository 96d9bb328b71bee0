"""The command line against a real database, as a script or a person would use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from maitred.cli import app
from maitred.db import migrate
from maitred.formats.floorplan import load_floorplan, parse_floorplan
from maitred.services.api_keys import authenticate
from maitred.settings import get_settings

SAMPLES = Path(__file__).parents[2] / "src" / "maitred" / "samples"


@pytest.fixture
def cli(test_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MAITRED_DATABASE_URL", test_db.owner_conninfo)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_venue_import_export_and_bookings_import(cli: CliRunner, test_db: Any) -> None:
    result = cli.invoke(app, ["venue", "import", str(SAMPLES / "corner_house.yaml")])
    assert result.exit_code == 0, result.output
    rid = UUID(last_line(result.stdout))
    exported = cli.invoke(app, ["venue", "export", str(rid)])
    assert exported.exit_code == 0, exported.output
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    assert parse_floorplan(exported.stdout).spec == floor.spec.canonical()
    as_json = cli.invoke(app, ["venue", "export", str(rid), "--format", "json"])
    assert parse_floorplan(as_json.stdout).spec == floor.spec.canonical()
    imported = cli.invoke(
        app, ["bookings", "import", str(SAMPLES / "friday.csv"), "--restaurant", str(rid)]
    )
    assert imported.exit_code == 0, imported.output
    assert "Imported 150 bookings" in imported.stdout


def test_keys_create_prints_the_key_alone_on_the_last_line(cli: CliRunner, test_db: Any) -> None:
    rid = last_line(cli.invoke(app, ["venue", "import", str(SAMPLES / "corner_house.yaml")]).stdout)
    result = cli.invoke(app, ["keys", "create", "--restaurant", rid, "--role", "host"])
    assert result.exit_code == 0, result.output
    key = last_line(result.stdout)
    assert key.startswith("mtd_")
    assert " " not in key
    principal = authenticate(test_db.db, key)
    assert (str(principal.restaurant_id), principal.role.value) == (rid, "host")
    listed = cli.invoke(app, ["keys", "list", "--restaurant", rid])
    assert str(principal.key_id) in listed.stdout
    assert key not in listed.stdout


def test_an_invalid_file_lists_its_problems_and_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "floor.yaml"
    text = (SAMPLES / "corner_house.yaml").read_text()
    sixes = text.count("capacity: 6, min_party: 3}")
    assert sixes >= 2
    broken.write_text(text.replace("capacity: 6, min_party: 3}", "capacity: 6, min_party: 9}"))
    result = cli.invoke(app, ["venue", "import", str(broken)])
    assert result.exit_code == 2
    assert result.output.count("PARTY_LIMITS_INVALID") == sixes


def test_unknown_restaurant_is_not_found(cli: CliRunner) -> None:
    result = cli.invoke(app, ["venue", "export", str(UUID(int=1))])
    assert result.exit_code == 1
    assert "NOT_FOUND" in result.output
    result = cli.invoke(app, ["venue", "export", "not-a-uuid"])
    assert result.exit_code == 2


def test_demo_imports_the_sample_and_exits(cli: CliRunner) -> None:
    result = cli.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Corner House" in result.stdout
    assert "Fri 2026-11-27" in result.stdout
    assert "150 bookings imported, 3 pinned" in result.stdout
    assert "Auto-assigned Fri 2026-11-27 with the optimiser" in result.stdout
    assert "greedy beside the optimiser" in result.stdout
    assert "proven optimal" in result.stdout or "bound" in result.stdout


def test_migrate_reports_the_revision(cli: CliRunner) -> None:
    result = cli.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"revision {migrate.head_revision()}" in result.stdout
