"""Importing floors and bookings: validated whole, written whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.domain.errors import NotFound
from maitred.formats.floorplan import dump_floorplan, load_floorplan, parse_floorplan
from maitred.formats.problems import FileInvalid
from maitred.services.bookings import import_bookings
from maitred.services.venues import export_floorplan, import_floorplan, load_venue

SAMPLES = Path(__file__).parents[2] / "src" / "maitred" / "samples"


def counts(test_db: Any) -> dict[str, int]:
    tables = (
        "restaurants",
        "zones",
        "dining_tables",
        "adjacency",
        "policies",
        "bookings",
        "allocations",
    )
    with test_db.owner() as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_the_sample_floor_round_trips_through_the_database(db: Database) -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    rid = import_floorplan(db, floor)
    exported = export_floorplan(db, rid)
    assert exported == floor.spec.canonical()
    assert exported != floor.spec  # the sample lists some edges larger label first
    again = import_floorplan(db, parse_floorplan(dump_floorplan(exported)))
    assert export_floorplan(db, again) == exported
    snapshot = load_venue(db, rid, {})
    assert len(snapshot.venue.tables) == 40
    assert len(snapshot.venue.adjacency) == len(floor.venue.adjacency)
    assert snapshot.venue.policy == floor.policy


def test_an_invalid_floor_writes_nothing(db: Database, test_db: Any) -> None:
    before = counts(test_db)
    text = (SAMPLES / "corner_house.yaml").read_text()
    broken = text.replace("{label: M2, capacity: 2}", "{label: M1, capacity: 2}")
    with pytest.raises(FileInvalid):
        import_floorplan(db, parse_floorplan(broken))
    assert counts(test_db) == before


def test_sample_bookings_import_with_their_pinned_tables(db: Database, test_db: Any) -> None:
    rid = import_floorplan(db, load_floorplan(SAMPLES / "corner_house.yaml"))
    text = (SAMPLES / "friday.csv").read_text()
    summary = import_bookings(db, rid, text, "csv", {})
    assert (summary.bookings, summary.pinned) == (150, 3)
    with db.tenant(rid) as conn:
        rows = conn.execute(
            "SELECT b.ref, t.label, a.kind, a.time_window = b.time_window AS same_window"
            " FROM allocations a JOIN bookings b USING (restaurant_id, booking_id)"
            " JOIN dining_tables t USING (restaurant_id, table_id) ORDER BY b.ref, t.label"
        ).fetchall()
    assert [(r["ref"], r["label"]) for r in rows] == [
        ("F023", "M17"),
        ("F036", "M15"),
        ("F128", "B7"),
        ("F128", "B8"),
    ]
    assert all(r["kind"] == "assignment" and r["same_window"] for r in rows)


def test_a_bookings_file_with_problems_writes_nothing(
    db: Database, test_db: Any, make_restaurant: Callable[[str], UUID]
) -> None:
    rid = make_restaurant("A")
    import_bookings(
        db, rid, "ref,date,time,party_size,pinned_tables\nX1,2026-11-27,19:00,2,T1\n", "csv", {}
    )
    before = counts(test_db)
    text = (
        "ref,date,time,party_size,pinned_tables\n"
        "X2,2026-11-27,19:00,2,\n"
        "X1,2026-11-27,20:00,2,\n"  # the ref exists already
        "X3,2026-11-27,19:30,2,T1\n"  # T1 is taken by X1 until 20:45
        "X4,2026-11-27,12:30,2,T1\n"
    )
    with pytest.raises(FileInvalid) as caught:
        import_bookings(db, rid, text, "csv", {})
    assert [(p.location, p.code) for p in caught.value.problems] == [
        ("line 3, ref", "DUPLICATE_REF"),
        ("line 4, pinned_tables", "TABLE_CONFLICT"),
    ]
    assert counts(test_db) == before


def test_another_restaurants_id_is_not_found(
    db: Database, make_restaurant: Callable[[str], UUID]
) -> None:
    make_restaurant("A")
    with pytest.raises(NotFound):
        export_floorplan(db, UUID("00000000-0000-4000-8000-000000000000"))
    with pytest.raises(NotFound):
        import_bookings(db, UUID(int=7), "ref,date,time,party_size\n", "csv", {})


def test_venue_version_moves_with_every_floor_change(
    db: Database, make_restaurant: Callable[[str], UUID]
) -> None:
    rid = make_restaurant("A")
    with db.tenant(rid) as conn:

        def version() -> int:
            row = conn.execute("SELECT venue_version FROM restaurants").fetchone()
            assert row is not None
            return int(row["venue_version"])

        seen = [version()]
        conn.execute("UPDATE dining_tables SET capacity = 3 WHERE label = 'T1'")
        seen.append(version())
        conn.execute("DELETE FROM adjacency WHERE true")
        seen.append(version())
        conn.execute("UPDATE zones SET name = 'Inside' WHERE name = 'Main'")
        seen.append(version())
        conn.execute(
            "INSERT INTO policies (restaurant_id, version, document) VALUES (%s, 2, '{}')", [rid]
        )
        seen.append(version())
        conn.execute("UPDATE bookings SET party_size = 3")  # not a venue change
        seen.append(version())
    assert seen == sorted(seen)
    assert len(set(seen)) == 5
