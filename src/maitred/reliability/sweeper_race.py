"""Scenario 3: confirms racing the hold sweeper within ±50 ms of the hold's expiry.

Each run holds a table for one second, then confirms at a random instant between 50 ms before
and 50 ms after `expires_at` (the server and the database share this machine's clock), while
`maitred worker` sweeps expired holds every 20 ms. Whatever wins, the client must be told the
truth: no one told "confirmed" whose booking has no assignment, and no one told "expired" (or
"not found") whose replay with the same key then returns an assignment. Every confirm is sent
twice with its key, and the history is checked like the contention scenario's.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from maitred.reliability.checks import check
from maitred.reliability.client import DEFINITE_CONFIRM_CODES, RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2027, 6, 1)
WINDOW_MS = 50
HOLD_SECONDS = 1


@dataclass(frozen=True)
class Plan:
    runs: int
    lanes: int
    seed: int = 3

    @classmethod
    def ci(cls) -> Plan:
        return cls(runs=120, lanes=8)

    @classmethod
    def soak(cls) -> Plan:
        return cls(runs=3000, lanes=16)


class Lane:
    """One client: holds, waits until the expiry is near, confirms, replays."""

    def __init__(
        self, client: RecordingClient, restaurant: Restaurant, runs: list[int], seed: int
    ) -> None:
        self.client = client
        self.restaurant = restaurant
        self.runs = runs
        self.rng = random.Random(seed)
        self.answers: Counter[str] = Counter()
        self.offsets_ms: list[float] = []

    def run(self) -> None:
        for number in self.runs:
            self.race(number)

    def race(self, number: int) -> None:
        day = (FIRST_DAY + timedelta(days=number // 8)).isoformat()
        at = f"{17 + number % 8 // 2:02d}:{30 * (number % 2):02d}"
        created = self.client.call(
            "create", "POST", self.restaurant.path("/bookings"),
            json_body={"party_size": 2, "date": day, "time": at, "ref": f"race-{number}"},
        )  # fmt: skip
        if created.status != 201:
            return
        booking = created.body["id"]
        quoted = self.client.call(
            "quote", "POST", self.restaurant.path(f"/bookings/{booking}/quote"),
            json_body={"ttl_seconds": HOLD_SECONDS}, value={"booking": booking},
        )  # fmt: skip
        if quoted.status != 200 or quoted.body["hold"] is None:
            return
        hold = quoted.body["hold"]
        expires = datetime.fromisoformat(hold["expires_at"]).timestamp()
        offset = self.rng.uniform(-WINDOW_MS, WINDOW_MS) / 1000
        time.sleep(max(0.0, expires + offset - time.time()))
        self.offsets_ms.append(round((time.time() - expires) * 1000, 1))
        key = str(uuid.uuid4())
        first = self.confirm(booking, hold["id"], key)
        self.answers[_answer(first)] += 1
        self.confirm(booking, hold["id"], key)  # the replay: must be the same answer

    def confirm(self, booking: str, hold: str, key: str) -> Reply:
        for attempt in range(6):
            reply = self.client.call(
                "confirm", "POST", self.restaurant.path(f"/holds/{hold}/confirm"),
                headers={"Idempotency-Key": key},
                value={"booking": booking, "hold": hold, "key": key}, keep_body=True,
            )  # fmt: skip
            if reply.status == 200 or reply.code in DEFINITE_CONFIRM_CODES:
                return reply
            time.sleep(0.02 * (attempt + 1))
        return reply


def _answer(reply: Reply) -> str:
    return "confirmed" if reply.status == 200 else reply.code or f"no answer ({reply.error})"


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Race every confirm against the sweeper; the checked figures."""
    restaurant = stage.restaurants[0]
    history = History(out / "history.jsonl" if out else None)
    with history, running(stage, out, sweep_interval_seconds=0.02) as processes:
        lanes = [
            Lane(
                RecordingClient(processes.base_url, restaurant.client_keys[n], history, n),
                restaurant,
                list(range(n, plan.runs, plan.lanes)),
                plan.seed * 100 + n,
            )
            for n in range(plan.lanes)
        ]
        threads = [threading.Thread(target=lane.run) for lane in lanes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for lane in lanes:
            lane.client.close()
        verdict = check(history, stage.owner_conninfo)
    answers = sum((lane.answers for lane in lanes), Counter[str]())
    offsets = sorted(o for lane in lanes for o in lane.offsets_ms)
    figures = verdict.figures()
    figures |= {
        "runs": plan.runs,
        "answers": dict(answers),
        "confirm_offset_ms": {"min": offsets[0], "max": offsets[-1]} if offsets else {},
        # Under load a thread can wake late: how many confirms really left within the window.
        "sent_within_window": sum(1 for offset in offsets if abs(offset) <= WINDOW_MS),
        "latency_ms": latencies(history),
    }
    figures["valid"] = verdict.valid and sum(answers.values()) == plan.runs
    return figures
