"""The provocations: each kind of database failure caused for real through the API, in one
round on a day of its own, while the owner's connections hold the locks requests wait for."""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from maitred.domain.api_keys import Role
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.leak_scanner import Scanner
from maitred.reliability.locks import OwnerConnection, wait_for_waiters
from maitred.reliability.stage import Restaurant, Stage

FIRST_DAY = date(2028, 2, 1)
TWO_TOPS = ("M1", "M2", "M5", "M8", "T1", "T2", "T5", "T8")


@dataclass
class Api:
    """Calls restaurant A with a key of one role, recording the request and its answer; each
    request carries an id of its kind, so the server's log can be read back per kind."""

    clients: dict[Role, RecordingClient]
    restaurant: Restaurant
    scanner: Scanner
    sequence: Iterator[int] = field(default_factory=itertools.count)

    def call(
        self,
        kind: str,
        role: Role,
        method: str,
        path: str,
        body: Any = None,
        status: int = 0,
        request_id: str = "",
    ) -> Reply:
        """One call; with `status`, anything else stops the run (a step others rely on)."""
        request_id = request_id or self.request_id(kind)
        url = self.restaurant.path(path)
        reply = self.clients[role].call(
            kind,
            method,
            url,
            json_body=body,
            headers={"X-Request-ID": request_id},
            value={"request_id": request_id, "request": f"{method} {url} {json.dumps(body)}"},
            keep_body=True,
        )
        if status and reply.status != status:
            raise RuntimeError(f"{method} {path}: {reply.status} {reply.body}")
        return reply

    def request_id(self, kind: str) -> str:
        return f"{kind}-{next(self.sequence)}"

    def book(self, kind: str, day: date, at: str, ref: str | None = None) -> str:
        guest = f"Guest {uuid.uuid4().hex[:10]}"
        ref = ref or f"REF-{uuid.uuid4().hex[:10]}"
        body = {"party_size": 2, "date": day.isoformat(), "time": at}
        body |= {"guest_name": guest, "ref": ref}
        request_id = self.request_id(kind)
        reply = self.call(kind, Role.HOST, "POST", "/bookings", body, 201, request_id)
        booking = str(reply.body["id"])
        self.scanner.secrets.add(booking, texts=(guest, ref))
        self.scanner.secrets.origins[request_id] = booking
        return booking

    def hold(self, kind: str, booking: str, tables: list[str]) -> Reply:
        path = f"/bookings/{booking}/holds"
        reply = self.call(kind, Role.HOST, "POST", path, {"table_ids": tables})
        if reply.status == 201:
            self.scanner.secrets.add(booking, ids=(reply.body["id"],))
        return reply

    def release(self, reply: Reply) -> None:
        """Release a hold a step made, so the key's live holds stay under its cap."""
        if reply.status == 201:
            self.call("cleanup", Role.HOST, "DELETE", f"/holds/{reply.body['id']}", status=204)


@dataclass(frozen=True)
class Floor:
    """What the steps need to know of the stage's floors, read through the API."""

    tables: dict[str, str]  # A's table ids by label
    zone: str  # A's zone Main
    foreign_table: str  # a table of restaurant B
    hold_lock: str  # the advisory lock name of A's host key's holds


def read_floor(api: Api, b: RecordingClient, stage: Stage) -> Floor:
    """A's floor and host key, B's first table; one booking of B joins the secrets."""
    a, other = stage.restaurants[:2]
    tables = api.call("setup", Role.OWNER, "GET", "/tables", status=200).body
    labels = {t["label"]: t["id"] for t in tables}
    zone = next(t["zone_id"] for t in tables if t["label"] == "M1")
    key = api.clients[Role.HOST].call("setup", "GET", "/v1/whoami").body["key_id"]
    theirs = b.call("setup", "GET", other.path("/tables")).body[0]["id"]
    guest, ref = f"Guest {uuid.uuid4().hex[:10]}", f"REF-{uuid.uuid4().hex[:10]}"
    body = {"party_size": 2, "date": FIRST_DAY.isoformat(), "time": "19:00"}
    booking = b.call(
        "setup", "POST", other.path("/bookings"), json_body=body | {"guest_name": guest, "ref": ref}
    )
    api.scanner.secrets.add(str(booking.body["id"]), texts=(guest, ref))
    return Floor(labels, zone, theirs, f"hold:{a.id}:key:{key}")


@dataclass
class Round:
    """One round's day and what its steps share."""

    number: int
    api: Api
    owner: OwnerConnection  # takes the locks requests wait for
    locker: OwnerConnection  # a second one, for the deadlock
    watcher: OwnerConnection  # autocommit: sees who waits
    pool: ThreadPoolExecutor
    floor: Floor
    provoked: Counter[str]
    burst: int

    @property
    def day(self) -> date:
        return FIRST_DAY + timedelta(days=self.number)

    def in_background(self, kind: str, booking: str, tables: list[str]) -> Future[Reply]:
        return self.pool.submit(self.api.hold, kind, booking, tables)

    @contextmanager
    def holds_paused(self) -> Iterator[int]:
        """A's host key's hold lock, held by the owner: its hold requests wait there, after
        planning and before writing. Yields the owner's pid."""
        with self.owner.transaction(force_rollback=True):
            self.owner.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [self.floor.hold_lock]
            )
            yield self.owner.info.backend_pid


def unique_violations(r: Round) -> None:
    """The same label, edge (the other way round), zone name and reference twice: the second
    is 409 CONFLICT."""
    api, kind = r.api, "unique_violation"
    label = {"label": f"U{r.number}", "zone_id": r.floor.zone, "capacity": 2}
    table = api.call(kind, Role.OWNER, "POST", "/tables", label, 201).body["id"]
    edge = {"table_a": table, "table_b": r.floor.tables["M1"]}
    zone = {"name": f"Zone {r.number}"}
    api.call(kind, Role.OWNER, "POST", "/adjacency", edge, 201)
    api.call(kind, Role.OWNER, "POST", "/zones", zone, 201)
    ref = f"DUP-{uuid.uuid4().hex[:10]}"
    api.book(kind, r.day, "17:00", ref)
    booking = {"party_size": 2, "date": r.day.isoformat(), "time": "17:15", "ref": ref}
    twice = [
        (Role.OWNER, "/tables", label),
        (Role.OWNER, "/adjacency", {"table_a": r.floor.tables["M1"], "table_b": table}),
        (Role.OWNER, "/zones", zone),
        (Role.HOST, "/bookings", booking | {"guest_name": "Someone Else"}),
    ]
    for role, path, body in twice:
        reply = api.call(kind, role, "POST", path, body)
        r.provoked[kind] += reply.status == 409 and reply.code == "CONFLICT"


def foreign_keys(r: Round) -> None:
    """A hold on a table deleted while the hold waits to write: the insert names a table that
    is gone. Holds and edges naming another restaurant's table, or none, are caught earlier."""
    api, kind = r.api, "foreign_key_violation"
    doomed = {"label": f"D{r.number}", "zone_id": r.floor.zone, "capacity": 2}
    table = api.call(kind, Role.OWNER, "POST", "/tables", doomed, 201).body["id"]
    booking = api.book(kind, r.day, "17:30")
    with r.holds_paused() as pauser:
        held = r.in_background(kind, booking, [table])
        wait_for_waiters(r.watcher, pauser)
        deleted = api.call(kind, Role.OWNER, "DELETE", f"/tables/{table}")
    reply = held.result()
    r.provoked[kind] += deleted.status == 204 and reply.code == "NOT_FOUND"
    api.release(reply)
    for other in (r.floor.foreign_table, str(uuid.uuid4())):
        api.release(api.hold("foreign_key_checked", booking, [other]))
        edge = {"table_a": r.floor.tables["M2"], "table_b": other}
        api.call("foreign_key_checked", Role.OWNER, "POST", "/adjacency", edge)


def exclusion_violation(r: Round) -> None:
    """Two holds on one table and window, both planned before either wrote."""
    kind = "exclusion_violation"
    bookings = [r.api.book(kind, r.day, "18:00") for _ in range(2)]
    with r.holds_paused() as pauser:
        held = [r.in_background(kind, booking, [r.floor.tables["M1"]]) for booking in bookings]
        wait_for_waiters(r.watcher, pauser, count=2)
    replies = sorted((future.result() for future in held), key=lambda reply: reply.status or 0)
    lost = replies[1]
    r.provoked[kind] += replies[0].status == 201 and lost.code == "TABLE_CONFLICT"
    for reply in replies:
        r.api.release(reply)


def deadlock(r: Round) -> None:
    """A hold replacing the booking's hold: the request holds the booking and needs the old
    hold's row; the locker holds that row and needs the booking."""
    kind = "deadlock"
    booking = r.api.book(kind, r.day, "19:00")
    quoted = r.api.call(kind, Role.HOST, "POST", f"/bookings/{booking}/quote", status=200)
    old = quoted.body["hold"]
    r.api.scanner.secrets.add(booking, ids=(old["id"],))
    with r.holds_paused() as pauser:
        held = r.in_background(kind, booking, [t["id"] for t in old["tables"]])
        (request,) = wait_for_waiters(r.watcher, pauser)
        r.locker.execute("SELECT 1 FROM holds WHERE hold_id = %s FOR UPDATE", [old["id"]])
        locking = r.pool.submit(
            r.locker.execute, "SELECT 1 FROM bookings WHERE booking_id = %s FOR UPDATE", [booking]
        )
        wait_for_waiters(r.watcher, request)
    locking.result(timeout=30)  # the request was rolled back: its booking lock is free
    r.locker.rollback()
    r.api.release(held.result())


def serialization_failure(r: Round) -> None:
    """A hold whose snapshot predates an update of its booking; then a burst of holds, all
    planned before any writes, each on a table of its own."""
    kind = "serialization_failure"
    booking = r.api.book(kind, r.day, "20:00")
    with r.owner.transaction():
        r.owner.execute(
            "UPDATE bookings SET party_size = party_size WHERE booking_id = %s", [booking]
        )
        held = r.in_background(kind, booking, [r.floor.tables["M2"]])
        wait_for_waiters(r.watcher, r.owner.info.backend_pid)
    r.api.release(held.result())
    bookings = [r.api.book("burst", r.day, "21:00") for _ in range(r.burst)]
    with r.holds_paused() as pauser:
        burst = [
            r.in_background("burst", booking, [r.floor.tables[label]])
            for booking, label in zip(bookings, TWO_TOPS, strict=False)
        ]
        wait_for_waiters(r.watcher, pauser, count=len(burst))
    replies = [future.result() for future in burst]
    # Each hold has a table of its own: only a serialization failure retried to the end
    # (409 TABLE_CONFLICT, "try again") can refuse one.
    r.provoked[kind] += sum(reply.code == "TABLE_CONFLICT" for reply in replies)
    for reply in replies:
        r.api.release(reply)


Step = Callable[[Round], None]
COMMITTED: tuple[Step, ...] = (unique_violations, foreign_keys, exclusion_violation, deadlock)
SERIALIZABLE: tuple[Step, ...] = (serialization_failure,)
