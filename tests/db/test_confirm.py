"""Confirm exactly once: idempotency, replay, refusals, policy drift, stale context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import time
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row

from maitred.db.database import Database
from maitred.db.repositories import idempotency
from maitred.domain import errors
from maitred.services import holds
from maitred.services.confirm import confirm_hold
from support.lifecycle import FRIDAY, HOST, book, expire_holds, ids


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def held(
    db: Database, rid: UUID, party: int, labels: list[str], at: time = time(19, 0)
) -> dict[str, Any]:
    t = ids(db, rid)
    booking = book(db, rid, party, at)
    return holds.hold_tables(db, rid, booking, [t[label] for label in labels], HOST, {})


def confirm(db: Database, rid: UUID, hold: dict[str, Any], key: str, **kw: Any) -> dict[str, Any]:
    return confirm_hold(db, rid, UUID(hold["id"]), key, HOST, {}, **kw)


def error_body(call: Callable[[], object]) -> dict[str, Any]:
    with pytest.raises(errors.MaitredError) as caught:
        call()
    return caught.value.to_body()


def test_confirm_turns_the_hold_into_an_assignment(db: Database, rid: UUID, test_db: Any) -> None:
    hold = held(db, rid, 4, ["T1", "T2"])
    with test_db.owner() as conn:
        before = conn.execute("SELECT allocation_id FROM allocations ORDER BY 1").fetchall()
    body = confirm(db, rid, hold, "key-1")
    assert body["booking"]["status"] == "confirmed"
    assert [t["label"] for t in body["tables"]] == ["T1", "T2"]
    assert [t["label"] for t in body["booking"]["tables"]] == ["T1", "T2"]
    with test_db.owner() as conn:
        rows = conn.execute(
            "SELECT allocation_id, kind, hold_id, expires_at FROM allocations ORDER BY 1"
        ).fetchall()
        assert conn.execute("SELECT count(*) FROM holds").fetchone() == (0,)
        events = conn.execute("SELECT event_type FROM capacity_outbox ORDER BY created_at")
        assert [e for (e,) in events.fetchall()][-1] == "hold.confirmed"
    # The same rows, updated in place: the tables were never free in between.
    assert [r[0] for r in rows] == [r[0] for r in before]
    assert {(r[1], r[2], r[3]) for r in rows} == {("assignment", None, None)}


def test_replays_return_the_same_body_also_after_the_hold_is_gone(db: Database, rid: UUID) -> None:
    hold = held(db, rid, 2, ["T1"])
    first = confirm(db, rid, hold, "key-1")
    assert confirm(db, rid, hold, "key-1") == first
    assert confirm(db, rid, hold, "key-1") == first
    # A new key for the same (now confirmed) hold is a new request: the hold is gone.
    assert error_body(lambda: confirm(db, rid, hold, "key-2"))["code"] == "HOLD_NOT_FOUND"


def test_a_key_reused_for_another_request_is_refused(db: Database, rid: UUID) -> None:
    a, b = held(db, rid, 2, ["T1"]), held(db, rid, 2, ["T2"])
    confirm(db, rid, a, "key-1")
    body = error_body(lambda: confirm(db, rid, b, "key-1"))
    assert body["code"] == "IDEMPOTENCY_KEY_REUSED"
    body = error_body(lambda: confirm(db, rid, a, "key-1", context_version=3))
    assert body["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_missing_key_is_refused(db: Database, rid: UUID) -> None:
    hold = held(db, rid, 2, ["T1"])
    assert error_body(lambda: confirm(db, rid, hold, ""))["code"] == "IDEMPOTENCY_KEY_MISSING"


def test_keys_are_scoped_per_restaurant(
    db: Database, make_restaurant: Callable[[str], UUID]
) -> None:
    a, b = make_restaurant("A"), make_restaurant("B")
    first = confirm(db, a, held(db, a, 2, ["T1"]), "shared-key")
    second = confirm(db, b, held(db, b, 2, ["T1"]), "shared-key")
    assert first["booking"]["id"] != second["booking"]["id"]


def test_concurrent_confirms_with_one_key_end_with_one_result(db: Database, rid: UUID) -> None:
    hold = held(db, rid, 2, ["T1"])
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        try:
            results.append(confirm(db, rid, hold, "key-race"))
        except errors.MaitredError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bodies = [r for r in results if isinstance(r, dict)]
    assert bodies  # one ran
    assert all(body == bodies[0] for body in bodies)
    assert {r for r in results if not isinstance(r, dict)} <= {"IDEMPOTENCY_KEY_IN_USE"}
    assert confirm(db, rid, hold, "key-race") == bodies[0]


def test_a_key_still_in_flight_is_in_use(db: Database, rid: UUID, test_db: Any) -> None:
    hold = held(db, rid, 2, ["T1"])
    # A first request with key-1, mid-transaction on another connection.
    with psycopg.connect(test_db.app_conninfo, row_factory=dict_row) as other:
        other.execute("SELECT set_config('app.restaurant_id', %s, true)", [str(rid)])
        assert idempotency.try_lock(other, rid, "key-1")
        assert error_body(lambda: confirm(db, rid, hold, "key-1"))["code"] == (
            "IDEMPOTENCY_KEY_IN_USE"
        )
        assert confirm(db, rid, hold, "key-2")["tables"]  # other keys are free
    body = error_body(lambda: confirm(db, rid, hold, "key-1"))  # the first ended: a new request
    assert body["code"] == "HOLD_NOT_FOUND"


def test_refusals_are_stored_and_replayed(db: Database, rid: UUID, test_db: Any) -> None:
    hold = held(db, rid, 2, ["T1"])
    expire_holds(test_db)
    first = error_body(lambda: confirm(db, rid, hold, "key-1"))
    assert first["code"] == "HOLD_EXPIRED"
    with test_db.owner() as conn:
        conn.execute("DELETE FROM holds")  # swept
    assert error_body(lambda: confirm(db, rid, hold, "key-1")) == first


def test_unknown_hold_and_wrong_booking(db: Database, rid: UUID) -> None:
    body = error_body(lambda: confirm_hold(db, rid, uuid4(), "k", HOST, {}))
    assert body["code"] == "HOLD_NOT_FOUND"
    hold = held(db, rid, 2, ["T1"])
    other = book(db, rid, 2)
    body = error_body(lambda: confirm(db, rid, hold, "k2", booking_id=other))
    assert body["code"] == "HOLD_BOOKING_MISMATCH"
    assert confirm(db, rid, hold, "k3", booking_id=UUID(hold["booking_id"]))["tables"]


def test_a_stale_context_is_refused(db: Database, rid: UUID) -> None:
    hold = held(db, rid, 2, ["T1"])
    with db.tenant(rid) as conn:
        version = holds.require_context(conn, rid, {"service_date": FRIDAY}, None)
    held(db, rid, 2, ["T2"])  # someone else changes the floor that evening
    body = error_body(lambda: confirm(db, rid, hold, "k", context_version=version))
    assert body["code"] == "STALE_CONTEXT"
    assert body["details"] == {"expected": version, "current": version + 1}


DRIFTS = {
    "policy": "UPDATE policies SET document = document || '{\"slack_budget\": 1}'",
    "tables": "UPDATE dining_tables SET capacity = 3 WHERE label = 'T2'",
    "edges": "DELETE FROM adjacency",
    "party_size": "UPDATE bookings SET party_size = 3",
    "window": "UPDATE bookings SET time_window = tstzrange(lower(time_window),"
    " upper(time_window) + interval '15 minutes')",
}


@pytest.mark.parametrize("part", sorted(DRIFTS))
def test_policy_drift_names_what_changed(db: Database, rid: UUID, test_db: Any, part: str) -> None:
    hold = held(db, rid, 4, ["T1", "T2"])
    with test_db.owner() as conn:
        conn.execute(DRIFTS[part])
    body = error_body(lambda: confirm(db, rid, hold, "k"))
    assert body["code"] == "POLICY_DRIFT"
    assert body["details"]["changed"] == [part]
    if part == "tables":
        assert body["details"]["tables"] == ["T2: capacity 2 -> 3"]


def test_a_cancelled_booking_cannot_be_confirmed(db: Database, rid: UUID, test_db: Any) -> None:
    hold = held(db, rid, 2, ["T1"])
    with test_db.owner() as conn:
        conn.execute("UPDATE bookings SET status = 'cancelled'")
    assert error_body(lambda: confirm(db, rid, hold, "k"))["code"] == "BOOKING_NOT_ASSIGNABLE"
