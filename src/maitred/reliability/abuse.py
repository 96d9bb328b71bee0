"""Scenario: hold abuse. One key floods holds; its caps hold and everyone else is still served.

One principal (one `online` key, the booking widget's kind) runs several threads that, as fast
as they can, quote and hold tables for its own bookings of two sittings of one evening: each
booking held at once for as long as the policy allows, then quotes and manual holds on random
tables of the 20, with the longest TTL or the shortest (so holds lapse before the sweeper
removes them, and the abuser re-holds them at once). When a booking reaches its per-booking
limit the abuser makes a new one. Meanwhile other clients, each with a key of its own, book
normally (create, quote, confirm) on the following days.

Checked, mechanically:
- the abuser's live holds (polled as the owner every few milliseconds: `holds` rows of its actor
  `key:<key_id>` that have not expired) never exceed `max_live_holds`;
- no booking of the abuser got more than `per_booking` holds in any window of `window_seconds`
  (from `hold_log`, after the run);
- every 429, to anyone, carries `Retry-After` with a positive whole number of seconds;
- no request of anyone was answered 5xx or left without an answer;
- the other clients succeed at least 99% of the time. A request of another client succeeds
  when it is answered without a transport error, with neither 429 nor 5xx, and with what its
  step expects: create 201; quote 200 carrying a hold, or no hold and a stable `reason` (a
  definite "no table fits then"); confirm 200.

Also reported (`findings`, `contested_quotes`): whether the live-hold cap lets one key hold
every table of a sitting, how many tables it held at once for one sitting, and how the other
clients fared when they asked for those very sittings. A definite "no table" counts as a
success above, so these figures say what one key can take from others.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from maitred.domain.api_keys import Role, hash_key
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

ABUSED_DAY = date(2027, 5, 3)
ABUSED_TIMES = ("17:30", "20:00")  # two sittings whose windows do not overlap
FIRST_OTHER_DAY = ABUSED_DAY + timedelta(days=1)
BOOKINGS_PER_DAY = 60  # what the other clients spread over one evening before moving on
CONTESTED_EVERY = 5  # every fifth booking of another client asks for an abused sitting
SUCCESS_RATE = 0.99
READY_SECONDS = 120  # the longest the abuser may take to make its bookings


@dataclass(frozen=True)
class Plan:
    seconds: float  # how long the abuser floods while the others book
    abuser_threads: int = 3
    others: int = 4
    abuser_bookings: int = 30  # more than the live-hold cap, so the cap is what stops it
    poll_seconds: float = 0.01
    seed: int = 1

    @classmethod
    def ci(cls) -> Plan:
        return cls(seconds=8)

    @classmethod
    def soak(cls) -> Plan:
        return cls(seconds=900, abuser_threads=6, others=8, abuser_bookings=60)

    @property
    def keys(self) -> int:
        """Client keys to prepare: the abuser's and one per other client."""
        return 1 + self.others


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
        self, restaurant: Restaurant, tables: list[str], limits: Limits, plan: Plan
    ) -> None:
        self.restaurant = restaurant
        self.tables = tables
        self.limits = limits
        self.plan = plan
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
        share = [
            self.book(client)
            for _ in range(-(-self.plan.abuser_bookings // self.plan.abuser_threads))
        ]
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
            if self.prepared == self.plan.abuser_threads:
                self.ready.set()

    def run(self, client: RecordingClient, number: int, stop: threading.Event) -> None:
        rng = random.Random(self.plan.seed * 31 + number)
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


# --- the other clients -----------------------------------------------------------------------


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
        self, client: RecordingClient, restaurant: Restaurant, plan: Plan, number: int, tally: Tally
    ) -> None:
        self.client = client
        self.restaurant = restaurant
        self.plan = plan
        self.rng = random.Random(plan.seed * 1009 + number)
        self.tally = tally
        self.bookings = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.book_one()

    def when(self) -> tuple[str, str, bool]:
        """The day and time of the next booking, and whether it is an abused sitting."""
        if self.bookings % CONTESTED_EVERY == 0:
            return ABUSED_DAY.isoformat(), self.rng.choice(ABUSED_TIMES), True
        progress = self.bookings * self.plan.others // BOOKINGS_PER_DAY
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


# --- watching the database -------------------------------------------------------------------

LIVE = """
SELECT (SELECT count(*) FROM holds WHERE restaurant_id = %(rid)s AND actor = %(actor)s
          AND expires_at > now()) AS live,
       (SELECT coalesce(max(n), 0) FROM (
          SELECT count(DISTINCT a.table_id) AS n
            FROM allocations a JOIN holds h USING (restaurant_id, hold_id)
           WHERE a.restaurant_id = %(rid)s AND h.actor = %(actor)s AND h.expires_at > now()
             AND a.kind = 'hold'
           GROUP BY a.time_window) sittings) AS tables
"""

# For every hold the actor took, how many it took for that booking in the window ending then
# (the window the limit counts: created_at > now() - window).
PER_BOOKING = """
SELECT coalesce(max(n), 0) AS most, count(DISTINCT booking_id) FILTER (WHERE n > %(cap)s) AS over
FROM (SELECT l.booking_id, count(*) AS n
      FROM hold_log l JOIN hold_log w
        ON w.restaurant_id = l.restaurant_id AND w.actor = l.actor
       AND w.booking_id = l.booking_id AND w.created_at <= l.created_at
       AND w.created_at > l.created_at - make_interval(secs => %(window)s)
      WHERE l.restaurant_id = %(rid)s AND l.actor = %(actor)s
      GROUP BY l.log_id, l.booking_id) windows
"""


@dataclass
class Watch:
    polls: int = 0
    max_live: int = 0
    max_tables: int = 0
    over_cap: list[tuple[int, float]] = field(default_factory=list)  # (live, run time)


class Poller:
    """Counts the abuser's live holds as the owner, as often as it can, until told to stop."""

    def __init__(self, stage: Stage, rid: str, actor: str, cap: int, history: History) -> None:
        self.stage = stage
        self.params = {"rid": rid, "actor": actor}
        self.cap = cap
        self.history = history
        self.watch = Watch()

    def run(self, stop: threading.Event, every: float) -> None:
        started = time.monotonic()
        with psycopg.connect(self.stage.owner_conninfo, autocommit=True) as conn:
            while not stop.is_set():
                op = self.history.invoke("poller", "live_holds", {})
                live, tables = conn.execute(LIVE, self.params).fetchone() or (0, 0)
                self.history.complete(op, "ok", {"live": live, "tables": tables})
                self.seen(int(live), int(tables), time.monotonic() - started)
                time.sleep(every)

    def seen(self, live: int, tables: int, at: float) -> None:
        watch = self.watch
        watch.polls += 1
        watch.max_live = max(watch.max_live, live)
        watch.max_tables = max(watch.max_tables, tables)
        if live > self.cap:
            watch.over_cap.append((live, round(at, 3)))


# --- the scenario ----------------------------------------------------------------------------


def actor_of(owner: psycopg.Connection[Any], key: str) -> str:
    """How the API names a key's holds: `key:<key_id>` (maitred.api.auth)."""
    row = owner.execute("SELECT key_id FROM api_keys WHERE key_hash = %s", [hash_key(key)])
    found = row.fetchone()
    assert found is not None, "the abuser's key is not in the database"
    return f"key:{found[0]}"


def table_ids(owner: psycopg.Connection[Any], rid: str) -> list[str]:
    rows = owner.execute(
        "SELECT table_id::text FROM dining_tables WHERE restaurant_id = %s AND active"
        " ORDER BY label",
        [rid],
    ).fetchall()
    return [table for (table,) in rows]


def effective_limits(base_url: str, restaurant: Restaurant, history: History) -> Limits:
    owner = RecordingClient(base_url, restaurant.keys[Role.OWNER], history, "setup")
    try:
        reply = owner.call("policy", "GET", restaurant.path("/policy"))
        assert reply.status == 200, reply
        return Limits.of(reply.body["effective"])
    finally:
        owner.close()


@dataclass
class Crowd:
    """Every thread of a run: the poller, the abuser's and the other clients'."""

    threads: list[threading.Thread] = field(default_factory=list)
    clients: list[RecordingClient] = field(default_factory=list)

    def client(self, base_url: str, key: str, history: History, process: str) -> RecordingClient:
        client = RecordingClient(base_url, key, history, process)
        self.clients.append(client)
        return client

    def add(self, name: str, target: Callable[..., None], *args: Any) -> None:
        self.threads.append(threading.Thread(target=target, args=args, name=name))

    def run(
        self, ready: threading.Event, seconds: float, stop: threading.Event
    ) -> dict[str, float]:
        """Start every thread; stop them `seconds` after `ready` is set. How long each took."""
        started = time.perf_counter()
        for thread in self.threads:
            thread.start()
        ready.wait(READY_SECONDS)
        flooding = time.perf_counter()
        stop.wait(seconds)
        stop.set()
        for thread in self.threads:
            thread.join()
        for client in self.clients:
            client.close()
        ended = time.perf_counter()
        return {"prepare": round(flooding - started, 1), "flood": round(ended - flooding, 1)}


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Run the scenario on a stage with `plan.keys` client keys of the first restaurant."""
    restaurant = stage.restaurants[0]
    assert len(restaurant.client_keys) >= plan.keys, "prepare the abuser's key and the others'"
    rid = str(restaurant.id)
    with psycopg.connect(stage.owner_conninfo, autocommit=True) as owner:
        actor = actor_of(owner, restaurant.client_keys[0])
        tables = table_ids(owner, rid)
    history = History(out / "history.jsonl" if out else None)
    started = time.perf_counter()
    with history, running(stage, out) as processes:
        seconds = {"start": round(time.perf_counter() - started, 1)}
        limits = effective_limits(processes.base_url, restaurant, history)
        abuser = Abuser(restaurant, tables, limits, plan)
        poller = Poller(stage, rid, actor, limits.max_live_holds, history)
        crowd, stop, tally = Crowd(), threading.Event(), Tally()
        crowd.add("poller", poller.run, stop, plan.poll_seconds)
        enlist(crowd, processes.base_url, history, abuser, tally, stop)
        seconds |= crowd.run(abuser.ready, plan.seconds, stop)
    most, over = per_booking_windows(stage, rid, actor, limits)
    figures = summarise(history, limits, poller.watch, tally, most, over)
    return figures | {
        "abuser_holds_granted": abuser.granted,
        "abuser_429s_by_limit": dict(abuser.limited),
        "findings": findings(limits, len(tables), poller.watch, tally),
        "tables": len(tables),
        "seconds": seconds,
        "latency_ms": latencies(history),
    }


def enlist(
    crowd: Crowd, base: str, history: History, abuser: Abuser, tally: Tally, stop: threading.Event
) -> None:
    """The abuser's threads, all with its one key, and one thread per other client's key."""
    plan, restaurant = abuser.plan, abuser.restaurant
    for n in range(plan.abuser_threads):
        client = crowd.client(base, restaurant.client_keys[0], history, f"abuser-{n}")
        crowd.add(f"abuser-{n}", abuser.run, client, n, stop)
    for n, key in enumerate(restaurant.client_keys[1 : plan.keys]):
        client = crowd.client(base, key, history, f"other-{n}")
        crowd.add(f"other-{n}", Guest(client, restaurant, plan, n, tally).run, stop)


def per_booking_windows(stage: Stage, rid: str, actor: str, limits: Limits) -> tuple[int, int]:
    """The most holds one booking got in one window, and how many bookings got too many."""
    params = {"rid": rid, "actor": actor, "cap": limits.per_booking}
    with psycopg.connect(stage.owner_conninfo, autocommit=True) as owner:
        row = owner.execute(PER_BOOKING, params | {"window": limits.window_seconds}).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def findings(limits: Limits, tables: int, watch: Watch, tally: Tally) -> list[str]:
    """What the figures say about the limits themselves (not checks: the design's questions)."""
    found = []
    if limits.max_live_holds >= tables:
        found.append(
            f"one key may hold every table of a sitting: max_live_holds {limits.max_live_holds}"
            f" >= {tables} tables (held at once here: {watch.max_tables})"
        )
    turned_away = sum(n for answer, n in tally.contested.items() if answer != "held")
    if turned_away:
        found.append(
            f"{turned_away} of {sum(tally.contested.values())} quotes of other clients for the"
            " abused sittings found no table"
        )
    return found


def abuser_figures(history: History) -> dict[str, Any]:
    replies = [r for r in history.completions() if str(r["process"]).startswith("abuser-")]
    statuses = Counter(str(r["value"].get("status")) for r in replies)
    return {
        "abuser_requests": len(replies),
        "abuser_429s": statuses["429"],
        "abuser_statuses": dict(statuses),
    }


def retry_after_missing(history: History) -> int:
    """429s without a `Retry-After` of a positive whole number of seconds."""
    missing = 0
    for record in history.completions():
        if record["value"].get("status") == 429:
            retry = str(record["value"].get("retry_after") or "")
            missing += not (retry.isdigit() and int(retry) > 0)
    return missing


def server_errors(history: History) -> int:
    """Answers of 5xx, and calls left without an answer, of any client."""
    return sum(
        1
        for record in history.completions()
        if record["process"] != "poller"
        and (record["value"].get("status") is None or record["value"]["status"] >= 500)
    )


def summarise(
    history: History, limits: Limits, watch: Watch, tally: Tally, most: int, over: int
) -> dict[str, Any]:
    rate = tally.succeeded / tally.requests if tally.requests else 0.0
    zeros = {
        "polls_over_live_cap": len(watch.over_cap),
        "bookings_over_per_booking_cap": over,
        "429s_without_retry_after": retry_after_missing(history),
        "server_errors": server_errors(history),
    }
    return {
        **abuser_figures(history),
        "max_live_holds_seen": watch.max_live,
        "max_live_holds_cap": limits.max_live_holds,
        "live_hold_polls": watch.polls,
        "over_cap_seen_at": watch.over_cap[:10],
        "max_holds_per_booking_in_window": most,
        "per_booking_cap": limits.per_booking,
        "window_seconds": limits.window_seconds,
        "abuser_max_tables_held_at_once": watch.max_tables,
        "others_requests": tally.requests,
        "others_succeeded": tally.succeeded,
        "others_success_rate": round(rate, 4),
        "others_failures": dict(tally.failures),
        "contested_quotes": dict(tally.contested),
        **zeros,
        "valid": not any(zeros.values()) and rate >= SUCCESS_RATE and watch.polls > 0,
    }
