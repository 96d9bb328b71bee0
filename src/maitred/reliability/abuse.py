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
- no request was answered 5xx or left without an answer, except the abuser's own requests
  refused with 503 (the server shedding a flood is the documented, retryable answer; counted
  as `abuser_shed_503_or_no_answer`);
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

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from maitred.domain.api_keys import Role
from maitred.reliability.abuse_guests import Guest, Tally
from maitred.reliability.abuse_watch import Poller, Watch, actor_of, per_booking_windows
from maitred.reliability.abuser import Abuser, Limits
from maitred.reliability.client import RecordingClient
from maitred.reliability.history import History
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

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


# --- the scenario ----------------------------------------------------------------------------


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
        abuser = Abuser(
            restaurant,
            tables,
            limits,
            bookings=plan.abuser_bookings,
            threads=plan.abuser_threads,
            seed=plan.seed,
        )
        poller = Poller(stage, rid, actor, limits.max_live_holds, history)
        crowd, stop, tally = Crowd(), threading.Event(), Tally()
        crowd.add("poller", poller.run, stop, plan.poll_seconds)
        enlist(crowd, processes.base_url, history, plan, abuser, tally, stop)
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
    crowd: Crowd,
    base: str,
    history: History,
    plan: Plan,
    abuser: Abuser,
    tally: Tally,
    stop: threading.Event,
) -> None:
    """The abuser's threads, all with its one key, and one thread per other client's key."""
    restaurant = abuser.restaurant
    for n in range(plan.abuser_threads):
        client = crowd.client(base, restaurant.client_keys[0], history, f"abuser-{n}")
        crowd.add(f"abuser-{n}", abuser.run, client, n, stop)
    for n, key in enumerate(restaurant.client_keys[1 : plan.keys]):
        client = crowd.client(base, key, history, f"other-{n}")
        guest = Guest(client, restaurant, n, tally, others=plan.others, seed=plan.seed)
        crowd.add(f"other-{n}", guest.run, stop)


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


def _shed(record: dict[str, Any]) -> bool:
    """A 503 or no answer: the server shedding load (retryable), not a defect."""
    return record["value"].get("status") in (None, 503)


def server_errors(history: History) -> int:
    """Answers of 5xx of any client, except the abuser's own shed load (503 or no answer): a
    flood may be refused that way. The other clients' 503s count against their success."""
    return sum(
        1
        for record in history.completions()
        if record["process"] != "poller"
        and (record["value"].get("status") is None or record["value"]["status"] >= 500)
        and not (str(record["process"]).startswith("abuser-") and _shed(record))
    )


def abuser_shed(history: History) -> int:
    return sum(
        1
        for record in history.completions()
        if str(record["process"]).startswith("abuser-") and _shed(record)
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
        "abuser_shed_503_or_no_answer": abuser_shed(history),
        "others_requests": tally.requests,
        "others_succeeded": tally.succeeded,
        "others_success_rate": round(rate, 4),
        "others_failures": dict(tally.failures),
        "contested_quotes": dict(tally.contested),
        **zeros,
        "valid": not any(zeros.values()) and rate >= SUCCESS_RATE and watch.polls > 0,
    }
