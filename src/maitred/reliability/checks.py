"""Mechanical checks of a history against the database it ran on.

- no two allocations overlap on a table (asked of the database, as its owner, through no RLS);
- every acknowledged confirm is present: the booking is confirmed on exactly the tables the
  client was told (unless the client then cancelled it);
- no booking is confirmed that no confirm could have confirmed (every confirm of it failed, or
  none was sent): no phantom confirms;
- every definite answer to one idempotency key was the same answer (status and body);
- no response was a 500.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg

from maitred.reliability.client import DEFINITE_CONFIRM_CODES
from maitred.reliability.history import NEMESIS, History

OVERLAPS = """
SELECT a.table_id::text, a.kind, a.booking_id::text, a.hold_id::text, a.time_window::text,
       a.created_at::text, a.xmin::text, b.kind, b.booking_id::text, b.hold_id::text,
       b.time_window::text, b.created_at::text, b.xmin::text
FROM allocations a JOIN allocations b
  ON a.restaurant_id = b.restaurant_id AND a.table_id = b.table_id
 AND a.allocation_id < b.allocation_id AND a.time_window && b.time_window
"""

BOOKING_STATE = """
SELECT b.booking_id::text, b.status,
       coalesce(array_agg(a.table_id::text ORDER BY a.table_id::text)
                FILTER (WHERE a.kind = 'assignment'), '{}') AS tables
FROM bookings b LEFT JOIN allocations a USING (restaurant_id, booking_id)
GROUP BY b.booking_id, b.status
"""

FREED: tuple[str, list[str]] = ("cancelled", [])


@dataclass
class Verdict:
    """What the checker found; `valid` when every figure that must be zero is zero."""

    operations: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    confirmed: int = 0
    overlaps: list[tuple[Any, ...]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    phantom: list[str] = field(default_factory=list)
    not_freed: list[str] = field(default_factory=list)
    replay_mismatches: list[str] = field(default_factory=list)
    replays_checked: int = 0
    server_errors: int = 0

    @property
    def valid(self) -> bool:
        return not (
            self.overlaps
            or self.lost
            or self.phantom
            or self.not_freed
            or self.replay_mismatches
            or self.server_errors
        )

    def figures(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "outcomes": dict(self.outcomes),
            "faults": dict(self.faults),
            "confirmed": self.confirmed,
            "overlaps": len(self.overlaps),
            "lost_confirms": len(self.lost),
            "phantom_confirms": len(self.phantom),
            "cancelled_not_freed": len(self.not_freed),
            "replay_mismatches": len(self.replay_mismatches),
            "keys_with_replays": self.replays_checked,
            "server_errors": self.server_errors,
            "valid": self.valid,
        } | ({"overlapping_rows": self.overlaps} if self.overlaps else {})


def _tables(body: Any) -> list[str]:
    return sorted(str(table["id"]) for table in body["tables"])


@dataclass
class _Booking:
    told_confirmed: list[list[str]] = field(default_factory=list)  # tables of each ok
    maybe_confirmed: bool = False  # a confirm without an answer
    cancelled: bool = False
    maybe_cancelled: bool = False


def _bookings(history: History) -> dict[str, _Booking]:
    bookings: dict[str, _Booking] = defaultdict(_Booking)
    for record in history.completions():
        value = record["value"]
        if "booking" not in value:
            continue
        booking = bookings[value["booking"]]
        if record["f"] == "confirm":
            if record["type"] == "ok":
                booking.told_confirmed.append(_tables(value["body"]))
            elif record["type"] == "info":
                booking.maybe_confirmed = True
        elif record["f"] == "cancel":
            booking.cancelled |= record["type"] == "ok"
            booking.maybe_cancelled |= record["type"] == "info"
    return bookings


def _replays(history: History, verdict: Verdict) -> None:
    answers: dict[str, set[tuple[int, str]]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for record in history.completions("confirm"):
        value = record["value"]
        definite = record["type"] == "ok" or value.get("code") in DEFINITE_CONFIRM_CODES
        if definite and "key" in value:
            answers[value["key"]].add((value["status"], value["digest"]))
            counts[value["key"]] += 1
    verdict.replays_checked = sum(1 for n in counts.values() if n > 1)
    verdict.replay_mismatches = sorted(key for key, seen in answers.items() if len(seen) > 1)


def _state(owner_conninfo: str, verdict: Verdict) -> dict[str, tuple[str, list[str]]]:
    with psycopg.connect(owner_conninfo) as conn:
        verdict.overlaps = list(conn.execute(OVERLAPS).fetchall())
        rows = conn.execute(BOOKING_STATE).fetchall()
    return {booking: (status, list(tables)) for booking, status, tables in rows}


def check(history: History, owner_conninfo: str) -> Verdict:
    """Check a finished history against the database it ran on."""
    verdict = Verdict()
    for record in history.records:
        if record["process"] == NEMESIS:
            verdict.faults[record["f"]] += 1
        elif record["type"] != "invoke":
            verdict.operations += 1
            verdict.outcomes[record["type"]] += 1
            verdict.server_errors += record["value"].get("status") == 500
    _replays(history, verdict)
    state = _state(owner_conninfo, verdict)
    seen = _bookings(history)
    for booking_id, (status, tables) in state.items():
        booking = seen.get(booking_id, _Booking())
        told = booking.told_confirmed
        verdict.confirmed += bool(told)
        if booking.cancelled:
            if (status, tables) != FREED:
                verdict.not_freed.append(booking_id)
        elif told:
            ok = [("confirmed", t) for t in told] + ([FREED] if booking.maybe_cancelled else [])
            if (status, tables) not in ok:
                verdict.lost.append(booking_id)
        elif not booking.maybe_confirmed and (tables or status == "confirmed"):
            verdict.phantom.append(booking_id)
    return verdict
