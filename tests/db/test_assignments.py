"""Manual assignment, ops overrides, cancel and booking changes on a real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.domain import errors
from maitred.services import assignments, holds
from maitred.services.booking_changes import cancel_booking, change_booking
from maitred.services.bookings import get_booking
from support.lifecycle import HOST, MANAGER, book, expire_holds, ids, labels


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def assign(db: Database, rid: UUID, booking: UUID, names: list[str], **kw: Any) -> dict[str, Any]:
    t = ids(db, rid)
    actor = kw.pop("actor", HOST)
    return assignments.assign_tables(db, rid, booking, [t[n] for n in names], actor, {}, **kw)


def test_context_shows_every_table_with_its_state(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    other = book(db, rid, 6)
    assign(db, rid, other, ["B1"])
    holds.hold_tables(db, rid, book(db, rid, 4), [t["P1"]], HOST, {})
    booking = book(db, rid, 2, time(20, 0))
    assign(db, rid, booking, ["T1"])
    context = assignments.assignment_context(db, rid, booking, {})
    states = {table["label"]: table["state"] for table in context["tables"]}
    assert states == {"T1": "own", "T2": "free", "T3": "free", "B1": "assigned", "P1": "held"}
    b1 = next(table for table in context["tables"] if table["label"] == "B1")
    assert b1["busy"][0]["booking_id"] == str(other)
    p1 = next(table for table in context["tables"] if table["label"] == "P1")
    assert p1["busy"][0]["held_by"] == HOST.id
    assert context["context_version"] >= 3
    assert len(context["adjacency"]) == 2


def test_validate_lists_every_failed_check(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    booking = book(db, rid, 5)  # ten seats for five: five empty, over the budget of four
    result = assignments.validate_selection(db, rid, booking, [t["B1"], t["P1"]], {})
    assert not result["ok"]
    assert {c["code"] for c in result["checks"]} == {
        "NOT_MERGEABLE",
        "ZONE_MISMATCH",
        "ADJACENCY_REQUIRED",
        "SLACK_BUDGET_EXCEEDED",
    }
    fine = assignments.validate_selection(db, rid, booking, [t["T1"], t["T3"], t["T2"]], {})
    assert fine == {"ok": True, "checks": []}


def test_a_manager_may_override_a_soft_rule_and_it_is_recorded(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 5)
    with pytest.raises(errors.CapacityInsufficient):
        assign(db, rid, booking, ["P1"])
    with pytest.raises(errors.Forbidden):
        assign(db, rid, booking, ["P1"], override_reason="regulars, they squeeze")
    view = assign(db, rid, booking, ["P1"], actor=MANAGER, override_reason="regulars")
    assert labels(view) == ["P1"]
    with db.tenant(rid) as conn:
        row = conn.execute("SELECT created_by, override_reason FROM allocations").fetchone()
    assert row == {"created_by": MANAGER.id, "override_reason": "regulars"}


def test_nobody_overrides_a_taken_table(db: Database, rid: UUID) -> None:
    assign(db, rid, book(db, rid, 6), ["B1"])
    with pytest.raises(errors.TableConflict) as caught:
        assign(db, rid, book(db, rid, 5), ["B1"], actor=MANAGER, override_reason="please")
    assert caught.value.details["tables"] == ["B1"]


def test_an_expired_hold_not_yet_swept_blocks_no_assignment(
    db: Database, rid: UUID, test_db: Any
) -> None:
    t = ids(db, rid)
    lapsed = holds.hold_tables(db, rid, book(db, rid, 4), [t["P1"]], HOST, {})
    expire_holds(test_db)
    booking = book(db, rid, 4)
    assert labels(assign(db, rid, booking, ["P1"])) == ["P1"]
    with test_db.owner() as conn:
        left = conn.execute("SELECT count(*) FROM holds WHERE hold_id = %s", [lapsed["id"]])
        assert left.fetchone() == (0,)


def test_move_unassign_one_and_all(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 4)
    assert labels(assign(db, rid, booking, ["T1", "T2"])) == ["T1", "T2"]
    assert labels(assign(db, rid, booking, ["T3"])) == ["T3"]  # moved
    assign(db, rid, booking, ["T1", "T2"])
    t = ids(db, rid)
    view = assignments.unassign_tables(db, rid, booking, {}, UUID(t["T2"]))
    assert labels(view) == ["T1"]
    with pytest.raises(errors.NotFound):
        assignments.unassign_tables(db, rid, booking, {}, UUID(t["T2"]))
    assert labels(assignments.unassign_tables(db, rid, booking, {})) == []


def test_cancel_frees_the_tables(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 6)
    assign(db, rid, booking, ["B1"])
    view = cancel_booking(db, rid, booking, {})
    assert (view["status"], view["tables"]) == ("cancelled", [])
    assert labels(assign(db, rid, book(db, rid, 6), ["B1"])) == ["B1"]
    assert cancel_booking(db, rid, booking, {})["status"] == "cancelled"  # twice: no-op


def test_a_party_size_change_keeps_tables_that_still_fit(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 3)
    assign(db, rid, booking, ["T1", "T2"])
    view = change_booking(db, rid, booking, HOST, {}, party_size=4)
    assert (view["party_size"], labels(view)) == (4, ["T1", "T2"])
    assert view["end"].startswith("2026-11-27T21:00")  # 105 + 15 minutes


def test_a_change_that_no_longer_fits_is_replanned(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 2)
    assign(db, rid, booking, ["T1"])
    view = change_booking(db, rid, booking, HOST, {}, party_size=6)
    assert labels(view) == ["B1"]
    moved = change_booking(db, rid, booking, HOST, {}, local_time=time(20, 0))
    assert labels(moved) == ["B1"]
    assert moved["start"].startswith("2026-11-27T20:00")


def test_a_change_nothing_fits_changes_nothing(db: Database, rid: UUID) -> None:
    booking = book(db, rid, 2)
    assign(db, rid, booking, ["T1"])
    before = get_booking(db, rid, booking, {})
    with pytest.raises(errors.BookingNotAssignable) as caught:
        change_booking(db, rid, booking, HOST, {}, party_size=30)
    assert caught.value.details["reason"] == "NO_TABLE_LARGE_ENOUGH"
    assert get_booking(db, rid, booking, {}) == before


def test_every_change_writes_its_event(db: Database, rid: UUID, test_db: Any) -> None:
    booking = book(db, rid, 2)
    assign(db, rid, booking, ["T1"])
    change_booking(db, rid, booking, HOST, {}, party_size=2, local_time=time(19, 30))
    cancel_booking(db, rid, booking, {})
    with test_db.owner() as conn:
        rows = conn.execute("SELECT event_type FROM capacity_outbox ORDER BY created_at")
        assert [r for (r,) in rows.fetchall()] == [
            "booking.created",
            "assignment.changed",
            "booking.changed",
            "booking.cancelled",
        ]
