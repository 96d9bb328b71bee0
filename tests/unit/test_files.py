"""Floor-plan and bookings files: every problem reported with its place, round trips exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from maitred.formats.bookings_file import load_bookings, parse_bookings
from maitred.formats.floorplan import dump_floorplan, load_floorplan, parse_floorplan
from maitred.formats.problems import FileInvalid

SAMPLES = Path(__file__).parents[2] / "src" / "maitred" / "samples"

BROKEN_FLOOR = """\
restaurant: {name: Corner House, timezone: Europe/Lodnon}
policy:
  services:
    - {name: dinner, start: "17:00", end: "22:00", days: [fri, funday]}
  max_tables_per_combination: 9
zones:
  - name: Main
    tables:
      - {label: T1, capacity: 2}
      - {label: T1, capacity: 4}
      - {label: T3, capacity: 4, min_party: 5}
      - {label: T4, capacity: 0}
    adjacency: [[T1, T9], [T3, T3], [T3, P1]]
  - name: Patio
    tables:
      - {label: P1, capacity: 4, seats: 4}
"""


def codes(exc: FileInvalid) -> list[tuple[str, str]]:
    return [(p.location, p.code) for p in exc.problems]


def test_a_floor_plan_schema_error_reports_every_field_with_its_line() -> None:
    with pytest.raises(FileInvalid) as caught:
        parse_floorplan(BROKEN_FLOOR)
    found = codes(caught.value)
    assert ("line 1, restaurant.timezone", "INVALID_VALUE") in found
    assert ("line 12, zones[0].tables[3].capacity", "INVALID_VALUE") in found
    assert ("line 16, zones[1].tables[0].seats", "INVALID_VALUE") in found
    assert len(found) == 3  # rules on values are checked once the shape is right


def test_a_well_shaped_floor_plan_reports_every_rule_it_breaks() -> None:
    text = BROKEN_FLOOR.replace("Lodnon", "London").replace("capacity: 0", "capacity: 2")
    text = text.replace(", seats: 4", "")
    with pytest.raises(FileInvalid) as caught:
        parse_floorplan(text)
    found = codes(caught.value)
    assert found == [
        ("line 4, policy.services[0].days[1]", "INVALID_POLICY"),
        ("line 5, policy.max_tables_per_combination", "INVALID_POLICY"),
        ("line 9, zones[0].tables[0]", "DUPLICATE_LABEL"),
        ("line 10, zones[0].tables[1]", "DUPLICATE_LABEL"),
        ("line 11, zones[0].tables[2]", "PARTY_LIMITS_INVALID"),
        ("line 13, zones[0].adjacency[0]", "UNKNOWN_TABLE"),
        ("line 13, zones[0].adjacency[1]", "SELF_ADJACENCY"),
        ("line 13, zones[0].adjacency[2]", "ZONE_MISMATCH"),
    ]


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(FileInvalid) as caught:
        parse_floorplan("restaurant: {name: X\nzones: [")
    assert caught.value.problems[0].code == "SYNTAX_ERROR"
    assert caught.value.problems[0].location.startswith("line ")


def test_the_sample_floor_round_trips_through_yaml_and_json() -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    assert len(floor.venue.tables) == 40
    assert len(floor.venue.zones) == 3
    for fmt in ("yaml", "json"):
        again = parse_floorplan(dump_floorplan(floor.spec, fmt))  # type: ignore[arg-type]
        assert again.spec == floor.spec
        assert again.venue == floor.venue


def test_json_floor_plans_get_line_numbers_too() -> None:
    document = yaml.safe_load(BROKEN_FLOOR.replace("Lodnon", "London"))
    text = json.dumps(document, indent=2)
    with pytest.raises(FileInvalid) as caught:
        parse_floorplan(text)
    assert all(p.location.startswith("line ") for p in caught.value.problems)
    assert any(p.location.endswith("zones[0].tables[3].capacity") for p in caught.value.problems)


def test_unquoted_times_in_yaml_are_times_not_numbers() -> None:
    text = (SAMPLES / "corner_house.yaml").read_text().replace("'17:00'", "17:00")
    floor = parse_floorplan(text)
    assert floor.policy.service_named("dinner").start.hour == 17


def test_policy_defaults_apply_where_the_file_is_silent() -> None:
    text = "restaurant: {name: X, timezone: UTC}\nzones: [{name: Main, tables: []}]\n"
    floor = parse_floorplan(text, {"buffer_minutes": 10, "slack_budget": 2})
    assert (floor.policy.buffer_minutes, floor.policy.slack_budget) == (10, 2)
    floor = parse_floorplan(
        text.replace("zones", "policy: {buffer_minutes: 5}\nzones"), {"buffer_minutes": 10}
    )
    assert floor.policy.buffer_minutes == 5


BROKEN_BOOKINGS = """\
ref,date,time,party_size,status,duration_minutes,pinned_tables
B1,2026-11-27,19:00,4,confirmed,,M9
B2,2026-11-27,25:00,4,,,
B3,2026-13-01,19:00,0,maybe,-5,
B1,2026-11-27,16:00,2,,,
B5,2026-11-27,19:30,2,,,M9+Z9
,2026-11-27,19:30,,,,
B7,2026-11-23,19:30,2,,,
B8,2026-11-27,19:30,2,,1441,
"""


def test_a_bookings_file_reports_every_problem_with_its_line() -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    labels = {t.label for t in floor.venue.tables}
    with pytest.raises(FileInvalid) as caught:
        parse_bookings(BROKEN_BOOKINGS, "csv", floor.policy, floor.timezone, labels)
    assert codes(caught.value) == [
        ("line 3, time", "INVALID_TIME"),
        ("line 4, date", "INVALID_DATE"),
        ("line 4, duration_minutes", "INVALID_DURATION"),
        ("line 4, party_size", "INVALID_PARTY_SIZE"),
        ("line 4, status", "INVALID_STATUS"),
        ("line 5, ref", "DUPLICATE_REF"),
        ("line 5, time", "OUTSIDE_SERVICE_HOURS"),
        ("line 6, pinned_tables", "UNKNOWN_TABLE"),
        ("line 7, party_size", "MISSING_FIELD"),
        ("line 7, ref", "MISSING_FIELD"),
        ("line 8, time", "OUTSIDE_SERVICE_HOURS"),
        ("line 9, duration_minutes", "INVALID_DURATION"),
    ]


def test_bookings_pinned_to_one_table_at_once_are_refused() -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    labels = {t.label for t in floor.venue.tables}
    text = (
        "ref,date,time,party_size,pinned_tables\n"
        "A,2026-11-27,19:00,4,M9\n"
        "B,2026-11-27,20:00,4,M10+M9\n"
        "C,2026-11-27,20:45,4,M9\n"  # A ends at 20:55 (105 + 10 minutes)
        "D,2026-11-27,21:00,4,M9\n"
    )
    with pytest.raises(FileInvalid) as caught:
        parse_bookings(text, "csv", floor.policy, floor.timezone, labels)
    assert codes(caught.value) == [
        ("line 3, pinned_tables", "TABLE_CONFLICT"),
        ("line 4, pinned_tables", "TABLE_CONFLICT"),
        ("line 5, pinned_tables", "TABLE_CONFLICT"),
    ]
    cancelled = text.replace("M10+M9", "M10").replace("20:45,4,M9", "20:45,4,M1")
    records = parse_bookings(cancelled, "csv", floor.policy, floor.timezone, labels)
    assert len(records) == 4


def test_json_lines_bookings_read_like_csv(tmp_path: Path) -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    path = tmp_path / "day.jsonl"
    lines = [
        {"ref": "J1", "date": "2026-11-27", "time": "19:00", "party_size": 2},
        {
            "ref": "J2",
            "date": "2026-11-27",
            "time": "19:00",
            "party_size": 5,
            "pinned_tables": "M17",
            "status": "seated",
            "duration_minutes": 150,
        },
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\nnot json\n")
    with pytest.raises(FileInvalid) as caught:
        load_bookings(path, floor)
    assert codes(caught.value) == [("line 4", "SYNTAX_ERROR")]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    bookings = load_bookings(path, floor)
    assert [b.ref for b in bookings] == ["J1", "J2"]
    assert bookings[1].tables == ("M17",)
    assert bookings[1].pinned
    assert bookings[1].window.minutes == 160


def test_the_sample_friday_is_a_busy_dinner() -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    bookings = load_bookings(SAMPLES / "friday.csv", floor)
    assert len(bookings) == 150
    assert {b.service for b in bookings} == {"dinner"}
    assert sum(b.party_size for b in bookings if b.active) > 350
    assert sum(1 for b in bookings if b.pinned) == 3
