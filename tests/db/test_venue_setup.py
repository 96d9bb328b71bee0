"""Venue setup on a real database: zones, tables, adjacency, policy and floor-plan replacement.

The restaurant is the small floor of tests/db/conftest.py: Main (T1, T2, T3, B1; edges T1-T2,
T2-T3) and Patio (P1), policy version 1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row

from maitred.db.database import Database
from maitred.db.repositories import venues as venue_rows
from maitred.domain.errors import (
    Conflict,
    InvalidRequest,
    MaitredError,
    NotFound,
    PolicyInvalid,
    TableInUse,
    ZoneMismatch,
    ZoneNotEmpty,
)
from maitred.formats.floorplan import dump_floorplan, parse_floorplan
from maitred.services import venue_setup as setup
from maitred.services.floor import read_floor
from maitred.services.venues import export_floorplan
from support.lifecycle import expire_holds, ids
from support.rows import allocate, at


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


@pytest.fixture
def zones(db: Database, rid: UUID) -> dict[str, str]:
    """Zone ids by name."""
    return {z["name"]: z["id"] for z in setup.list_zones(db, rid)}


def version(db: Database, rid: UUID) -> int:
    with db.tenant(rid) as conn:
        return venue_rows.venue_version(conn, rid)


def events(test_db: Any) -> list[dict[str, Any]]:
    """Every venue.changed event of every restaurant, oldest first."""
    with test_db.owner() as conn:
        rows = conn.execute(
            "SELECT restaurant_id, aggregate_id, dedupe_key, payload FROM capacity_outbox"
            " WHERE event_type = 'venue.changed' ORDER BY created_at"
        ).fetchall()
    return [{"restaurant_id": r[0], "aggregate_id": r[1], "dedupe_key": r[2], **r[3]} for r in rows]


def state(db: Database, rid: UUID) -> tuple[Any, ...]:
    """Everything venue setup can change, to compare before and after a refused change."""
    return (
        export_floorplan(db, rid),
        version(db, rid),
        setup.policy_versions(db, rid),
        setup.list_tables(db, rid),
        setup.list_zones(db, rid),
    )


def edge_labels(db: Database, rid: UUID) -> list[list[str]]:
    """The edges as label pairs, each pair sorted (a view orders a pair by table id)."""
    return [sorted(e["labels"]) for e in setup.list_edges(db, rid)]


def place(db: Database, rid: UUID, label: str, *kinds: str) -> None:
    """Allocations of these kinds on a table, an hour apart."""
    table = UUID(ids(db, rid)[label])
    with db.tenant(rid) as conn:
        for hour, kind in enumerate(kinds):
            allocate(conn, rid, table, kind, at(60 * hour), at(60 * hour + 30))


# Zones ----------------------------------------------------------------------------------------


def test_zones_are_listed_created_updated_and_deleted(db: Database, rid: UUID) -> None:
    assert [(z["name"], z["position"], z["tables"]) for z in setup.list_zones(db, rid)] == [
        ("Main", 0, 4),
        ("Patio", 1, 1),
    ]
    bar = setup.create_zone(db, rid, name="Bar")
    assert bar == {"id": bar["id"], "name": "Bar", "position": 2, "tables": 0}
    UUID(bar["id"])
    moved = setup.update_zone(db, rid, UUID(bar["id"]), name="Cocktail bar", position=-1)
    assert moved == {**bar, "name": "Cocktail bar", "position": -1}
    assert [z["name"] for z in setup.list_zones(db, rid)] == ["Cocktail bar", "Main", "Patio"]
    setup.delete_zone(db, rid, UUID(bar["id"]))
    assert [z["name"] for z in setup.list_zones(db, rid)] == ["Main", "Patio"]
    with pytest.raises(NotFound):
        setup.delete_zone(db, rid, UUID(bar["id"]))


def test_a_zone_with_tables_is_not_deleted(db: Database, rid: UUID, zones: dict[str, str]) -> None:
    before = state(db, rid)
    with pytest.raises(ZoneNotEmpty) as refused:
        setup.delete_zone(db, rid, UUID(zones["Main"]))
    assert refused.value.code == "ZONE_NOT_EMPTY"
    assert refused.value.details["tables"] == 4
    assert "4 tables" in refused.value.message
    assert state(db, rid) == before


def test_zone_names_are_unique_and_checked(db: Database, rid: UUID, zones: dict[str, str]) -> None:
    with pytest.raises(Conflict):
        setup.create_zone(db, rid, name="Main")
    with pytest.raises(Conflict):
        setup.update_zone(db, rid, UUID(zones["Patio"]), name="Main")
    with pytest.raises(InvalidRequest) as invalid:
        setup.create_zone(db, rid, name="x" * 61)
    assert [p["path"] for p in invalid.value.details["problems"]] == ["name"]
    with pytest.raises(InvalidRequest):
        setup.update_zone(db, rid, UUID(zones["Patio"]), name="")


# Tables ---------------------------------------------------------------------------------------


def test_a_new_table_goes_last_in_its_zone(db: Database, rid: UUID, zones: dict[str, str]) -> None:
    view = setup.create_table(db, rid, label="P2", zone_id=UUID(zones["Patio"]), capacity=4)
    assert view == {
        "id": view["id"],
        "label": "P2",
        "zone_id": zones["Patio"],
        "zone": "Patio",
        "capacity": 4,
        "min_party": 1,
        "max_party": None,
        "mergeable": True,
        "active": True,
        "priority": 0,
        "position": 1,
    }
    assert setup.get_table(db, rid, UUID(view["id"])) == view
    assert [t["label"] for t in setup.list_tables(db, rid)] == ["T1", "T2", "T3", "B1", "P1", "P2"]
    assert setup.list_zones(db, rid)[1]["tables"] == 2


def test_table_fields_follow_the_floor_plan_rules(
    db: Database, rid: UUID, zones: dict[str, str]
) -> None:
    patio = UUID(zones["Patio"])
    with pytest.raises(InvalidRequest) as shape:
        setup.create_table(db, rid, label="x" * 41, zone_id=patio, capacity=0)
    assert sorted(p["path"] for p in shape.value.details["problems"]) == ["capacity", "label"]
    with pytest.raises(InvalidRequest) as limits:
        setup.create_table(db, rid, label="P2", zone_id=patio, capacity=4, min_party=6, max_party=5)
    assert [p["path"] for p in limits.value.details["problems"]] == ["min_party", "max_party"]
    t1 = UUID(ids(db, rid)["T1"])
    with pytest.raises(InvalidRequest) as unknown:
        setup.update_table(db, rid, t1, {"capacity": 3, "seats": 3})
    assert [p["path"] for p in unknown.value.details["problems"]] == ["seats"]
    with pytest.raises(InvalidRequest):  # T3 has min_party 3: two seats cannot hold it
        setup.update_table(db, rid, UUID(ids(db, rid)["T3"]), {"capacity": 2, "max_party": None})
    assert setup.get_table(db, rid, t1)["capacity"] == 2


def test_labels_are_unique(db: Database, rid: UUID, zones: dict[str, str]) -> None:
    with pytest.raises(Conflict):
        setup.create_table(db, rid, label="T1", zone_id=UUID(zones["Patio"]), capacity=2)
    with pytest.raises(Conflict):
        setup.update_table(db, rid, UUID(ids(db, rid)["P1"]), {"label": "T1"})


def test_a_table_changes_only_what_it_is_given(db: Database, rid: UUID) -> None:
    t3 = UUID(ids(db, rid)["T3"])
    before = setup.get_table(db, rid, t3)
    view = setup.update_table(
        db, rid, t3, {"capacity": 5, "max_party": None, "active": False, "priority": 2}
    )
    assert view == {
        **before,
        "capacity": 5,
        "max_party": None,
        "active": False,
        "priority": 2,
        "removed_edges": [],
    }
    assert edge_labels(db, rid) == [["T1", "T2"], ["T2", "T3"]]


def test_moving_a_table_to_another_zone_removes_its_edges(
    db: Database, rid: UUID, zones: dict[str, str]
) -> None:
    t = ids(db, rid)
    setup.add_edge(db, rid, UUID(t["T1"]), UUID(t["T3"]))
    view = setup.update_table(db, rid, UUID(t["T3"]), {"zone_id": zones["Patio"]})
    # last in its new zone (it was third in Main), its edges gone with a note of them
    assert (view["zone"], view["zone_id"], view["position"]) == ("Patio", zones["Patio"], 1)
    assert [sorted(e["labels"]) for e in view["removed_edges"]] == [["T1", "T3"], ["T2", "T3"]]
    assert all(e["zone_id"] == zones["Main"] for e in view["removed_edges"])
    assert edge_labels(db, rid) == [["T1", "T2"]]
    assert setup.get_table(db, rid, UUID(t["T3"])) == {
        k: v for k, v in view.items() if k != "removed_edges"
    }
    back = setup.update_table(db, rid, UUID(t["T3"]), {"zone_id": zones["Main"], "position": 0})
    assert (back["zone"], back["position"], back["removed_edges"]) == ("Main", 0, [])


def test_a_table_moves_only_to_a_zone_of_its_restaurant(
    db: Database, rid: UUID, make_restaurant: Callable[[str], UUID]
) -> None:
    other = make_restaurant("Other Place")
    their_zone = setup.list_zones(db, other)[1]["id"]
    t2 = UUID(ids(db, rid)["T2"])
    before = state(db, rid)
    with pytest.raises(NotFound):
        setup.update_table(db, rid, t2, {"zone_id": their_zone})
    with pytest.raises(NotFound):
        setup.create_table(db, rid, label="X1", zone_id=UUID(their_zone), capacity=2)
    with pytest.raises(NotFound):
        setup.create_table(db, rid, label="X1", zone_id=uuid4(), capacity=2)
    assert state(db, rid) == before


def test_deleting_a_table_removes_its_edges(db: Database, rid: UUID) -> None:
    setup.delete_table(db, rid, UUID(ids(db, rid)["T2"]))
    assert [t["label"] for t in setup.list_tables(db, rid)] == ["T1", "T3", "B1", "P1"]
    assert edge_labels(db, rid) == []
    with pytest.raises(NotFound):
        setup.delete_table(db, rid, uuid4())


def test_a_table_with_allocations_is_not_deleted(db: Database, rid: UUID) -> None:
    place(db, rid, "T1", "hold", "assignment", "block")
    before = state(db, rid)
    with pytest.raises(TableInUse) as refused:
        setup.delete_table(db, rid, UUID(ids(db, rid)["T1"]))
    assert refused.value.code == "TABLE_IN_USE"
    assert "3 allocations" in refused.value.message
    assert "deactivate" in refused.value.message
    [busy] = refused.value.details["tables"]
    assert (busy["label"], busy["allocations"]) == ("T1", 3)
    assert (busy["holds"], busy["assignments"], busy["blocks"]) == (1, 1, 1)
    assert state(db, rid) == before


def test_an_expired_hold_does_not_keep_a_table(db: Database, test_db: Any, rid: UUID) -> None:
    place(db, rid, "B1", "hold")
    expire_holds(test_db)
    setup.delete_table(db, rid, UUID(ids(db, rid)["B1"]))
    assert "B1" not in ids(db, rid)
    with test_db.owner() as conn:
        assert conn.execute("SELECT count(*) FROM holds").fetchone() == (0,)


def blocked_by(test_db: Any, pid: int) -> bool:
    """Whether some backend waits for a lock held by backend `pid`."""
    with test_db.owner() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        ).fetchone()
    return bool(row and row[0])


def test_an_allocation_being_written_keeps_its_table(db: Database, test_db: Any, rid: UUID) -> None:
    t1 = UUID(ids(db, rid)["T1"])
    outcome: list[str] = []

    def delete() -> None:
        try:
            setup.delete_table(db, rid, t1)
            outcome.append("deleted")
        except MaitredError as exc:
            outcome.append(exc.code)

    with psycopg.connect(test_db.app_conninfo, row_factory=dict_row) as writer:
        writer.execute("SELECT set_config('app.restaurant_id', %s, true)", [str(rid)])
        allocate(writer, rid, t1, "block", at(0), at(30))  # not committed yet
        worker = threading.Thread(target=delete)
        worker.start()
        for _ in range(500):  # until the delete waits for the writer (a bound, not a timing)
            if blocked_by(test_db, writer.info.backend_pid):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the delete never waited for the allocation being written")
        writer.commit()
    worker.join()
    assert outcome == ["TABLE_IN_USE"]
    assert "T1" in ids(db, rid)


# Adjacency ------------------------------------------------------------------------------------


def test_edges_are_added_in_either_order_and_stored_once(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    first, second = sorted([t["T1"], t["T3"]])
    added = setup.add_edge(db, rid, UUID(second), UUID(first))
    label = {table_id: name for name, table_id in t.items()}
    assert (added["table_a"], added["table_b"]) == (first, second)
    assert added["labels"] == [label[first], label[second]]
    assert added["zone_id"] == setup.get_table(db, rid, UUID(first))["zone_id"]
    assert added in setup.list_edges(db, rid)
    assert edge_labels(db, rid) == [["T1", "T2"], ["T1", "T3"], ["T2", "T3"]]
    for a, b in ((first, second), (second, first)):
        with pytest.raises(Conflict):
            setup.add_edge(db, rid, UUID(a), UUID(b))


def test_edges_refuse_self_loops_and_other_zones(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    before = state(db, rid)
    with pytest.raises(InvalidRequest) as itself:
        setup.add_edge(db, rid, UUID(t["T1"]), UUID(t["T1"]))
    assert itself.value.code == "INVALID_REQUEST"
    with pytest.raises(ZoneMismatch) as zones:
        setup.add_edge(db, rid, UUID(t["T1"]), UUID(t["P1"]))
    assert zones.value.code == "ZONE_MISMATCH"
    assert sorted(zones.value.details["zones"]) == ["Main", "Patio"]
    with pytest.raises(NotFound):
        setup.add_edge(db, rid, UUID(t["T1"]), uuid4())
    assert state(db, rid) == before


def test_an_edge_is_removed_in_either_order(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    setup.remove_edge(db, rid, UUID(t["T3"]), UUID(t["T2"]))
    assert edge_labels(db, rid) == [["T1", "T2"]]
    setup.remove_edge(db, rid, UUID(t["T1"]), UUID(t["T2"]))
    assert edge_labels(db, rid) == []
    with pytest.raises(NotFound):
        setup.remove_edge(db, rid, UUID(t["T1"]), UUID(t["T2"]))


# Policy ---------------------------------------------------------------------------------------


def test_the_policy_shows_what_was_set_and_what_applies(db: Database, rid: UUID) -> None:
    view = setup.get_policy(db, rid, {"slack_budget": 2, "buffer_minutes": 5})
    assert view["version"] == 1
    assert view["document"]["buffer_minutes"] == 15
    assert "slack_budget" not in view["document"]
    assert view["effective"]["buffer_minutes"] == 15  # the restaurant's own value wins
    assert view["effective"]["slack_budget"] == 2  # the default fills the gap
    assert [s["name"] for s in view["effective"]["services"]] == ["lunch", "dinner"]


def test_replacing_the_policy_stores_a_new_version(db: Database, rid: UUID) -> None:
    document = {
        "services": [{"name": "dinner", "start": "18:00", "end": "23:00"}],
        "slack_budget": 1,
    }
    view = setup.replace_policy(db, rid, document, {})
    assert (view["version"], view["document"]) == (2, document)
    assert view["effective"]["slack_budget"] == 1
    assert view["effective"]["buffer_minutes"] == 0  # no longer set by the restaurant
    assert setup.get_policy(db, rid, {}) == view
    assert [v["version"] for v in setup.policy_versions(db, rid)] == [2, 1]
    again = setup.replace_policy(db, rid, document, {})
    assert again["version"] == 2  # the same document stores nothing new
    assert len(setup.policy_versions(db, rid)) == 2


def test_an_invalid_policy_lists_every_problem_and_stores_nothing(db: Database, rid: UUID) -> None:
    before = state(db, rid)
    document = {"slack_budget": -1, "adjacency_mode": "touching", "turn_times": []}
    with pytest.raises(PolicyInvalid) as invalid:
        setup.replace_policy(db, rid, document, {})
    paths = sorted(p["path"] for p in invalid.value.details["problems"])
    assert paths == ["adjacency_mode", "slack_budget", "turn_times"]
    assert invalid.value.code == "INVALID_REQUEST"
    # the defaults take part: a restaurant's TTL below the settings' minimum is refused
    with pytest.raises(PolicyInvalid):
        setup.replace_policy(db, rid, {"hold_ttl_seconds": 30}, {"hold_ttl_min_seconds": 60})
    assert state(db, rid) == before


# Versions, events and the floor cache ---------------------------------------------------------


def changes(db: Database, rid: UUID) -> list[tuple[str, Callable[[], object]]]:
    """One of every kind of venue change, in an order that lets each succeed."""
    t = ids(db, rid)
    patio = next(z["id"] for z in setup.list_zones(db, rid) if z["name"] == "Patio")
    made: dict[str, str] = {}

    def create_zone() -> None:
        made["zone"] = setup.create_zone(db, rid, name="Bar")["id"]

    def create_table() -> None:
        made["table"] = setup.create_table(db, rid, label="X1", zone_id=UUID(patio), capacity=2)[
            "id"
        ]

    return [
        ("zone.created", create_zone),
        ("zone.updated", lambda: setup.update_zone(db, rid, UUID(made["zone"]), position=9)),
        ("table.created", create_table),
        ("table.updated", lambda: setup.update_table(db, rid, UUID(t["T1"]), {"capacity": 3})),
        ("adjacency.added", lambda: setup.add_edge(db, rid, UUID(made["table"]), UUID(t["P1"]))),
        ("adjacency.removed", lambda: setup.remove_edge(db, rid, UUID(t["T1"]), UUID(t["T2"]))),
        ("table.deleted", lambda: setup.delete_table(db, rid, UUID(made["table"]))),
        ("zone.deleted", lambda: setup.delete_zone(db, rid, UUID(made["zone"]))),
        ("policy.replaced", lambda: setup.replace_policy(db, rid, {"slack_budget": 1}, {})),
    ]


def test_every_change_moves_the_venue_version_and_writes_one_event(
    db: Database, test_db: Any, rid: UUID
) -> None:
    assert events(test_db) == []
    versions = [version(db, rid)]
    whats = []
    for what, change in changes(db, rid):
        change()
        versions.append(version(db, rid))
        whats.append(what)
    assert versions == sorted(set(versions))  # strictly increasing
    written = events(test_db)
    assert [e["what"] for e in written] == whats
    assert [e["venue_version"] for e in written] == versions[1:]
    assert {(e["restaurant_id"], e["aggregate_id"]) for e in written} == {(rid, rid)}
    assert len({e["dedupe_key"] for e in written}) == len(written)


def test_a_change_that_changes_nothing_writes_nothing(
    db: Database, test_db: Any, rid: UUID, zones: dict[str, str]
) -> None:
    before = version(db, rid)
    t1 = UUID(ids(db, rid)["T1"])
    assert setup.update_table(db, rid, t1, {"capacity": 2})["capacity"] == 2
    assert setup.update_zone(db, rid, UUID(zones["Main"]), name="Main")["name"] == "Main"
    setup.replace_policy(db, rid, setup.get_policy(db, rid, {})["document"], {})
    assert version(db, rid) == before
    assert events(test_db) == []


def test_a_cached_floor_sees_every_change(db: Database, rid: UUID) -> None:
    def floor_tables() -> tuple[int, dict[str, int], int]:
        with db.tenant(rid) as conn:
            venue = read_floor(conn, rid, {}).venue
        return venue.version, {t.label: t.capacity for t in venue.tables}, len(venue.adjacency)

    first = floor_tables()
    assert first == floor_tables()  # served from the cache
    setup.update_table(db, rid, UUID(ids(db, rid)["T1"]), {"capacity": 3})
    second = floor_tables()
    assert second[0] > first[0]
    assert second[1]["T1"] == 3
    t = ids(db, rid)
    setup.remove_edge(db, rid, UUID(t["T1"]), UUID(t["T2"]))
    third = floor_tables()
    assert (third[0] > second[0], third[2]) == (True, 1)
    setup.replace_policy(db, rid, {"slack_budget": 0}, {})
    with db.tenant(rid) as conn:
        assert read_floor(conn, rid, {}).venue.policy.slack_budget == 0


# Another restaurant ---------------------------------------------------------------------------


def test_another_restaurants_ids_are_not_found_and_nothing_changes(
    db: Database, rid: UUID, make_restaurant: Callable[[str], UUID]
) -> None:
    other = make_restaurant("Other Place")
    t = ids(db, rid)
    main = next(z["id"] for z in setup.list_zones(db, rid) if z["name"] == "Main")
    mine, theirs = state(db, rid), state(db, other)
    attempts: list[Callable[[], object]] = [
        lambda: setup.get_table(db, other, UUID(t["T1"])),
        lambda: setup.update_table(db, other, UUID(t["T1"]), {"capacity": 3}),
        lambda: setup.delete_table(db, other, UUID(t["T1"])),
        lambda: setup.update_zone(db, other, UUID(main), name="Mine"),
        lambda: setup.delete_zone(db, other, UUID(main)),
        lambda: setup.add_edge(db, other, UUID(t["T1"]), UUID(t["T3"])),
        lambda: setup.remove_edge(db, other, UUID(t["T1"]), UUID(t["T2"])),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    unknown = uuid4()
    for read in (setup.list_zones, setup.list_tables, setup.list_edges, setup.policy_versions):
        with pytest.raises(NotFound):
            read(db, unknown)
    with pytest.raises(NotFound):
        setup.create_zone(db, unknown, name="Bar")
    assert (state(db, rid), state(db, other)) == (mine, theirs)


# Whole floor plans ----------------------------------------------------------------------------

NEW_FLOOR = """
restaurant: {name: Corner House Two, timezone: America/New_York}
policy:
  services:
    - {name: dinner, start: "17:00", end: "23:00"}
  slack_budget: 2
zones:
  - name: Patio
    tables:
      - {label: P1, capacity: 4}
      - {label: T2, capacity: 2}
      - {label: T3, capacity: 6, min_party: 3, max_party: 4}
    adjacency: [[T3, T2], [P1, T2]]
  - name: Bar
    tables:
      - {label: S1, capacity: 1}
      - {label: S2, capacity: 1, priority: 2}
    adjacency: [[S1, S2]]
  - name: Main
    tables:
      - {label: B1, capacity: 6, mergeable: false}
"""


def test_a_floor_plan_replaces_the_venue_in_place(db: Database, test_db: Any, rid: UUID) -> None:
    before = ids(db, rid)
    place(db, rid, "T2", "assignment")
    floor = parse_floorplan(NEW_FLOOR)
    summary = setup.replace_floorplan(db, rid, floor)
    assert export_floorplan(db, rid) == floor.spec.canonical()
    assert summary["zones"] == {"created": ["Bar"], "updated": ["Main", "Patio"], "deleted": []}
    assert summary["tables"] == {
        "created": ["S1", "S2"],
        "updated": ["B1", "T2", "T3"],
        "deleted": ["T1"],
    }
    assert summary["adjacency"] == {
        "added": [["P1", "T2"], ["S1", "S2"], ["T2", "T3"]],
        "removed": [["T1", "T2"], ["T2", "T3"]],
    }
    assert summary["policy"] == {"version": 2, "changed": True}
    assert summary["restaurant_changed"] is True
    assert summary["venue_version"] == version(db, rid)
    after = ids(db, rid)
    assert {label: after[label] == before[label] for label in ("T2", "T3", "B1", "P1")} == {
        "T2": True,
        "T3": True,
        "B1": True,
        "P1": True,
    }
    with db.tenant(rid) as conn:  # T2 kept its id, so its booking kept its table
        assigned = conn.execute("SELECT table_id::text FROM allocations").fetchall()
        venue = read_floor(conn, rid, {}).venue
    assert assigned == [{"table_id": after["T2"]}]
    assert (venue.timezone, venue.name, venue.policy.slack_budget) == (
        "America/New_York",
        "Corner House Two",
        2,
    )
    assert [e["what"] for e in events(test_db)] == ["floorplan.replaced"]


def test_replacing_with_the_same_floor_changes_nothing(
    db: Database, test_db: Any, rid: UUID
) -> None:
    before = state(db, rid)
    same = parse_floorplan(dump_floorplan(export_floorplan(db, rid)))
    summary = setup.replace_floorplan(db, rid, same)
    assert summary["tables"] == {"created": [], "updated": [], "deleted": []}
    assert summary["adjacency"] == {"added": [], "removed": []}
    assert summary["policy"] == {"version": 1, "changed": False}
    assert state(db, rid) == before
    assert events(test_db) == []


def test_the_floor_plan_round_trips_through_replace(db: Database, rid: UUID) -> None:
    lounge = NEW_FLOOR.replace("Bar", "Lounge")  # S1 and S2 move, with their edge
    for text in (NEW_FLOOR, lounge, lounge.replace("[[S1, S2]]", "[]"), NEW_FLOOR):
        floor = parse_floorplan(text)
        setup.replace_floorplan(db, rid, floor)
        exported = export_floorplan(db, rid)
        assert exported == floor.spec.canonical()
        assert parse_floorplan(dump_floorplan(exported)).spec == exported


def test_a_refused_floor_plan_writes_nothing(db: Database, test_db: Any, rid: UUID) -> None:
    place(db, rid, "T1", "block", "assignment")
    before = state(db, rid)
    with pytest.raises(TableInUse) as refused:
        setup.replace_floorplan(db, rid, parse_floorplan(NEW_FLOOR))
    [busy] = refused.value.details["tables"]
    assert (busy["label"], busy["allocations"], busy["holds"], busy["blocks"]) == ("T1", 2, 0, 1)
    assert state(db, rid) == before
    assert export_floorplan(db, rid).restaurant.timezone == "Europe/London"
    assert events(test_db) == []


def test_views_are_plain_json(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    views: list[Any] = [
        setup.list_zones(db, rid),
        setup.list_tables(db, rid),
        setup.list_edges(db, rid),
        setup.get_policy(db, rid, {}),
        setup.policy_versions(db, rid),
        setup.update_table(
            db, rid, UUID(t["T2"]), {"zone_id": UUID(setup.list_zones(db, rid)[1]["id"])}
        ),
        setup.replace_floorplan(db, rid, parse_floorplan(NEW_FLOOR.replace("T1", "T9"))),
    ]
    for view in views:
        assert json.loads(json.dumps(view)) == view


def test_errors_carry_no_database_text(db: Database, rid: UUID) -> None:
    with pytest.raises(MaitredError) as raised:
        setup.create_table(
            db, rid, label="T1", zone_id=UUID(setup.list_zones(db, rid)[0]["id"]), capacity=2
        )
    body = raised.value.to_body()
    assert body["code"] == "CONFLICT"
    assert "dining_tables" not in str(body)
