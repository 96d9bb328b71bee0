"""Scenarios 1 and 2: clients create, quote, confirm, release and cancel over HTTP on one
20-table floor, without faults or with the nemesis; the history is then checked.

Every client follows what a booking widget or a host's screen does: create a booking, quote it
(plan and hold), then release the hold, walk away from it, or confirm it with a fresh
Idempotency-Key. A confirm without a definite answer (a timeout, a 503, the key still in use) is
sent again with the same key until it gets one; some confirmed bookings are replayed once more
and some are cancelled. All clients book the same few days at once, so they fight for tables.
"""

from __future__ import annotations

import random
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from maitred.reliability.checks import Verdict, check
from maitred.reliability.client import DEFINITE_CONFIRM_CODES, RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.nemesis import Nemesis
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2027, 3, 1)
BOOKINGS_PER_DAY = 120  # about 1.5 times what 20 tables seat in one evening
CONFIRM_ATTEMPTS = 6


@dataclass(frozen=True)
class Plan:
    clients: int
    operations: int  # per client
    faults: bool = False
    seed: int = 1

    @classmethod
    def ci(cls, faults: bool = False) -> Plan:
        return cls(clients=32, operations=500, faults=faults)

    @classmethod
    def soak(cls, faults: bool = False) -> Plan:
        return cls(clients=64, operations=10_000, faults=faults)


def held(quote: Any) -> dict[str, Any]:
    """What a quote's answer holds: the hold and its tables, for reading a history later."""
    hold = quote["hold"]
    if hold is None:
        return {"hold": None, "reason": quote["reason"]}
    return {"hold": hold["id"], "tables": sorted(t["id"] for t in hold["tables"])}


class Booker:
    """One client: books until it has made its share of calls."""

    def __init__(
        self, client: RecordingClient, restaurant: Restaurant, plan: Plan, number: int
    ) -> None:
        self.client = client
        self.restaurant = restaurant
        self.plan = plan
        self.rng = random.Random(plan.seed * 1000 + number)
        self.bookings = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while self.client.calls < self.plan.operations and not self.halt.is_set():
            self.book_one()

    def day(self) -> str:
        progress = self.bookings * self.plan.clients // BOOKINGS_PER_DAY
        return (FIRST_DAY + timedelta(days=progress + self.rng.randrange(2))).isoformat()

    def book_one(self) -> None:
        self.bookings += 1
        at = f"{self.rng.randrange(17, 22):02d}:{self.rng.choice((0, 15, 30, 45)):02d}"
        party = self.rng.choice((1, 2, 2, 2, 3, 4, 4, 5, 6, 8))
        created = self.client.call(
            "create",
            "POST",
            self.restaurant.path("/bookings"),
            json_body={"party_size": party, "date": self.day(), "time": at},
        )
        if created.status != 201:
            return
        booking = created.body["id"]
        quoted = self.client.call(
            "quote", "POST", self.restaurant.path(f"/bookings/{booking}/quote"),
            value={"booking": booking}, summary=held,
        )  # fmt: skip
        if quoted.status != 200 or quoted.body["hold"] is None:
            return
        hold = quoted.body["hold"]["id"]
        roll = self.rng.random()
        if roll < 0.15:
            self.client.call(
                "release", "DELETE", self.restaurant.path(f"/holds/{hold}"), value={"hold": hold}
            )
            return
        if roll < 0.2:
            return  # walked away: the hold expires and the sweeper removes it
        self.confirm(booking, hold)

    def confirm(self, booking: str, hold: str) -> None:
        key = str(uuid.uuid4())
        reply = self.confirm_until_definite(booking, hold, key)
        if reply is None or reply.status != 200:
            return
        if self.rng.random() < 0.2:
            self.send_confirm(booking, hold, key)  # a replay: must be the same answer
        if self.rng.random() < 0.15:
            self.client.call(
                "cancel", "POST", self.restaurant.path(f"/bookings/{booking}/cancel"),
                value={"booking": booking},
            )  # fmt: skip

    def send_confirm(self, booking: str, hold: str, key: str) -> Reply:
        return self.client.call(
            "confirm",
            "POST",
            self.restaurant.path(f"/holds/{hold}/confirm"),
            headers={"Idempotency-Key": key},
            value={"booking": booking, "hold": hold, "key": key},
            keep_body=True,
        )

    def confirm_until_definite(self, booking: str, hold: str, key: str) -> Reply | None:
        """Send the confirm, and again with the same key while the answer is not definite."""
        for attempt in range(CONFIRM_ATTEMPTS):
            reply = self.send_confirm(booking, hold, key)
            if reply.status == 200 or reply.code in DEFINITE_CONFIRM_CODES:
                return reply
            time.sleep(0.05 * (attempt + 1))
        return None


@contextmanager
def _stopped_by_signals(bookers: list[Booker]) -> Iterator[None]:
    """Ctrl+C or SIGTERM ends a long run early: every client finishes the booking in hand,
    and the history so far is checked as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        print("stopping: the clients finish their bookings in hand", file=sys.stderr)
        for booker in bookers:
            booker.halt.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(threads: list[threading.Thread], clients: list[RecordingClient]) -> None:
    """Join the clients, saying every minute how far they are (soak runs take an hour)."""
    started = time.monotonic()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=60)
            if thread.is_alive():
                calls = sum(client.calls for client in clients)
                minutes = (time.monotonic() - started) / 60
                print(f"{minutes:.0f} min: {calls} calls", file=sys.stderr, flush=True)


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Run the scenario on a prepared stage; the checked figures."""
    restaurant = stage.restaurants[0]
    assert len(restaurant.client_keys) >= plan.clients, "prepare one key per client"
    history = History(out / "history.jsonl" if out else None)
    with history, running(stage, out) as processes:
        clients = [
            RecordingClient(processes.base_url, restaurant.client_keys[n], history, n)
            for n in range(plan.clients)
        ]
        bookers = [Booker(c, restaurant, plan, n) for n, c in enumerate(clients)]
        nemesis = Nemesis(history, stage.owner_conninfo, clients, processes.worker, plan.seed)
        threads = [
            threading.Thread(target=b.run, name=f"client-{i}") for i, b in enumerate(bookers)
        ]
        started = time.perf_counter()
        if plan.faults:
            nemesis.start()
        for thread in threads:
            thread.start()
        with _stopped_by_signals(bookers):
            _wait(threads, clients)
        seconds = time.perf_counter() - started
        if plan.faults:
            nemesis.stop()
        for client in clients:
            client.close()
        verdict: Verdict = check(history, stage.owner_conninfo)
    figures = verdict.figures()
    figures |= {
        "clients": plan.clients,
        "operations_per_client": plan.operations,
        "stopped_early": any(booker.halt.is_set() for booker in bookers),
        "seconds": round(seconds, 1),
        "operations_per_second": round(verdict.operations / seconds, 1),
        "latency_ms": latencies(history),
    }
    return figures
