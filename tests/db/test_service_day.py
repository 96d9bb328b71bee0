"""The service day on a real database: blocks, the timeline, auto-assign and availability."""

from __future__ import annotations

import threading
import time as time_module
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.domain.booking import Allocation, Booking
from maitred.domain.errors import (
    InvalidRequest,
    NotFound,
    PartySizeOutOfRange,
    TableConflict,
)
from maitred.domain.window import Window, local_to_utc
from maitred.formats.bookings_file import load_bookings
from maitred.formats.floorplan import load_floorplan, parse_floorplan
from maitred.planning import DayPlan, QuoteRequest, plan_day, quote, validate_day
from maitred.planning.combinations import CombinationIndex
from maitred.services import assignments, blocks, holds, service_day
from maitred.services.booking_changes import cancel_booking
from maitred.services.bookings import import_bookings
from maitred.services.floor import read_floor, read_live_day, to_allocation, to_booking
from maitred.services.venues import import_floorplan
from support.lifecycle import FRIDAY, HOST, MANAGER, book, expire_holds, ids

SAMPLES = Path(__file__).parents[2] / "src" / "maitred" / "samples"
SATURDAY, SUNDAY, MONDAY = (FRIDAY + timedelta(days=n) for n in (1, 2, 3))

Row = dict[str, Any]


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def sql(db: Database, rid: UUID, query: str, *params: Any) -> list[Row]:
    with db.tenant(rid) as conn:
        return conn.execute(query, list(params)).fetchall()


def events(db: Database, rid: UUID) -> list[str]:
    rows = sql(db, rid, "SELECT event_type FROM capacity_outbox ORDER BY created_at, event_type")
    return [r["event_type"] for r in rows]


def tables_of(db: Database, rid: UUID, booking: UUID) -> list[str]:
    rows = sql(
        db,
        rid,
        "SELECT t.label FROM allocations a JOIN dining_tables t USING (restaurant_id, table_id)"
        " WHERE a.booking_id = %s AND a.kind = 'assignment' ORDER BY t.label",
        booking,
    )
    return [r["label"] for r in rows]


def block(db: Database, rid: UUID, names: list[str], start: time, end: time, **kw: Any) -> Row:
    t = ids(db, rid)
    day = kw.pop("day", FRIDAY)
    reason = kw.pop("reason", "broken leg")
    return blocks.create_block(db, rid, [t[n] for n in names], day, start, end, reason, MANAGER, {})


def assign(db: Database, rid: UUID, booking: UUID, names: list[str]) -> None:
    t = ids(db, rid)
    assignments.assign_tables(db, rid, booking, [t[n] for n in names], HOST, {})


def hold(db: Database, rid: UUID, booking: UUID, names: list[str]) -> Row:
    t = ids(db, rid)
    return holds.hold_tables(db, rid, booking, [t[n] for n in names], HOST, {})


# Blocks ---------------------------------------------------------------------------------------


def test_a_block_keeps_holds_and_assignments_off_its_tables(db: Database, rid: UUID) -> None:
    view = block(db, rid, ["T3"], time(18, 0), time(21, 0))
    assert [t["label"] for t in view["tables"]] == ["T3"]
    assert (view["start"], view["end"]) == (
        "2026-11-27T18:00:00+00:00",
        "2026-11-27T21:00:00+00:00",
    )
    four = book(db, rid, 4)
    with pytest.raises(TableConflict):
        hold(db, rid, four, ["T3"])
    with pytest.raises(TableConflict):
        assign(db, rid, four, ["T3"])
    quoted = holds.quote_and_hold(db, rid, four, HOST, {})
    assert [t["label"] for t in quoted["hold"]["tables"]] == ["P1"]  # T3 would tie with P1
    assign(db, rid, book(db, rid, 3, time(21, 0)), ["T3"])  # back to back with the block


def test_a_block_over_anything_live_is_refused_with_windows_and_no_guests(
    db: Database, rid: UUID, test_db: Any
) -> None:
    seated = book(db, rid, 6, guest_name="Ada Lovelace")
    assign(db, rid, seated, ["B1"])
    held = book(db, rid, 4)
    hold(db, rid, held, ["P1"])
    with pytest.raises(TableConflict) as caught:
        block(db, rid, ["P1", "B1", "T1"], time(20, 0), time(20, 30))
    details = caught.value.details
    assert details["tables"] == ["B1", "P1"]
    assert {(c["table"], c["kind"]) for c in details["conflicts"]} == {
        ("B1", "assignment"),
        ("P1", "hold"),
    }
    b1 = next(c for c in details["conflicts"] if c["table"] == "B1")
    assert (b1["start"], b1["end"]) == ("2026-11-27T19:00:00+00:00", "2026-11-27T21:15:00+00:00")
    text = repr(caught.value.to_body())
    assert "Ada" not in text
    assert str(seated) not in text
    assert str(held) not in text
    block(db, rid, ["T1"], time(19, 30), time(20, 0))
    with pytest.raises(TableConflict):
        block(db, rid, ["T1"], time(19, 0), time(19, 45))  # over the other block
    assert len(blocks.list_blocks(db, rid, FRIDAY)) == 1
    expire_holds(test_db)
    block(db, rid, ["P1"], time(20, 0), time(20, 30))  # an expired hold blocks nobody


def test_blocks_are_listed_deleted_and_announced(db: Database, rid: UUID) -> None:
    first = block(db, rid, ["T2", "T1"], time(12, 0), time(13, 0), reason="private corner")
    late = block(db, rid, ["B1"], time(23, 0), time(1, 0))  # past midnight
    block(db, rid, ["P1"], time(12, 0), time(13, 0), day=SATURDAY)
    assert late["end"] == "2026-11-28T01:00:00+00:00"
    listed = blocks.list_blocks(db, rid, FRIDAY)
    assert [b["id"] for b in listed] == [first["id"], late["id"]]
    assert [t["label"] for t in listed[0]["tables"]] == ["T1", "T2"]
    assert (listed[0]["reason"], listed[0]["created_by"]) == ("private corner", MANAGER.id)
    rows = sql(
        db,
        rid,
        "SELECT DISTINCT group_id, service_date, kind FROM allocations WHERE group_id = %s",
        UUID(first["id"]),
    )
    assert rows == [{"group_id": UUID(first["id"]), "service_date": FRIDAY, "kind": "block"}]
    deleted = blocks.delete_block(db, rid, UUID(first["id"]))
    assert deleted == listed[0]
    assert [b["id"] for b in blocks.list_blocks(db, rid, FRIDAY)] == [late["id"]]
    lunch = book(db, rid, 2, time(12, 0))
    assign(db, rid, lunch, ["T1"])  # free again
    with pytest.raises(NotFound):
        blocks.delete_block(db, rid, UUID(first["id"]))
    assert events(db, rid).count("block.created") == 3
    assert events(db, rid).count("block.deleted") == 1


def test_a_block_needs_known_tables_and_a_short_reason(db: Database, rid: UUID) -> None:
    with pytest.raises(InvalidRequest):
        blocks.create_block(db, rid, [], FRIDAY, time(12), time(13), None, MANAGER, {})
    with pytest.raises(NotFound):
        blocks.create_block(db, rid, ["nope"], FRIDAY, time(12), time(13), None, MANAGER, {})
    with pytest.raises(InvalidRequest):
        block(db, rid, ["T1"], time(12), time(13), reason="x" * 201)
    assert sql(db, rid, "SELECT count(*) AS n FROM allocations") == [{"n": 0}]


# The timeline ---------------------------------------------------------------------------------


def bars_by_label(timeline: Row) -> dict[str, list[Row]]:
    return {t["label"]: t["bars"] for zone in timeline["zones"] for t in zone["tables"]}


def test_the_timeline_shows_every_kind_of_bar_and_the_side_list(db: Database, rid: UUID) -> None:
    seated = book(db, rid, 4, ref="A1", guest_name="Ada")
    assign(db, rid, seated, ["T1", "T2"])
    held = book(db, rid, 4, time(19, 30), ref="H1")
    the_hold = hold(db, rid, held, ["P1"])
    block(db, rid, ["B1"], time(18, 0), time(23, 0), reason="wobbly")
    waiting = book(db, rid, 3, time(20, 0), ref="W1")
    cancel_booking(db, rid, book(db, rid, 2, ref="C1"), {})
    other_day = book(db, rid, 3, day=SATURDAY)
    assign(db, rid, other_day, ["T3"])
    timeline = service_day.day_timeline(db, rid, FRIDAY, {})
    assert [z["name"] for z in timeline["zones"]] == ["Main", "Patio"]
    assert [t["label"] for t in timeline["zones"][0]["tables"]] == ["B1", "T1", "T2", "T3"]
    bars = bars_by_label(timeline)
    assert bars["T3"] == []  # Saturday's booking is not on Friday's timeline
    assert bars["T1"] == [
        {
            "kind": "assignment",
            "group_id": bars["T1"][0]["group_id"],
            "tables": ["T1", "T2"],
            "start": "2026-11-27T19:00:00+00:00",
            "end": "2026-11-27T21:00:00+00:00",
            "booking_id": str(seated),
            "ref": "A1",
            "party_size": 4,
            "status": "confirmed",
            "pinned": False,
            "guest_name": "Ada",
        }
    ]
    assert bars["T2"][0]["group_id"] == bars["T1"][0]["group_id"]
    (p1,) = bars["P1"]
    assert (p1["kind"], p1["hold_id"], p1["booking_id"]) == ("hold", the_hold["id"], str(held))
    assert p1["expires_at"] == the_hold["expires_at"]
    assert 0 < p1["seconds_left"] <= the_hold["ttl_seconds"]
    (b1,) = bars["B1"]
    assert (b1["kind"], b1["reason"], b1["start"]) == (
        "block",
        "wobbly",
        "2026-11-27T18:00:00+00:00",
    )
    assert "booking_id" not in b1
    side = {b["ref"]: b for b in timeline["unassigned"]}
    assert sorted(side) == ["H1", "W1"]
    assert side["W1"]["hold"] is None
    assert side["H1"]["hold"]["id"] == the_hold["id"]
    assert [s["name"] for s in timeline["services"]] == ["lunch", "dinner"]
    assert timeline["services"][1]["end"] == "2026-11-27T22:00:00+00:00"
    with db.tenant(rid) as conn:
        version = allocation_rows.context_version(conn, rid, FRIDAY)
    assert timeline["context_version"] == version > 0
    assert datetime.fromisoformat(timeline["server_time"]).utcoffset() == timedelta(0)
    assert waiting  # listed above by its ref


def test_the_timeline_forgets_expired_holds(db: Database, rid: UUID, test_db: Any) -> None:
    held = book(db, rid, 4, ref="H1")
    hold(db, rid, held, ["P1"])
    expire_holds(test_db)
    timeline = service_day.day_timeline(db, rid, FRIDAY, {})
    assert bars_by_label(timeline)["P1"] == []
    assert timeline["unassigned"][0]["hold"] is None


def test_the_timeline_of_one_service(db: Database, rid: UUID) -> None:
    lunch = book(db, rid, 2, time(12, 30), ref="L1")
    assign(db, rid, lunch, ["T1"])
    book(db, rid, 2, time(13, 0), ref="L2")
    dinner = book(db, rid, 2, time(19, 0), ref="D1")
    assign(db, rid, dinner, ["T1"])
    book(db, rid, 2, time(20, 0), ref="D2")
    timeline = service_day.day_timeline(db, rid, FRIDAY, {}, service="lunch")
    assert [b["ref"] for b in bars_by_label(timeline)["T1"]] == ["L1"]
    assert [b["ref"] for b in timeline["unassigned"]] == ["L2"]
    assert (timeline["start"], timeline["end"]) == (
        "2026-11-27T12:00:00+00:00",
        "2026-11-27T15:00:00+00:00",
    )
    whole = service_day.day_timeline(db, rid, FRIDAY, {})
    assert [b["ref"] for b in bars_by_label(whole)["T1"]] == ["L1", "D1"]
    with pytest.raises(InvalidRequest):
        service_day.day_timeline(db, rid, FRIDAY, {}, service="breakfast")


# Auto-assign ----------------------------------------------------------------------------------


def day_state(db: Database, rid: UUID, day: date = FRIDAY) -> tuple[Any, ...]:
    """Everything auto-assign may write, to compare before and after."""
    with db.tenant(rid) as conn:
        version = allocation_rows.context_version(conn, rid, day)
    return (
        sql(db, rid, "SELECT * FROM allocations ORDER BY allocation_id"),
        sql(db, rid, "SELECT booking_id, status FROM bookings ORDER BY booking_id"),
        sql(db, rid, "SELECT count(*) AS n FROM capacity_outbox"),
        version,
    )


def validator_on_database(db: Database, rid: UUID, day: date = FRIDAY) -> list[Any]:
    """The day as written, checked by the validator: bookings with their tables, and every
    other live allocation of the day."""
    with db.tenant(rid) as conn:
        floor = read_floor(conn, rid, {})
        bookings = [to_booking(r) for r in booking_rows.of_day(conn, rid, day)]
        around = Window(
            min(b.window.start for b in bookings) - timedelta(hours=12),
            max(b.window.end for b in bookings) + timedelta(hours=12),
        )
        allocations = [to_allocation(r) for r in allocation_rows.live_around(conn, rid, around)]
    return validate_day(floor.index, bookings, allocations)


def test_a_dry_run_writes_nothing_and_plans_what_the_real_run_writes(
    db: Database, rid: UUID
) -> None:
    for party, at in [
        (2, time(19)),
        (2, time(19)),
        (4, time(19)),
        (6, time(19, 15)),
        (3, time(20)),
    ]:
        book(db, rid, party, at)
    before = day_state(db, rid)
    dry = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, dry_run=True)
    assert day_state(db, rid) == before
    assert (dry["dry_run"], dry["written"], dry["moves"], dry["strategy"]) == (
        True,
        0,
        0,
        "greedy",
    )
    real = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {})
    assert real["written"] == len(real["assignments"]) == dry["metrics"]["seated_bookings"] > 0
    for key in ("assignments", "unseated", "metrics", "held"):
        assert real[key] == dry[key]
    for entry in real["assignments"]:
        assert tables_of(db, rid, UUID(entry["booking_id"])) == sorted(entry["tables"])


def test_auto_assign_seats_around_what_is_there(db: Database, rid: UUID) -> None:
    kept = book(db, rid, 3, ref="K1")
    assign(db, rid, kept, ["T3"])
    held = book(db, rid, 4, ref="H1")
    the_hold = hold(db, rid, held, ["P1"])
    the_block = block(db, rid, ["B1"], time(18, 0), time(22, 0))
    couple = book(db, rid, 2, time(19, 15), ref="C1")
    pair = book(db, rid, 2, time(19, 30), ref="C2", status="confirmed")
    six = book(db, rid, 6, time(19, 0), ref="S1")
    lunch = book(db, rid, 6, time(12, 0), ref="L1")
    before = sql(db, rid, "SELECT * FROM allocations ORDER BY allocation_id")
    report = service_day.auto_assign_day(db, rid, FRIDAY, MANAGER, {})
    # The existing assignment, hold and block stay exactly as they were.
    after = sql(db, rid, "SELECT * FROM allocations ORDER BY allocation_id")
    assert all(row in after for row in before)
    assert tables_of(db, rid, kept) == ["T3"]
    assert report["held"] == [{"booking_id": str(held), "ref": "H1", "party_size": 4}]
    assert [a["ref"] for a in report["assignments"] if a["kept"]] == ["K1"]
    seated = {a["ref"]: a["tables"] for a in report["assignments"] if not a["kept"]}
    assert seated == {"C1": ["T1"], "C2": ["T2"], "L1": ["B1"]}
    assert report["unseated"] == [
        {
            "booking_id": str(six),
            "ref": "S1",
            "party_size": 6,
            "reason": "ALL_FITTING_TABLES_BUSY",
            "message": report["unseated"][0]["message"],
        }
    ]
    assert report["written"] == 3
    assert validator_on_database(db, rid) == []
    statuses = sql(
        db,
        rid,
        "SELECT ref, status FROM bookings WHERE booking_id = ANY(%s) ORDER BY ref",
        [couple, pair, lunch],
    )
    assert [r["status"] for r in statuses] == ["confirmed", "confirmed", "confirmed"]
    creators = sql(
        db,
        rid,
        "SELECT DISTINCT created_by FROM allocations WHERE booking_id = ANY(%s)",
        [couple, pair, lunch],
    )
    assert creators == [{"created_by": MANAGER.id}]
    assert sql(db, rid, "SELECT hold_id FROM holds") == [{"hold_id": UUID(the_hold["id"])}]
    assert [b["id"] for b in blocks.list_blocks(db, rid, FRIDAY)] == [the_block["id"]]
    assert events(db, rid).count("assignment.changed") == 1 + 3  # the manual one, then three
    assert events(db, rid).count("day.auto_assigned") == 1
    again = service_day.auto_assign_day(db, rid, FRIDAY, MANAGER, {})
    assert again["written"] == 0
    assert all(a["kept"] for a in again["assignments"])
    assert [u["ref"] for u in again["unseated"]] == ["S1"]
    assert again["metrics"] == report["metrics"]


def test_an_expired_hold_is_in_nobody_s_way(db: Database, rid: UUID, test_db: Any) -> None:
    gone = book(db, rid, 4, ref="G1")
    hold(db, rid, gone, ["P1"])
    expire_holds(test_db)
    with db.tenant(rid) as conn:  # the party walked in and sat at the bar instead
        booking_rows.update(conn, rid, gone, status="completed")
    assign(db, rid, book(db, rid, 4, ref="O1"), ["T3"])
    waiting = book(db, rid, 4, ref="W1")
    report = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {})
    assert (report["held"], report["written"]) == ([], 1)
    assert tables_of(db, rid, waiting) == ["P1"]  # the expired hold was there, and went
    assert sql(db, rid, "SELECT count(*) AS n FROM holds") == [{"n": 0}]


def test_the_sample_friday_assigns_without_overlaps(db: Database) -> None:
    floor = load_floorplan(SAMPLES / "corner_house.yaml")
    rid = import_floorplan(db, floor)
    text = (SAMPLES / "friday.csv").read_text()
    import_bookings(db, rid, text, "csv", {})
    report = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {})
    overlaps = sql(
        db,
        rid,
        "SELECT count(*) AS n FROM allocations a JOIN allocations b"
        " ON a.restaurant_id = b.restaurant_id AND a.table_id = b.table_id"
        " AND a.allocation_id < b.allocation_id AND a.time_window && b.time_window",
    )
    assert overlaps == [{"n": 0}]
    (figures,) = sql(
        db,
        rid,
        "WITH seated AS (SELECT b.booking_id, b.party_size, sum(t.capacity) AS seats"
        "   FROM bookings b JOIN allocations a USING (restaurant_id, booking_id)"
        "   JOIN dining_tables t USING (restaurant_id, table_id)"
        "   WHERE a.kind = 'assignment' AND b.service_date = %s GROUP BY 1, 2)"
        " SELECT (SELECT count(*) FROM bookings WHERE service_date = %s"
        "   AND status IN ('pending', 'confirmed', 'seated')) AS bookings,"
        " (SELECT sum(party_size) FROM bookings WHERE service_date = %s"
        "   AND status IN ('pending', 'confirmed', 'seated')) AS covers,"
        " (SELECT count(*) FROM seated) AS seated_bookings,"
        " (SELECT sum(party_size) FROM seated) AS seated_covers,"
        " (SELECT sum(seats) FROM seated) AS seats",
        FRIDAY,
        FRIDAY,
        FRIDAY,
    )
    metrics = report["metrics"]
    assert metrics["bookings"] == figures["bookings"] == 147  # three are cancelled
    assert metrics["covers"] == figures["covers"]
    assert metrics["seated_bookings"] == figures["seated_bookings"]
    assert metrics["seated_covers"] == figures["seated_covers"]
    utilisation = float(figures["seated_covers"]) / float(figures["seats"])
    assert metrics["seat_utilisation"] == round(utilisation, 4)
    assert report["written"] == figures["seated_bookings"] - sum(
        1 for a in report["assignments"] if a["kept"]
    )
    assert validator_on_database(db, rid) == []
    # The same files planned offline give the same plan.
    offline = plan_day(
        CombinationIndex.build(floor.venue), load_bookings(SAMPLES / "friday.csv", floor)
    ).to_json()
    assert [(a["ref"], a["tables"]) for a in report["assignments"]] == [
        (a["ref"], a["tables"]) for a in offline["assignments"]
    ]
    assert metrics == offline["metrics"]


def test_a_lost_race_is_planned_again_from_a_fresh_read(
    db: Database, rid: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = book(db, rid, 2, ref="R1")
    calls: list[tuple[str, ...]] = []

    def racing(
        index: CombinationIndex,
        bookings: Sequence[Booking],
        allocations: Sequence[Allocation],
        limit: float | None,
    ) -> DayPlan:
        plan = plan_day(index, bookings, allocations)
        chosen = plan.assignments[0].table_ids
        calls.append(plan.assignments[0].labels)
        if len(calls) == 1:  # another host blocks the chosen table, and commits first
            blocks.create_block(
                db, rid, list(chosen), FRIDAY, time(19), time(19, 30), "race", MANAGER, {}
            )
        return plan

    monkeypatch.setitem(service_day.PLANNERS, "racing", racing)
    report = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="racing")
    assert len(calls) == 2
    assert calls[1] != calls[0]
    assert tables_of(db, rid, booking) == list(calls[1])
    assert report["written"] == 1


def test_a_race_lost_every_time_is_a_conflict_and_writes_nothing(
    db: Database, rid: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(db, rid, 2, ref="R1")

    def racing(
        index: CombinationIndex,
        bookings: Sequence[Booking],
        allocations: Sequence[Allocation],
        limit: float | None,
    ) -> DayPlan:
        plan = plan_day(index, bookings, allocations)
        chosen = list(plan.assignments[0].table_ids)
        blocks.create_block(db, rid, chosen, FRIDAY, time(19), time(19, 30), "race", MANAGER, {})
        return plan

    monkeypatch.setitem(service_day.PLANNERS, "racing", racing)
    with pytest.raises(TableConflict) as caught:
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="racing")
    assert caught.value.details == {"attempts": service_day.WRITE_ATTEMPTS}
    assert sql(db, rid, "SELECT count(*) AS n FROM allocations WHERE kind = 'assignment'") == [
        {"n": 0}
    ]
    assert "day.auto_assigned" not in events(db, rid)


def someone_waits_for_a_lock(test_db: Any) -> bool:
    with test_db.owner() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def test_a_host_assigning_during_auto_assign_waits_and_then_wins(
    db: Database, rid: UUID, test_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = book(db, rid, 4, ref="W1")
    host: list[threading.Thread] = []

    def meanwhile(
        index: CombinationIndex,
        bookings: Sequence[Booking],
        allocations: Sequence[Allocation],
        limit: float | None,
    ) -> DayPlan:
        worker = threading.Thread(target=assign, args=(db, rid, waiting, ["T3"]))
        worker.start()
        host.append(worker)
        for _ in range(500):  # until the host waits for the day's lock (a bound, not a timing)
            if someone_waits_for_a_lock(test_db) or not worker.is_alive():
                break
            time_module.sleep(0.01)
        return plan_day(index, bookings, allocations)

    monkeypatch.setitem(service_day.PLANNERS, "meanwhile", meanwhile)
    report = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="meanwhile")
    host[0].join()
    assert [a["tables"] for a in report["assignments"]] == [["P1"]]
    # The host's choice came after the day's write: the booking moved there, once.
    assert tables_of(db, rid, waiting) == ["T3"]
    groups = sql(
        db, rid, "SELECT DISTINCT group_id FROM allocations WHERE booking_id = %s", waiting
    )
    assert len(groups) == 1


def test_a_plan_the_validator_refuses_is_never_written(
    db: Database, rid: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(db, rid, 2, ref="A")
    book(db, rid, 2, ref="B")
    kept = book(db, rid, 4, time(12, 0), ref="K")
    assign(db, rid, kept, ["T3"])

    def doubled(index: CombinationIndex, bookings: Any, allocations: Any, limit: Any) -> DayPlan:
        plan = plan_day(index, bookings, allocations)
        first, second = (a for a in plan.assignments if a.plan is not None)
        same = replace(second, table_ids=first.table_ids, labels=first.labels)
        rest = [a for a in plan.assignments if a is not second]
        return DayPlan.build([*rest, same], plan.unseated, plan.timezone)

    def moved(index: CombinationIndex, bookings: Any, allocations: Any, limit: Any) -> DayPlan:
        plan = plan_day(index, bookings, allocations)
        elsewhere = [
            replace(a, table_ids=(ids(db, rid)["P1"],)) if a.plan is None else a
            for a in plan.assignments
        ]
        return DayPlan.build(elsewhere, plan.unseated, plan.timezone)

    monkeypatch.setitem(service_day.PLANNERS, "doubled", doubled)
    monkeypatch.setitem(service_day.PLANNERS, "moved", moved)
    before = day_state(db, rid)
    with pytest.raises(service_day.PlanRejected) as caught:
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="doubled")
    assert {v.code for v in caught.value.violations} == {"TABLE_CONFLICT"}
    with pytest.raises(service_day.PlanRejected):
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="moved")
    assert day_state(db, rid) == before


def test_auto_assign_refuses_unknown_strategies_and_time_limits(db: Database, rid: UUID) -> None:
    with pytest.raises(InvalidRequest) as caught:
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="cpsat-someday")
    assert caught.value.details["strategies"] == ["greedy", "optimal"]
    with pytest.raises(InvalidRequest):
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, time_limit_seconds=0)
    empty = service_day.auto_assign_day(db, rid, SUNDAY, HOST, {}, time_limit_seconds=5)
    assert (empty["assignments"], empty["unseated"], empty["written"]) == ([], [], 0)


# Availability ---------------------------------------------------------------------------------

LITTLE = """
restaurant: {name: Little, timezone: Europe/London}
policy:
  services:
    - {name: lunch, start: "12:00", end: "14:00", allow_overrun: true,
       days: [mon, tue, wed, thu, fri, sat]}
    - {name: dinner, start: "18:00", end: "21:00", days: [fri, sat]}
  turn_times: [{max_party: 2, minutes: 60}, {max_party: 99, minutes: 90}]
  buffer_minutes: 0
  pacing: {max_covers: 6}
zones:
  - name: Room
    tables:
      - {label: A1, capacity: 2}
      - {label: A2, capacity: 2}
      - {label: A3, capacity: 4, min_party: 3}
    adjacency: [[A1, A2]]
"""


@pytest.fixture
def little(db: Database) -> UUID:
    return import_floorplan(db, parse_floorplan(LITTLE))


def quarter_hours(start: time, end: time) -> list[str]:
    moment, last, found = datetime.combine(FRIDAY, start), datetime.combine(FRIDAY, end), []
    while moment < last:
        found.append(moment.strftime("%H:%M"))
        moment += timedelta(minutes=15)
    return found


def test_availability_follows_service_hours_and_weekdays(db: Database, little: UUID) -> None:
    friday = service_day.availability(db, little, FRIDAY, 2, {})
    lunch, dinner = quarter_hours(time(12), time(14)), quarter_hours(time(18), time(21))
    assert friday["times"] == lunch + dinner
    assert [(s["name"], s["start"], s["end"]) for s in friday["services"]] == [
        ("lunch", "12:00", "14:00"),
        ("dinner", "18:00", "21:00"),
    ]
    assert friday["services"][1]["times"] == dinner
    monday = service_day.availability(db, little, MONDAY, 2, {})
    assert monday["times"] == lunch
    sunday = service_day.availability(db, little, SUNDAY, 2, {})
    assert (sunday["times"], sunday["services"]) == ([], [])
    assert service_day.availability(db, little, FRIDAY, 9, {})["times"] == []
    with pytest.raises(PartySizeOutOfRange):
        service_day.availability(db, little, FRIDAY, 0, {})


def test_availability_leaves_out_fully_booked_slots(db: Database, little: UUID) -> None:
    for _ in range(2):
        booking = book(db, little, 2, time(19, 0))
        holds.quote_and_hold(db, little, booking, HOST, {})  # A1, then A2, 19:00 to 20:00
    lunch, late = quarter_hours(time(12), time(14)), quarter_hours(time(20), time(21))
    # Both 2-tops are taken 19:00-20:00; an hour's window from 18:15 to 19:45 overlaps that.
    assert service_day.availability(db, little, FRIDAY, 2, {})["times"] == [*lunch, "18:00", *late]
    # A party of four still has A3 (the couples took A1 and A2, its other plan); not at 19:00
    # though, where four more covers would break the pacing limit of six.
    four = service_day.availability(db, little, FRIDAY, 4, {})["times"]
    assert "19:15" in four
    assert "19:00" not in four
    t = ids(db, little)
    blocks.create_block(db, little, [t["A3"]], FRIDAY, time(18), time(21), None, MANAGER, {})
    assert service_day.availability(db, little, FRIDAY, 4, {})["times"] == [*lunch, *late]


def test_availability_respects_pacing(db: Database, little: UUID) -> None:
    for party in (3, 2):  # five covers start at 12:30; the limit is six per quarter hour
        book(db, little, party, time(12, 30))
    assert "12:30" in service_day.availability(db, little, FRIDAY, 1, {})["times"]
    assert "12:30" not in service_day.availability(db, little, FRIDAY, 2, {})["times"]
    assert "12:45" in service_day.availability(db, little, FRIDAY, 2, {})["times"]


def test_availability_agrees_with_a_quote_at_every_quarter_hour(db: Database, little: UUID) -> None:
    t = ids(db, little)
    assign(db, little, book(db, little, 2, time(12, 0)), ["A1"])
    holds.hold_tables(db, little, book(db, little, 3, time(12, 45)), [t["A3"]], HOST, {})
    blocks.create_block(
        db, little, [t["A2"]], FRIDAY, time(18, 30), time(19, 15), None, MANAGER, {}
    )
    assign(db, little, book(db, little, 4, time(19, 30)), ["A3"])
    book(db, little, 2, time(20, 0))
    book(db, little, 2, time(20, 0))  # four covers at 20:00 (pacing: six)
    for party in range(1, 6):
        listed = set(service_day.availability(db, little, FRIDAY, party, {})["times"])
        expected = set()
        with db.tenant(little) as conn:
            floor = read_floor(conn, little, {})
            for hhmm in quarter_hours(time(0), time(23, 59)):
                at = time.fromisoformat(hhmm)
                request = QuoteRequest(party, FRIDAY, at)
                start = local_to_utc(FRIDAY, at, "Europe/London")
                live = read_live_day(conn, floor, Window(start, start + timedelta(minutes=1)))
                if quote(floor.index, live.occupancy, request, live.day).plans:
                    expected.add(hhmm)
        assert listed == expected, party
    assert "12:00" not in service_day.availability(db, little, FRIDAY, 3, {})["times"]
