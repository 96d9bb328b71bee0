"""Error leakage: database failures provoked through the API never leak into a response.

Every round, on a day of its own, provokes each kind of failure for real:

- unique violations: a table label, a booking reference, a zone name and an adjacency edge, each
  sent twice (the second answer must be 409 CONFLICT);
- a foreign-key violation: a hold on a table that is deleted while the hold request waits,
  after planning, on its key's hold lock (taken by a separate connection); also holds and edges
  naming a table of another restaurant or none (caught before the database, answered the same);
- an exclusion violation: two holds on one table and window, both planned while that lock was
  held, so the second insert meets the first's committed rows;
- a deadlock: a hold request that replaces a booking's hold locks the booking, then waits on the
  old hold's row, which a separate connection holds while waiting for the booking
  (`deadlock_timeout` is 100 ms on the stage database and 60 s for that connection, so the
  request is the one that finds the deadlock and is rolled back);
- serialization failures, with the stage database at `serializable`: a hold request whose
  snapshot predates an update of its booking, and holds sent all at once on one evening.

Then every response body, whatever its status (a success after a retry is fine), must carry no
PostgreSQL text, no constraint name of the database, and nothing of a booking it did not name
(id, hold id, guest name, reference); no answer may be a 500. The figures count each kind
provoked: unique, foreign-key and exclusion violations by their answers; deadlocks by the
retries the server logged for the requests that met one, checked against
`pg_stat_database.deadlocks`; serialization failures by the retries logged, plus the holds whose
retries ran out (409 TABLE_CONFLICT on a table nobody else asked for).
"""

from __future__ import annotations

import itertools
import json
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from maitred.domain.api_keys import Role
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.idempotency import OwnerConnection, wait_for_waiters
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2028, 2, 1)
DEADLOCK_TIMEOUT = "100ms"  # the server's sessions: a deadlock is found quickly
PATIENT = "-c deadlock_timeout=60s"  # the locker's session: it never looks for one
# PostgreSQL's and the driver's words; the database's constraint names join them.
PG_TEXT = (
    "violates",
    "constraint",
    "duplicate key",
    "deadlock",
    "could not serialize",
    "sqlstate",
    "psycopg",
    "traceback",
    "foreign key",
    'relation "',
)
CONSTRAINT_NAMES = """
SELECT DISTINCT conname FROM pg_constraint
WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
"""
DEADLOCKS = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
KINDS = (
    "unique_violation",
    "foreign_key_violation",
    "exclusion_violation",
    "deadlock",
    "serialization_failure",
)
TWO_TOPS = ("M1", "M2", "M5", "M8", "T1", "T2", "T5", "T8")


@dataclass(frozen=True)
class Plan:
    rounds: int
    burst: int = 6  # holds sent at once on one evening, under serializable isolation

    @classmethod
    def ci(cls) -> Plan:
        return cls(rounds=3)

    @classmethod
    def soak(cls) -> Plan:
        return cls(rounds=100, burst=8)


@dataclass
class Secrets:
    """What each booking must not show anyone who did not name it: its ids (booking, holds) and
    its texts (guest name, reference); and the request that created it."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    texts: dict[str, set[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # request id -> booking it created
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, booking: str, *, ids: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> None:
        with self.lock:
            self.ids.setdefault(booking, {booking}).update(ids)
            self.texts.setdefault(booking, set()).update(texts)

    def shown(self, value: dict[str, Any], response: str) -> list[str]:
        """Secrets of bookings the request neither named nor created that the response shows
        (a text the request itself sent does not count)."""
        request = str(value.get("request", ""))
        with self.lock:
            created = self.origins.get(str(value.get("request_id")))
            groups = [(self.ids[b], self.texts[b]) for b in self.ids if b != created]
        found = []
        for ids, texts in groups:
            if not any(i in request for i in ids):
                found += [s for s in ids | texts if s in response and s not in request]
        return found


@dataclass
class Scanner:
    """Reads every answer of a history for what must never be in one."""

    forbidden: list[str]  # PostgreSQL text and the database's constraint names, lower case
    secrets: Secrets = field(default_factory=Secrets)

    def leaks(self, history: History) -> list[str]:
        found = []
        for record in history.completions():
            value = record["value"]
            text = json.dumps(value.get("body"))
            shown = [word for word in self.forbidden if word in text.lower()]
            shown += self.secrets.shown(value, text)
            if shown:
                request = str(value.get("request", ""))[:150]
                found.append(f"{request} -> {value.get('status')}: {shown} in {text[:300]}")
        return found


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


@contextmanager
def database_settings(owner_conninfo: str, settings: dict[str, str]) -> Iterator[None]:
    """`ALTER DATABASE … SET` on the stage database while the block runs (sessions opened
    meanwhile start with them), `RESET` afterwards."""
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
        name = sql.Identifier(str(row and row[0]))
        alter = sql.SQL("ALTER DATABASE {} SET {} = {}")
        for setting, value in settings.items():
            conn.execute(alter.format(name, sql.Identifier(setting), sql.Literal(value)))
        try:
            yield
        finally:
            for setting in settings:
                reset = sql.SQL("ALTER DATABASE {} RESET {}")
                conn.execute(reset.format(name, sql.Identifier(setting)))


def retries_logged(log: Path) -> Counter[str]:
    """Retries the server logged (stamina), by the kind in the request id they belong to."""
    counts: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "stamina.retry_scheduled" in line:
            request_id = str(json.loads(line).get("request_id", "unknown-0"))
            counts[request_id.rsplit("-", 1)[0]] += 1
    return counts


def deadlocks(owner_conninfo: str) -> int:
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        row = conn.execute(DEADLOCKS).fetchone()
    return int(row[0]) if row else 0


def deadlocks_since(owner_conninfo: str, before: int) -> int:
    """Deadlocks since `before`, once the server's backends have gone and reported theirs."""
    seen = deadlocks(owner_conninfo)
    for _ in range(20):
        time.sleep(0.25)
        now = deadlocks(owner_conninfo)
        if now == seen > before:
            break
        seen = now
    return seen - before


def constraint_names(owner_conninfo: str) -> list[str]:
    with psycopg.connect(owner_conninfo) as conn:
        return [str(name).lower() for (name,) in conn.execute(CONSTRAINT_NAMES).fetchall()]


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
class Scene:
    """The stage, the plan and what both phases add to: the history, the scanner, the counts."""

    stage: Stage
    plan: Plan
    history: History
    scanner: Scanner
    provoked: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)  # logged by the server, by kind
    deadlocks: int = 0  # counted by PostgreSQL

    def phase(self, logs: Path, steps: tuple[Step, ...]) -> None:
        """One server over the database as it is now set; every round runs these steps."""
        a, b = self.stage.restaurants[:2]
        conninfo = self.stage.owner_conninfo
        with ExitStack() as stack:
            base = stack.enter_context(running(self.stage, logs, worker=False)).base_url
            clients = {
                role: stack.enter_context(
                    closing(RecordingClient(base, a.keys[role], self.history, role.value))
                )
                for role in (Role.OWNER, Role.HOST)
            }
            theirs = stack.enter_context(
                closing(RecordingClient(base, b.keys[Role.OWNER], self.history, "b"))
            )
            api = Api(clients, a, self.scanner)
            floor = read_floor(api, theirs, self.stage)
            owner = stack.enter_context(psycopg.connect(conninfo))
            # The locker never looks for a deadlock itself: the request waiting on it does.
            locker = stack.enter_context(psycopg.connect(conninfo, options=PATIENT))
            watcher = stack.enter_context(psycopg.connect(conninfo, autocommit=True))
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=max(2, self.plan.burst)))
            for number in range(self.plan.rounds):
                r = Round(
                    number, api, owner, locker, watcher, pool, floor, self.provoked, self.plan.burst
                )
                for step in steps:
                    step(r)
        self.retries += retries_logged(logs / "server.log")


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Provoke every kind of failure `plan.rounds` times, read committed then serializable;
    the figures, `valid` when nothing leaked, nothing was a 500 and every kind was provoked."""
    if len(stage.restaurants) < 2:
        raise ValueError("the scenario needs a stage of two restaurants")
    conninfo = stage.owner_conninfo
    quick = {"deadlock_timeout": DEADLOCK_TIMEOUT}
    with ExitStack() as stack:
        logs = out or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        history = stack.enter_context(History(out / "history.jsonl" if out else None))
        scene = Scene(stage, plan, history, Scanner([*PG_TEXT, *constraint_names(conninfo)]))
        before = deadlocks(conninfo)
        started = time.perf_counter()
        with database_settings(conninfo, quick):
            scene.phase(logs / "read-committed", COMMITTED)
        scene.deadlocks = deadlocks_since(conninfo, before)
        with database_settings(conninfo, quick | {"default_transaction_isolation": "serializable"}):
            scene.phase(logs / "serializable", SERIALIZABLE)
        seconds = time.perf_counter() - started
    return figures(scene, seconds)


def figures(scene: Scene, seconds: float) -> dict[str, Any]:
    provoked, retries = scene.provoked, scene.retries
    # Read committed, only a deadlock makes a request retry; serializable, only a failure to
    # serialize (the steps take no lock with a timeout).
    provoked["deadlock"] = min(retries["deadlock"], scene.deadlocks)
    provoked["serialization_failure"] += retries["serialization_failure"] + retries["burst"]
    answers: dict[str, Counter[str]] = {}
    for record in scene.history.completions():
        value = record["value"]
        answer = f"{value.get('status')} {value.get('code', '')}".strip()
        answers.setdefault(record["f"], Counter())[answer] += 1
    requests = sum(sum(counts.values()) for counts in answers.values())
    server_errors = sum(
        counts[a] for counts in answers.values() for a in counts if a.startswith("500")
    )
    leaks = scene.scanner.leaks(scene.history)
    return {
        "rounds": scene.plan.rounds,
        "burst": scene.plan.burst,
        "requests": requests,
        "provoked": {kind: provoked[kind] for kind in KINDS},
        "retries_logged": dict(retries),
        "deadlocks_counted_by_postgres": scene.deadlocks,
        "answers": {f: dict(counts) for f, counts in sorted(answers.items())},
        "forbidden_strings": len(scene.scanner.forbidden),
        "leaks": len(leaks),
        "leak_examples": leaks[:10],
        "server_errors": server_errors,
        "seconds": round(seconds, 1),
        "requests_per_second": round(requests / seconds, 1),
        "latency_ms": latencies(scene.history),
        "valid": not leaks and not server_errors and all(provoked[k] for k in KINDS),
    }
