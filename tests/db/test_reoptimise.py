"""The optimal strategy, re-optimisation and the flexible-times what-if on a real database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import time
from typing import Any
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.db.repositories import bookings as booking_rows
from maitred.domain.booking import Allocation, Booking
from maitred.domain.errors import InvalidRequest
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.optimise import Optimised, OptimiseOptions
from maitred.services import assignments, blocks, service_day
from support.lifecycle import FRIDAY, HOST, MANAGER, book, ids

FAST: dict[str, Any] = {"time_limit_seconds": 5}

Row = dict[str, Any]


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def sql(db: Database, rid: UUID, query: str, *params: Any) -> list[Row]:
    with db.tenant(rid) as conn:
        return conn.execute(query, list(params)).fetchall()


def tables_of(db: Database, rid: UUID, booking: UUID) -> list[str]:
    rows = sql(
        db,
        rid,
        "SELECT t.label FROM allocations a JOIN dining_tables t USING (restaurant_id, table_id)"
        " WHERE a.booking_id = %s AND a.kind = 'assignment' ORDER BY t.label",
        booking,
    )
    return [r["label"] for r in rows]


def state(db: Database, rid: UUID) -> tuple[list[Row], list[Row], list[Row]]:
    return (
        sql(db, rid, "SELECT * FROM allocations ORDER BY allocation_id"),
        sql(db, rid, "SELECT booking_id, status, pinned FROM bookings ORDER BY booking_id"),
        sql(db, rid, "SELECT event_type FROM capacity_outbox ORDER BY created_at"),
    )


def overlaps(db: Database, rid: UUID) -> int:
    (row,) = sql(
        db,
        rid,
        "SELECT count(*) AS n FROM allocations a JOIN allocations b"
        " ON a.restaurant_id = b.restaurant_id AND a.table_id = b.table_id"
        " AND a.allocation_id < b.allocation_id AND a.time_window && b.time_window",
    )
    return int(row["n"])


def assign(db: Database, rid: UUID, booking: UUID, labels: list[str]) -> None:
    t = ids(db, rid)
    assignments.assign_tables(db, rid, booking, [t[label] for label in labels], HOST, {})


def test_optimal_seats_more_than_greedy_and_writes_it(db: Database, rid: UUID) -> None:
    # Greedy seats 15 of these covers; the best plan seats 18.
    for party, at in [(3, time(18, 30)), (6, time(18, 30)), (4, time(19)), (5, time(20, 30))]:
        book(db, rid, party, at)
    book(db, rid, 5, time(19))
    greedy = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, dry_run=True)
    phases: list[str] = []
    report = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, strategy="optimal", progress=phases.append, **FAST
    )
    assert (greedy["metrics"]["seated_covers"], report["metrics"]["seated_covers"]) == (15, 18)
    assert report["strategy"] == "optimal"
    assert report["optimiser"]["optimal_covers"] is True
    assert report["optimiser"]["covers_bound"] == 18
    assert report["optimiser"]["greedy_metrics"] == greedy["metrics"]
    assert report["fallback"] is None
    assert report["written"] == report["metrics"]["seated_bookings"]
    for entry in report["assignments"]:
        assert tables_of(db, rid, UUID(entry["booking_id"])) == sorted(entry["tables"])
    assert [u["reason"] for u in report["unseated"]] == ["ALL_FITTING_TABLES_BUSY"] * len(
        report["unseated"]
    )
    assert overlaps(db, rid) == 0
    assert "optimising" in phases
    assert "writing" in phases
    assert any(phase.startswith("CP-SAT stage 1") for phase in phases)


def blocked_six(db: Database, rid: UUID) -> tuple[UUID, UUID, UUID]:
    """A couple sits on B1 (the only table for six once T1 and T3 are blocked); a six waits;
    a four is pinned to P1."""
    t = ids(db, rid)
    blocked = [t["T1"], t["T3"]]
    blocks.create_block(db, rid, blocked, FRIDAY, time(17), time(22), "leak", MANAGER, {})
    couple = book(db, rid, 2, time(19), ref="C")
    assign(db, rid, couple, ["B1"])
    pinned = book(db, rid, 4, time(19), ref="P")
    assign(db, rid, pinned, ["P1"])
    with db.tenant(rid) as conn:
        booking_rows.update(conn, rid, pinned, pinned=True)
    six = book(db, rid, 6, time(19), ref="S")
    return couple, pinned, six


def test_reoptimise_moves_as_few_as_it_can_in_one_write(db: Database, rid: UUID) -> None:
    couple, pinned, six = blocked_six(db, rid)
    plain = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="optimal", **FAST)
    assert [u["ref"] for u in plain["unseated"]] == ["S"]  # nothing moves without asking
    assert plain["moves"] == 0
    before = state(db, rid)
    dry = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, strategy="optimal", reoptimise=True, dry_run=True, **FAST
    )
    assert state(db, rid) == before
    assert (dry["moves"], dry["written"]) == (1, 0)
    report = service_day.auto_assign_day(
        db, rid, FRIDAY, MANAGER, {}, strategy="optimal", reoptimise=True, **FAST
    )
    for key in ("assignments", "unseated", "metrics", "moves"):
        assert report[key] == dry[key]
    assert (report["moves"], report["written"], report["unseated"]) == (1, 2, [])
    moved = [a for a in report["assignments"] if a["moved"]]
    assert [(a["ref"], a["previous_tables"], a["tables"]) for a in moved] == [("C", ["B1"], ["T2"])]
    assert tables_of(db, rid, six) == ["B1"]
    assert tables_of(db, rid, couple) == ["T2"]
    assert tables_of(db, rid, pinned) == ["P1"]
    assert overlaps(db, rid) == 0
    events = sql(
        db,
        rid,
        "SELECT payload->>'action' AS action, aggregate_id FROM capacity_outbox"
        " WHERE event_type = 'assignment.changed' AND payload ? 'run_id'",
    )
    assert sorted((e["action"], e["aggregate_id"]) for e in events) == sorted(
        [("moved", couple), ("assigned", six)]
    )
    (summary,) = sql(
        db,
        rid,
        "SELECT payload FROM capacity_outbox WHERE event_type = 'day.auto_assigned'"
        " ORDER BY created_at DESC LIMIT 1",
    )
    assert (summary["payload"]["moves"], summary["payload"]["reoptimise"]) == (1, True)


def test_a_seated_booking_never_moves(db: Database, rid: UUID) -> None:
    couple, _, six = blocked_six(db, rid)
    with db.tenant(rid) as conn:
        booking_rows.update(conn, rid, couple, status="seated")
    report = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, strategy="optimal", reoptimise=True, **FAST
    )
    assert report["moves"] == 0
    assert tables_of(db, rid, couple) == ["B1"]
    assert [u["ref"] for u in report["unseated"]] == ["S"]
    assert tables_of(db, rid, six) == []


def test_bookings_can_swap_tables_in_one_transaction(
    db: Database, rid: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two couples trade places: only delete-then-insert lets both rows land.
    first = book(db, rid, 2, time(19), ref="A")
    second = book(db, rid, 2, time(19), ref="B")
    assign(db, rid, first, ["T1"])
    assign(db, rid, second, ["T2"])
    real = service_day.optimise_day

    def swapping(
        index: CombinationIndex,
        bookings: Sequence[Booking],
        allocations: Sequence[Allocation],
        options: OptimiseOptions,
    ) -> Optimised:
        outcome = real(index, bookings, allocations, options)
        a, b = outcome.plan.assignments
        swapped = [
            replace(a, table_ids=b.table_ids, labels=b.labels),
            replace(b, table_ids=a.table_ids, labels=a.labels),
        ]
        plan = DayPlan.build(swapped, outcome.plan.unseated, outcome.plan.timezone)
        return replace(outcome, plan=plan)

    monkeypatch.setattr(service_day, "optimise_day", swapping)
    report = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, strategy="optimal", reoptimise=True, **FAST
    )
    assert (report["moves"], report["written"]) == (2, 2)
    assert (tables_of(db, rid, first), tables_of(db, rid, second)) == (["T2"], ["T1"])
    assert overlaps(db, rid) == 0


def test_a_plan_moving_a_pinned_booking_is_refused(
    db: Database, rid: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pinned, _ = blocked_six(db, rid)
    real = service_day.optimise_day

    def unpinning(*args: Any) -> Optimised:
        outcome = real(*args)
        moved = [
            replace(a, table_ids=(ids(db, rid)["T3"],), labels=("T3",))
            if a.booking.id == str(pinned)
            else a
            for a in outcome.plan.assignments
        ]
        return replace(outcome, plan=DayPlan.build(moved, [], outcome.plan.timezone))

    monkeypatch.setattr(service_day, "optimise_day", unpinning)
    before = state(db, rid)
    with pytest.raises(service_day.PlanRejected):
        service_day.auto_assign_day(
            db, rid, FRIDAY, HOST, {}, strategy="optimal", reoptimise=True, **FAST
        )
    assert state(db, rid) == before


def test_the_what_if_reports_flexible_times_and_writes_nothing_for_them(
    db: Database, rid: UUID
) -> None:
    t = ids(db, rid)
    blocks.create_block(
        db,
        rid,
        [t[x] for x in ("T1", "T2", "T3", "P1")],
        FRIDAY,
        time(17),
        time(22),
        "x",
        MANAGER,
        {},
    )
    early = book(db, rid, 6, time(19), ref="E", status="confirmed")
    late = book(db, rid, 6, time(19, 30), ref="L")  # pending: may shift in the what-if
    report = service_day.auto_assign_day(
        db,
        rid,
        FRIDAY,
        HOST,
        {},
        strategy="optimal",
        what_if_tolerance_minutes=120,
        dry_run=True,
        **FAST,
    )
    flexible = report["flexible_times"]
    assert flexible["tolerance_minutes"] == 120
    assert flexible["shiftable_bookings"] == 1
    # B1 holds the confirmed six until 21:15 (two hours and a 15-minute buffer); the pending
    # six fits after it from 21:30, cut at the 22:00 close like any booking that late.
    assert (flexible["extra_covers"], flexible["extra_bookings"]) == (6, 1)
    assert flexible["shifted_bookings"] == 1
    greedy = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, what_if_tolerance_minutes=15, dry_run=True
    )
    assert greedy["flexible_times"]["extra_covers"] == 0  # 19:45 still overlaps 21:15
    assert tables_of(db, rid, early) == tables_of(db, rid, late) == []
    (row,) = sql(db, rid, "SELECT local_time FROM bookings WHERE booking_id = %s", late)
    assert row["local_time"] == time(19, 30)


def test_the_what_if_finds_covers_a_shift_would_seat(db: Database, rid: UUID) -> None:
    t = ids(db, rid)
    blocks.create_block(
        db,
        rid,
        [t[x] for x in ("T1", "T2", "T3", "B1")],
        FRIDAY,
        time(17),
        time(22),
        "x",
        MANAGER,
        {},
    )
    first = book(db, rid, 2, time(17), ref="F", status="confirmed")  # P1 until 18:45
    second = book(db, rid, 2, time(18), ref="S")  # pending, overlaps F by 45 minutes
    report = service_day.auto_assign_day(
        db, rid, FRIDAY, HOST, {}, strategy="optimal", what_if_tolerance_minutes=45, **FAST
    )
    assert report["flexible_times"]["extra_covers"] == 2
    assert report["flexible_times"]["shifted_bookings"] == 1
    assert tables_of(db, rid, first) == ["P1"]
    assert tables_of(db, rid, second) == []  # the what-if wrote nothing
    (row,) = sql(db, rid, "SELECT local_time FROM bookings WHERE booking_id = %s", second)
    assert row["local_time"] == time(18)


def test_options_are_checked(db: Database, rid: UUID) -> None:
    with pytest.raises(InvalidRequest) as caught:
        service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, reoptimise=True)
    assert caught.value.details["strategy"] == "greedy"
    for minutes in (0, 20, 135):
        with pytest.raises(InvalidRequest):
            service_day.auto_assign_day(
                db, rid, FRIDAY, HOST, {}, strategy="optimal", what_if_tolerance_minutes=minutes
            )
    empty = service_day.auto_assign_day(db, rid, FRIDAY, HOST, {}, strategy="optimal")
    assert (empty["assignments"], empty["unseated"], empty["written"]) == ([], [], 0)
