"""Idempotency keys: the protocol of confirm, over HTTP against `maitred serve`.

Every run books afresh: two bookings in restaurant A and one in restaurant B, each quoted to a
hold. It then proves, each property counted on its own:

- `missing_key`: a confirm without the header is 400 IDEMPOTENCY_KEY_MISSING;
- `in_flight`: while the first confirm with a key waits (a separate connection holds the row lock
  of its hold), a second with the same key is 409 IDEMPOTENCY_KEY_IN_USE at once; once the lock
  goes, the first answers 200;
- `reused_body` / `reused_hold`: the same key with another body (a `context_version`), or on
  another hold, is 422 IDEMPOTENCY_KEY_REUSED;
- `replay`: the same key and body again, once the hold is gone, gets the identical status and
  body;
- `scoped_fresh`: the same key string in restaurant B confirms B's own hold (200 with B's
  booking), never a replay of A's answer;
- `scoped_foreign`: B's key replaying A's key on A's hold, on A's path, is 404 NOT_FOUND with
  the body a random hold id gets; on B's own path, A's hold id is 404 HOLD_NOT_FOUND. Neither
  carries A's booking.

The history is then checked as every scenario's is (no overlap, no lost or phantom confirm, one
answer per key, no 500).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from maitred.domain.api_keys import Role
from maitred.reliability.checks import check
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.locks import OwnerConnection, wait_for_waiters
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2027, 6, 1)
PROPERTIES = (
    "missing_key",
    "in_flight",
    "reused_body",
    "reused_hold",
    "replay",
    "scoped_fresh",
    "scoped_foreign",
)
ERROR_SHAPE = {"error", "code", "details"}


@dataclass(frozen=True)
class Plan:
    runs: int
    lanes: int = 3  # runs going on at once, each on its own days

    @classmethod
    def ci(cls) -> Plan:
        return cls(runs=50)

    @classmethod
    def soak(cls) -> Plan:
        return cls(runs=500)


@dataclass
class Side:
    """One restaurant as a run sees it: its clients (one spare for a call left waiting)."""

    restaurant: Restaurant
    client: RecordingClient
    spare: RecordingClient

    def path(self, suffix: str) -> str:
        return self.restaurant.path(suffix)

    def booked_hold(self, day: date) -> tuple[str, str]:
        """A fresh booking quoted to a hold: (booking id, hold id)."""
        body = {"party_size": 2, "date": day.isoformat(), "time": "19:00"}
        created = self.client.call("create", "POST", self.path("/bookings"), json_body=body)
        if created.status != 201:
            raise RuntimeError(f"booking refused: {created.body}")
        booking = created.body["id"]
        quoted = self.client.call(
            "quote", "POST", self.path(f"/bookings/{booking}/quote"), value={"booking": booking}
        )
        if quoted.status != 200 or not quoted.body["hold"]:
            raise RuntimeError(f"no hold: {quoted.body}")
        return booking, quoted.body["hold"]["id"]


def confirm(
    client: RecordingClient,
    restaurant: Restaurant,
    hold: str,
    key: str | None,
    *,
    booking: str | None = None,
    body: dict[str, Any] | None = None,
) -> Reply:
    """One confirm; the history's `key` is scoped by restaurant, as the server scopes it."""
    value: dict[str, Any] = {"hold": hold, "header": key}
    if key is not None:
        value["key"] = f"{restaurant.id}:{key}"
    if booking is not None:
        value["booking"] = booking
    return client.call(
        "confirm",
        "POST",
        restaurant.path(f"/holds/{hold}/confirm"),
        json_body=body,
        headers=None if key is None else {"Idempotency-Key": key},
        value=value,
        keep_body=True,
    )


def is_error(reply: Reply, status: int, code: str) -> bool:
    """The refusal expected, in exactly the shape of the error contract."""
    shaped = isinstance(reply.body, dict) and set(reply.body) == ERROR_SHAPE
    return reply.status == status and reply.code == code and shaped


@dataclass
class Tally:
    passed: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, run: int, name: str, ok: bool, detail: object = "") -> None:
        with self.lock:
            if ok:
                self.passed[name] += 1
            else:
                self.failures.append(f"run {run} {name}: {detail}")


@dataclass
class Run:
    """One run's bookings and holds, and the key A confirmed its first hold with."""

    number: int
    a: Side
    b: Side
    owner: OwnerConnection  # holds the lock a confirm waits for
    watcher: OwnerConnection  # autocommit: sees who waits
    pool: ThreadPoolExecutor
    tally: Tally
    key: str = field(default_factory=lambda: f"confirm-{uuid.uuid4()}")
    bookings: dict[str, str] = field(default_factory=dict)
    holds: dict[str, str] = field(default_factory=dict)
    answer: Reply | None = None

    def day(self) -> date:
        return FIRST_DAY + timedelta(days=self.number)

    def book(self) -> None:
        for name, side in (("a", self.a), ("a2", self.a), ("b", self.b)):
            self.bookings[name], self.holds[name] = side.booked_hold(self.day())

    def confirm_a(self, hold: str, key: str | None, **kw: Any) -> Reply:
        return confirm(self.a.client, self.a.restaurant, hold, key, **kw)

    def record(self, name: str, ok: bool, reply: Reply | None) -> None:
        detail = reply and (reply.status, reply.body)
        self.tally.record(self.number, name, ok, detail)


def missing_key(run: Run) -> None:
    reply = run.confirm_a(run.holds["a"], None, booking=run.bookings["a"])
    run.record("missing_key", is_error(reply, 400, "IDEMPOTENCY_KEY_MISSING"), reply)


@contextmanager
def hold_locked(owner: OwnerConnection, hold: str) -> Iterator[int]:
    """The hold's row locked by the owner's connection until the block ends; its pid."""
    with owner.transaction(force_rollback=True):
        owner.execute("SELECT hold_id FROM holds WHERE hold_id = %s FOR UPDATE", [hold])
        yield owner.info.backend_pid


def in_flight(run: Run) -> None:
    hold, booking = run.holds["a"], run.bookings["a"]
    with hold_locked(run.owner, hold) as locker:
        first = run.pool.submit(
            confirm, run.a.spare, run.a.restaurant, hold, run.key, booking=booking
        )
        try:
            wait_for_waiters(run.watcher, locker)
            second: Reply | None = run.confirm_a(hold, run.key, booking=booking)
        except TimeoutError:
            second = None
    run.answer = first.result()
    ok = second is not None and is_error(second, 409, "IDEMPOTENCY_KEY_IN_USE")
    run.record("in_flight", ok and run.answer.status == 200, second or run.answer)


def reused(run: Run) -> None:
    other_body = run.confirm_a(run.holds["a"], run.key, body={"context_version": 1})
    run.record("reused_body", is_error(other_body, 422, "IDEMPOTENCY_KEY_REUSED"), other_body)
    other_hold = run.confirm_a(run.holds["a2"], run.key, booking=run.bookings["a2"])
    run.record("reused_hold", is_error(other_hold, 422, "IDEMPOTENCY_KEY_REUSED"), other_hold)


def replay(run: Run) -> None:
    gone = run.watcher.execute(
        "SELECT count(*) FROM holds WHERE hold_id = %s", [run.holds["a"]]
    ).fetchone()
    again = run.confirm_a(run.holds["a"], run.key, booking=run.bookings["a"])
    first = run.answer
    same = first is not None and (again.status, again.body) == (first.status, first.body)
    run.record("replay", same and gone == (0,), again)


def scoped(run: Run) -> None:
    b, secret = run.b, run.bookings["a"]
    own = confirm(b.client, b.restaurant, run.holds["b"], run.key, booking=run.bookings["b"])
    fresh = own.status == 200 and own.body["booking"]["id"] == run.bookings["b"]
    run.record("scoped_fresh", fresh and secret not in str(own.body), own)
    on_a = confirm(b.client, run.a.restaurant, run.holds["a"], run.key)
    random_hold = confirm(b.client, run.a.restaurant, str(uuid.uuid4()), run.key)
    a2_key = f"second-{run.key}"
    a2 = run.confirm_a(run.holds["a2"], a2_key, booking=run.bookings["a2"])
    on_b = confirm(b.client, b.restaurant, run.holds["a2"], a2_key)
    leaked = any(s in str(r.body) for s in (secret, run.bookings["a2"]) for r in (on_a, on_b))
    ok = (
        is_error(on_a, 404, "NOT_FOUND")
        and on_a.body == random_hold.body
        and a2.status == 200
        and is_error(on_b, 404, "HOLD_NOT_FOUND")
        and not leaked
    )
    run.record("scoped_foreign", ok, on_b if on_a.status == 404 else on_a)


STEPS: tuple[Callable[[Run], None], ...] = (missing_key, in_flight, reused, replay, scoped)


def side(stage: Stage, index: int, base_url: str, history: History, lane: int) -> Side:
    restaurant = stage.restaurants[index]
    key = restaurant.keys[Role.HOST]
    name = f"{'ab'[index]}{lane}"
    return Side(
        restaurant,
        RecordingClient(base_url, key, history, name),
        RecordingClient(base_url, key, history, f"{name}-waiting"),
    )


def drive(
    stage: Stage, plan: Plan, base_url: str, history: History, tally: Tally, lane: int
) -> None:
    """One lane: its share of the runs, one after the other, with connections of its own."""
    with ExitStack() as stack:
        owner = stack.enter_context(psycopg.connect(stage.owner_conninfo))
        watcher = stack.enter_context(psycopg.connect(stage.owner_conninfo, autocommit=True))
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        a, b = (side(stage, i, base_url, history, lane) for i in (0, 1))
        for client in (a.client, a.spare, b.client, b.spare):
            stack.callback(client.close)
        for number in range(lane, plan.runs, plan.lanes):
            one = Run(number, a, b, owner, watcher, pool, tally)
            one.book()
            for step in STEPS:
                step(one)


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Run the scenario on a stage of two restaurants; the figures, `valid` when every property
    held in every run."""
    if len(stage.restaurants) < 2:
        raise ValueError("the scenario needs a stage of two restaurants")
    tally = Tally()
    with (
        History(out / "history.jsonl" if out else None) as history,
        running(stage, out, worker=False) as processes,
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=plan.lanes) as lanes:
            done = [
                lanes.submit(drive, stage, plan, processes.base_url, history, tally, lane)
                for lane in range(plan.lanes)
            ]
            for lane in done:
                lane.result()
        seconds = time.perf_counter() - started
    return figures(history, stage, plan, tally, seconds)


def figures(
    history: History, stage: Stage, plan: Plan, tally: Tally, seconds: float
) -> dict[str, Any]:
    verdict = check(history, stage.owner_conninfo).figures()
    passed = {name: tally.passed[name] for name in PROPERTIES}
    failed = plan.runs * len(PROPERTIES) - sum(passed.values())
    requests = verdict["operations"]
    return {
        "runs": plan.runs,
        "lanes": plan.lanes,
        "passed": passed,
        "property_failures": failed,
        "failures": tally.failures[:10],
        "requests": requests,
        "seconds": round(seconds, 1),
        "requests_per_second": round(requests / seconds, 1),
        "overlaps": verdict["overlaps"],
        "lost_confirms": verdict["lost_confirms"],
        "phantom_confirms": verdict["phantom_confirms"],
        "replay_mismatches": verdict["replay_mismatches"],
        "keys_with_replays": verdict["keys_with_replays"],
        "server_errors": verdict["server_errors"],
        "latency_ms": latencies(history),
        "valid": failed == 0 and not tally.failures and verdict["valid"],
    }
