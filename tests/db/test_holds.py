"""Quote-and-hold, manual holds, TTLs, extension, release and rate limits on a real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.domain.errors import (
    CapacityInsufficient,
    HoldAlreadyExtended,
    HoldNotFound,
    NotMergeable,
    RateLimited,
    StaleContext,
    TableConflict,
)
from maitred.services import holds
from support.lifecycle import FRIDAY, HOST, book, expire_holds, ids, labels


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def test_quote_holds_the_best_plan_and_ranks_the_rest(db: Database, rid: UUID) -> None:
    result = holds.quote_and_hold(db, rid, book(db, rid, 4), HOST, {})
    assert result["reason"] is None
    # Two exact 4-tops beat every merge; equal on every other term, labels decide.
    assert labels(result["hold"]) == ["P1"]
    assert [p["tables"] for p in result["plans"]][:2] == [["P1"], ["T3"]]
    assert result["plans"][0]["explanation"]
    second = holds.quote_and_hold(db, rid, book(db, rid, 4), HOST, {})
    assert labels(second["hold"]) == ["T3"]  # P1 is held now
    third = holds.quote_and_hold(db, rid, book(db, rid, 4), HOST, {})
    assert labels(third["hold"]) == ["T1", "T2"]


def test_when_nothing_fits_the_quote_says_why_and_when(db: Database, rid: UUID) -> None:
    huge = holds.quote_and_hold(db, rid, book(db, rid, 20), HOST, {})
    assert (huge["hold"], huge["reason"]) == (None, "NO_TABLE_LARGE_ENOUGH")
    nine = holds.quote_and_hold(db, rid, book(db, rid, 9), HOST, {})
    assert (nine["hold"], nine["reason"]) == (None, "MERGE_RULES")
    for _ in range(2):  # B1 and T1+T2+T3 seat six; both are taken 19:00-21:15
        assert holds.quote_and_hold(db, rid, book(db, rid, 6), HOST, {})["hold"] is not None
    busy = holds.quote_and_hold(db, rid, book(db, rid, 6, time(19, 30)), HOST, {})
    assert (busy["hold"], busy["reason"]) == (None, "ALL_FITTING_TABLES_BUSY")
    assert busy["alternative_times"] == []  # every start within 30 minutes overlaps
    later = holds.quote_and_hold(db, rid, book(db, rid, 6, time(21, 0)), HOST, {})
    assert later["hold"] is None
    assert later["alternative_times"] == ["21:15", "21:30"]


def test_an_expired_hold_never_blocks(db: Database, test_db: Any, rid: UUID) -> None:
    first = holds.quote_and_hold(db, rid, book(db, rid, 6), HOST, {})
    assert labels(first["hold"]) == ["B1"]
    expire_holds(test_db)
    second = holds.quote_and_hold(db, rid, book(db, rid, 6), HOST, {})
    assert labels(second["hold"]) == ["B1"]
    with test_db.owner() as conn:
        assert conn.execute("SELECT count(*) FROM holds").fetchone() == (1,)


def test_a_new_hold_replaces_the_bookings_previous_one(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    booking = book(db, rid, 2)
    first = holds.hold_tables(db, rid, booking, [t["T1"]], HOST, {})
    second = holds.hold_tables(db, rid, booking, [t["T2"]], HOST, {})
    with db.tenant(rid) as conn:
        rows = conn.execute("SELECT hold_id::text, table_id::text FROM allocations").fetchall()
    assert rows == [{"hold_id": second["id"], "table_id": t["T2"]}]
    with pytest.raises(HoldNotFound):
        holds.release_hold(db, rid, UUID(first["id"]))


def test_hold_ttl_is_clamped_to_the_policy(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    short = holds.hold_tables(db, rid, book(db, rid, 2), [t["T1"]], HOST, {}, ttl_seconds=5)
    long = holds.hold_tables(db, rid, book(db, rid, 2), [t["T2"]], HOST, {}, ttl_seconds=99999)
    default = holds.hold_tables(db, rid, book(db, rid, 4), [t["P1"]], HOST, {})
    assert (short["ttl_seconds"], long["ttl_seconds"], default["ttl_seconds"]) == (60, 900, 180)


def test_a_hold_extends_once_and_never_past_the_maximum(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    hold = holds.hold_tables(db, rid, book(db, rid, 2), [t["T1"]], HOST, {}, ttl_seconds=600)
    extended = holds.extend_hold(db, rid, UUID(hold["id"]), {}, seconds=900)
    assert extended["extended"]
    with db.tenant(rid) as conn:
        row = conn.execute(
            "SELECT extract(epoch FROM h.expires_at - h.created_at) AS life,"
            " bool_and(a.expires_at = h.expires_at) AS rows_follow"
            " FROM holds h JOIN allocations a USING (restaurant_id, hold_id)"
            " GROUP BY h.expires_at, h.created_at"
        ).fetchone()
    assert row is not None
    assert float(row["life"]) <= 900
    assert row["rows_follow"]
    with pytest.raises(HoldAlreadyExtended):
        holds.extend_hold(db, rid, UUID(hold["id"]), {})


def test_release_frees_the_tables(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    hold = holds.hold_tables(db, rid, book(db, rid, 6), [t["B1"]], HOST, {})
    with pytest.raises(TableConflict):
        holds.hold_tables(db, rid, book(db, rid, 6), [t["B1"]], HOST, {})
    holds.release_hold(db, rid, UUID(hold["id"]))
    assert labels(holds.hold_tables(db, rid, book(db, rid, 6), [t["B1"]], HOST, {})) == ["B1"]


def test_a_manual_hold_reports_every_broken_rule(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    booking = book(db, rid, 8)
    with pytest.raises(NotMergeable) as caught:
        holds.hold_tables(db, rid, booking, [t["B1"], t["P1"]], HOST, {})
    codes = [check["code"] for check in caught.value.details["checks"]]
    assert set(codes) >= {"NOT_MERGEABLE", "ZONE_MISMATCH", "ADJACENCY_REQUIRED"}
    assert [a["tables"] for a in caught.value.details["alternatives"]] == [["T1", "T2", "T3"]]
    with pytest.raises(CapacityInsufficient) as small:
        holds.hold_tables(db, rid, book(db, rid, 5), [t["T3"]], HOST, {})
    assert {c["code"] for c in small.value.details["checks"]} == {
        "CAPACITY_INSUFFICIENT",
        "PARTY_SIZE_OUT_OF_RANGE",
    }
    assert small.value.details["alternatives"][0]["tables"] == ["B1"]


def test_a_conflict_names_tables_and_windows_but_no_guest(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    holds.hold_tables(
        db, rid, book(db, rid, 6, ref="SECRET-REF", guest_name="Ada Lovelace"), [t["B1"]], HOST, {}
    )
    with pytest.raises(TableConflict) as caught:
        holds.hold_tables(db, rid, book(db, rid, 5, time(20, 0)), [t["B1"]], HOST, {})
    details = caught.value.details
    assert details["tables"] == ["B1"]
    assert details["conflicts"][0]["kind"] == "hold"
    assert details["conflicts"][0]["start"].startswith("2026-11-27T19:00")
    text = repr(caught.value.to_body())
    assert "SECRET-REF" not in text
    assert "Ada" not in text


def test_a_stale_context_version_is_refused(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    booking = book(db, rid, 2)
    with db.tenant(rid) as conn:
        before = holds.require_context(conn, rid, {"service_date": FRIDAY}, None)
    holds.hold_tables(db, rid, book(db, rid, 4), [t["P1"]], HOST, {})
    with pytest.raises(StaleContext) as caught:
        holds.hold_tables(db, rid, booking, [t["T1"]], HOST, {}, context_version=before)
    assert caught.value.details == {"expected": before, "current": before + 1}


def test_holds_per_booking_are_rate_limited(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    booking = book(db, rid, 2)
    for _ in range(5):
        holds.hold_tables(db, rid, booking, [t["T1"]], HOST, {})
    with pytest.raises(RateLimited) as caught:
        holds.hold_tables(db, rid, booking, [t["T1"]], HOST, {})
    assert 1 <= caught.value.details["retry_after_seconds"] <= 60
    other = Actor("key:other", Role.HOST)
    holds.hold_tables(db, rid, booking, [t["T2"]], other, {})  # another actor is not limited


def test_an_actors_live_holds_are_capped(db: Database, rid: UUID, test_db: Any) -> None:
    with test_db.owner() as conn:
        conn.execute(
            "UPDATE policies SET document = document || "
            '\'{"hold_rate_limit": {"max_live_holds": 2}}\''
        )
    t = ids(db, rid)
    holds.hold_tables(db, rid, book(db, rid, 2), [t["T1"]], HOST, {})
    holds.hold_tables(db, rid, book(db, rid, 2), [t["T2"]], HOST, {})
    with pytest.raises(RateLimited) as caught:
        holds.hold_tables(db, rid, book(db, rid, 4), [t["P1"]], HOST, {})
    assert caught.value.details["limit"] == "max_live_holds"
    assert 170 <= caught.value.details["retry_after_seconds"] <= 180
