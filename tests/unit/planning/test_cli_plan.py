"""`maitred plan` and `maitred bench planner` on the sample floor, offline."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from maitred.cli import app
from maitred.formats.bookings_file import load_bookings
from maitred.formats.floorplan import load_floorplan

SAMPLES = Path(str(resources.files("maitred") / "samples"))
FLOOR = str(SAMPLES / "corner_house.yaml")
BOOKINGS = str(SAMPLES / "friday.csv")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def quote(*args: str) -> tuple[int, str, str]:
    return run("plan", "quote", FLOOR, BOOKINGS, "--date", "2026-11-27", *args)


def test_quote_json_is_the_format_of_the_design() -> None:
    code, out, _ = quote("--party", "4", "--time", "17:15", "--json", "--top", "3")
    assert code == 0
    answer = json.loads(out)
    assert set(answer) == {"plans", "reason", "alternative_times"}
    assert answer["reason"] is None
    assert len(answer["plans"]) == 3
    labels = {t.label for t in load_floorplan(Path(FLOOR)).venue.tables}
    for plan in answer["plans"]:
        assert set(plan) == {"tables", "empty_seats", "score", "explanation"}
        assert set(plan["tables"]) <= labels
        assert plan["explanation"].endswith(".")


def test_quote_prints_a_readable_table() -> None:
    code, out, _ = quote("--party", "2", "--time", "17:15", "--zone", "patio")
    assert code == 0
    assert "Corner House" in out
    assert "preferred zone Patio" in out


def test_quote_outside_service_offers_times_inside() -> None:
    code, out, _ = quote("--party", "2", "--time", "16:45", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["reason"] == "OUTSIDE_SERVICE_HOURS"
    assert answer["plans"] == []
    assert answer["alternative_times"][0] == "2026-11-27T17:00:00+00:00"


def test_quote_refuses_an_unknown_zone_or_table() -> None:
    code, _, err = quote("--party", "2", "--time", "19:00", "--zone", "roof")
    assert code == 2
    assert "roof" in err
    code, _, err = quote("--party", "2", "--time", "19:00", "--avoid", "Z99")
    assert code == 2


def test_day_json_seats_the_sample_friday() -> None:
    code, out, err = run("plan", "day", FLOOR, BOOKINGS, "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert set(plan) == {"assignments", "unseated", "metrics"}
    floor = load_floorplan(Path(FLOOR))
    active = [b for b in load_bookings(Path(BOOKINGS), floor) if b.active]
    metrics = plan["metrics"]
    assert metrics["bookings"] == len(active)
    assert metrics["covers"] == sum(b.party_size for b in active)
    assert metrics["seated_bookings"] == len(plan["assignments"])
    assert len(plan["assignments"]) + len(plan["unseated"]) == len(active)
    assert 0 < metrics["seat_utilisation"] <= 1
    expected = {b.ref: list(b.tables) for b in active if b.pinned}
    assert len(expected) == 3
    pinned = {a["ref"]: a["tables"] for a in plan["assignments"] if a["ref"] in expected}
    assert pinned == expected
    assert all(set(u) == {"ref", "party_size", "reason"} for u in plan["unseated"])


def test_day_prints_a_readable_report() -> None:
    code, out, _ = run("plan", "day", FLOOR, BOOKINGS, "--date", "2026-11-27")
    assert code == 0
    assert "Seated" in out
    assert "(pinned)" in out


def test_an_invalid_file_lists_its_problems(tmp_path: Path) -> None:
    broken = tmp_path / "floor.yaml"
    broken.write_text("restaurant: {name: X, timezone: Nowhere/City}\nzones: []\n")
    code, _, err = run("plan", "day", str(broken), BOOKINGS)
    assert code == 2
    assert "INVALID_REQUEST" in err


def test_bench_planner_prints_its_table() -> None:
    code, out, _ = run("bench", "planner", "--tables", "20", "--bookings", "0,40", "--quotes", "5")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| 20 |")]
    assert len(rows) == 2
    assert out.splitlines()[0].startswith("| tables | bookings | k |")
