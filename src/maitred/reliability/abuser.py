"""The abuser: one key's threads flooding quotes and holds on two sittings of one evening."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.stage import Restaurant

ABUSED_DAY = date(2027, 5, 3)
ABUSED_TIMES = ("17:30", "20:00")  # two sittings whose windows do not overlap


@dataclass(frozen=True)
class Limits:
    per_booking: int
    window_seconds: int
    max_live_holds: int
    hold_ttl_min_seconds: int
    hold_ttl_max_seconds: int

    @classmethod
    def of(cls, policy: dict[str, Any]) -> Limits:
        rate = policy["hold_rate_limit"]
        return cls(
            per_booking=rate["per_booking"],
            window_seconds=rate["window_seconds"],
            max_live_holds=rate["max_live_holds"],
            hold_ttl_min_seconds=policy["hold_ttl_min_seconds"],
            hold_ttl_max_seconds=policy["hold_ttl_max_seconds"],
        )


# --- the abuser ------------------------------------------------------------------------------


class Abuser:
    """The abuser's threads share one key, one list of bookings and one table list.

    It holds mostly for as long as the policy allows, sometimes for the shortest time; it goes
    back (with a quote) to a booking whose hold has just run out whenever there is one, as an
    abuser retries the moment a hold lapses, before the sweeper has removed it; and each thread
    keeps coming back to a booking of its own, re-quoting it to see other tables.
    """

    def __init__(
        self,
        restaurant: Restaurant,
        tables: list[str],
        limits: Limits,
        *,
        bookings: int,  # all threads together
        threads: int,
        seed: int,
    ) -> None:
        self.restaurant = restaurant
        self.tables = tables
        self.limits = limits
        self.share = -(-bookings // threads)  # the bookings each thread makes
        self.threads = threads
        self.seed = seed
        self.bookings: list[str] = []
        self.lapses: dict[str, float] = {}  # booking -> when its hold runs out (monotonic)
        self.made = itertools.count()
        self.granted = 0  # holds the server gave the abuser
        self.limited: Counter[str] = Counter()  # 429s by the limit that refused
        self.prepared = 0
        self.ready = threading.Event()  # every thread has made its bookings
        self.lock = threading.Lock()

    def book(self, client: RecordingClient) -> str | None:
        at = ABUSED_TIMES[next(self.made) % len(ABUSED_TIMES)]
        body = {"party_size": 2, "date": ABUSED_DAY.isoformat(), "time": at}
        reply = client.call("create", "POST", self.restaurant.path("/bookings"), json_body=body)
        return str(reply.body["id"]) if reply.status == 201 else None

    def prepare(self, client: RecordingClient) -> None:
        """This thread's share of the abuser's bookings, each held at once for long; then the
        first of them quoted again and again until a limit refuses it."""
        ttl = self.limits.hold_ttl_max_seconds
        share = [self.book(client) for _ in range(self.share)]
        mine = [booking for booking in share if booking is not None]
        with self.lock:
            self.bookings += mine
        for booking in mine:
            self.answered(client, booking, ttl, self.quote(client, booking, ttl))
        for _ in range(self.limits.per_booking + 1):
            if not mine or self.answered(client, mine[0], ttl, self.quote(client, mine[0], ttl)):
                break
        with self.lock:
            self.prepared += 1
            if self.prepared == self.threads:
                self.ready.set()

    def run(self, client: RecordingClient, number: int, stop: threading.Event) -> None:
        rng = random.Random(self.seed * 31 + number)
        self.prepare(client)
        while not stop.is_set() and self.bookings:
            booking, lapsed = self.pick(rng, number)
            long = rng.random() < 0.7
            ttl = self.limits.hold_ttl_max_seconds if long else self.limits.hold_ttl_min_seconds
            if lapsed or rng.random() < 0.5:
                reply = self.quote(client, booking, ttl)
            else:
                reply = self.hold(client, booking, rng.choice(self.tables), ttl)
            self.answered(client, booking, ttl, reply)

    def pick(self, rng: random.Random, number: int) -> tuple[str, bool]:
        """A booking whose hold lapsed in the last second, the thread's own booking, or any
        booking; and whether it is one that lapsed."""
        with self.lock:
            now = time.monotonic()
            lapsed = sorted(b for b, at in self.lapses.items() if now - 1 <= at <= now)
            if lapsed and rng.random() < 0.8:
                return rng.choice(lapsed), True
            if rng.random() < 0.25:
                return self.bookings[number % len(self.bookings)], False
            return rng.choice(self.bookings), False

    def answered(self, client: RecordingClient, booking: str, ttl: int, reply: Reply) -> str:
        """Note a hold granted or a limit met (a booking at its limit is replaced); the limit."""
        with self.lock:
            self.lapses.pop(booking, None)
            if reply.status in (200, 201) and (reply.body.get("hold") or reply.body.get("id")):
                self.lapses[booking] = time.monotonic() + ttl
                self.granted += 1
        if reply.status != 429:
            return ""
        limit = str(reply.body["details"].get("limit"))
        with self.lock:
            self.limited[limit] += 1
        if limit == "per_booking":
            self.replace(client, booking)
        return limit

    def quote(self, client: RecordingClient, booking: str, ttl: int) -> Reply:
        path = self.restaurant.path(f"/bookings/{booking}/quote")
        value = {"booking": booking, "ttl": ttl}
        return client.call("quote", "POST", path, json_body={"ttl_seconds": ttl}, value=value)

    def hold(self, client: RecordingClient, booking: str, table: str, ttl: int) -> Reply:
        path = self.restaurant.path(f"/bookings/{booking}/holds")
        body = {"table_ids": [table], "ttl_seconds": ttl}
        value = {"booking": booking, "table": table, "ttl": ttl}
        return client.call("hold", "POST", path, json_body=body, value=value)

    def replace(self, client: RecordingClient, booking: str) -> None:
        """A booking at its per-booking limit is swapped for a fresh one."""
        fresh = self.book(client)
        with self.lock:
            if fresh is not None and booking in self.bookings:
                self.bookings[self.bookings.index(booking)] = fresh
                self.lapses.pop(booking, None)
