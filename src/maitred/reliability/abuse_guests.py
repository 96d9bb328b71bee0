"""The other clients: each with a key of its own, booking as a booking widget does."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from maitred.reliability.abuser import ABUSED_DAY, ABUSED_TIMES
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.stage import Restaurant

FIRST_OTHER_DAY = ABUSED_DAY + timedelta(days=1)
BOOKINGS_PER_DAY = 60  # what the other clients spread over one evening before moving on
CONTESTED_EVERY = 5  # every fifth booking of another client asks for an abused sitting


@dataclass
class Tally:
    """The other clients' requests, successes and failures by kind, from many threads."""

    requests: int = 0
    succeeded: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    contested: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, f: str, reply: Reply, ok: bool) -> None:
        with self.lock:
            self.requests += 1
            self.succeeded += ok
            if not ok:
                self.failures[f"{f}:{reply.status}:{reply.code}"] += 1


def quote_succeeded(reply: Reply) -> bool:
    """A hold, or a definite answer that nothing fits then."""
    if reply.status != 200:
        return False
    return reply.body["hold"] is not None or isinstance(reply.body.get("reason"), str)


class Guest:
    """Another client, booking as a booking widget does: create, quote, confirm."""

    def __init__(
        self,
        client: RecordingClient,
        restaurant: Restaurant,
        number: int,
        tally: Tally,
        *,
        others: int,  # how many other clients book alongside this one
        seed: int,
    ) -> None:
        self.client = client
        self.restaurant = restaurant
        self.others = others
        self.rng = random.Random(seed * 1009 + number)
        self.tally = tally
        self.bookings = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.book_one()

    def when(self) -> tuple[str, str, bool]:
        """The day and time of the next booking, and whether it is an abused sitting."""
        if self.bookings % CONTESTED_EVERY == 0:
            return ABUSED_DAY.isoformat(), self.rng.choice(ABUSED_TIMES), True
        progress = self.bookings * self.others // BOOKINGS_PER_DAY
        day = FIRST_OTHER_DAY + timedelta(days=progress + self.rng.randrange(2))
        at = f"{self.rng.randrange(17, 22):02d}:{self.rng.choice((0, 15, 30, 45)):02d}"
        return day.isoformat(), at, False

    def book_one(self) -> None:
        self.bookings += 1
        day, at, contested = self.when()
        party = self.rng.choice((1, 2, 2, 2, 3, 4, 4, 5, 6))
        body = {"party_size": party, "date": day, "time": at}
        created = self.client.call(
            "create", "POST", self.restaurant.path("/bookings"), json_body=body
        )
        self.tally.count("create", created, created.status == 201)
        if created.status != 201:
            return
        booking = created.body["id"]
        path = self.restaurant.path(f"/bookings/{booking}/quote")
        quoted = self.client.call("quote", "POST", path, value={"booking": booking})
        self.tally.count("quote", quoted, quote_succeeded(quoted))
        hold = quoted.body.get("hold") if quoted.status == 200 else None
        if contested:
            answer = "held" if hold else str(quoted.body.get("reason") or quoted.code)
            with self.tally.lock:
                self.tally.contested[answer if quoted.status else "no answer"] += 1
        if hold is not None:
            self.confirm(booking, hold["id"])

    def confirm(self, booking: str, hold: str) -> None:
        key = str(uuid.uuid4())
        reply = self.client.call(
            "confirm",
            "POST",
            self.restaurant.path(f"/holds/{hold}/confirm"),
            headers={"Idempotency-Key": key},
            value={"booking": booking, "hold": hold, "key": key},
        )
        self.tally.count("confirm", reply, reply.status == 200)
