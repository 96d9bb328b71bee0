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

import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from maitred.domain.api_keys import Role
from maitred.reliability.client import RecordingClient
from maitred.reliability.history import History
from maitred.reliability.leak_provocations import (
    COMMITTED,
    SERIALIZABLE,
    Api,
    Round,
    Step,
    read_floor,
)
from maitred.reliability.leak_scanner import PG_TEXT, Scanner, constraint_names
from maitred.reliability.report import latencies
from maitred.reliability.stage import Stage, running

DEADLOCK_TIMEOUT = "100ms"  # the server's sessions: a deadlock is found quickly
PATIENT = "-c deadlock_timeout=60s"  # the locker's session: it never looks for one
DEADLOCKS = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
KINDS = (
    "unique_violation",
    "foreign_key_violation",
    "exclusion_violation",
    "deadlock",
    "serialization_failure",
)


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
