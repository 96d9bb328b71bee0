"""`maitred worker`: every job on its interval, woken early for new events, stopped cleanly.

Several workers may run at once: every job claims its rows with SKIP LOCKED. SIGTERM (or
Ctrl+C) lets the running batch finish, then the worker exits.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog

from maitred.db.database import Database
from maitred.jobs import metrics
from maitred.jobs.archiver import archive_allocations
from maitred.jobs.relay import Post, relay_until_idle
from maitred.jobs.retention import purge
from maitred.jobs.sweeper import sweep_holds
from maitred.settings import WorkerSettings

log = structlog.get_logger("maitred.worker")

EVENTS_CHANNEL = "maitred_events"


@dataclass
class Job:
    name: str
    interval: float
    run: Callable[[], dict[str, Any]]
    due: float = 0.0


def build_jobs(db: Database, settings: WorkerSettings, post: Post) -> list[Job]:
    """The jobs the settings switch on (a job switched off simply never runs)."""
    jobs = []
    if settings.sweep_holds:
        jobs.append(
            Job("sweep-holds", settings.sweep_interval_seconds, lambda: run_sweep(db, settings))
        )
    if settings.relay_outbox:
        jobs.append(
            Job("relay-outbox", settings.relay_poll_seconds, lambda: run_relay(db, settings, post))
        )
    if settings.archive_allocations:
        jobs.append(
            Job(
                "archive-allocations",
                settings.archive_interval_seconds,
                lambda: run_archive(db, settings),
            )
        )
    if settings.purge:
        jobs.append(Job("purge", settings.purge_interval_seconds, lambda: run_purge(db, settings)))
    return jobs


def run_sweep(db: Database, settings: WorkerSettings) -> dict[str, Any]:
    counts = sweep_holds(db, settings.batch_size)
    metrics.HOLDS_EXPIRED.inc(counts.swept)
    if counts.swept:
        metrics.SWEEP_LAG.observe(counts.max_lag_seconds)
    return {
        "swept": counts.swept,
        "batches": counts.batches,
        "max_lag_seconds": round(counts.max_lag_seconds, 3),
    }


def run_relay(db: Database, settings: WorkerSettings, post: Post) -> dict[str, Any]:
    counts = relay_until_idle(db, settings, post)
    for outcome in ("delivered", "retried", "dead"):
        metrics.EVENTS.labels(outcome=outcome).inc(getattr(counts, outcome))
    return {"delivered": counts.delivered, "retried": counts.retried, "dead": counts.dead}


def run_archive(db: Database, settings: WorkerSettings) -> dict[str, Any]:
    counts = archive_allocations(
        db, settings.batch_size, settings.archive_after_days, settings.archive_pause_seconds
    )
    metrics.ARCHIVED.inc(counts.moved)
    rate = counts.moved / counts.seconds if counts.seconds else 0.0
    return {"moved": counts.moved, "batches": counts.batches, "rows_per_second": round(rate, 1)}


def run_purge(db: Database, settings: WorkerSettings) -> dict[str, Any]:
    removed = purge(db, settings)
    for kind, count in removed.items():
        metrics.PURGED.labels(kind=kind).inc(count)
    return dict(removed)


class Worker:
    def __init__(
        self, db: Database, listen_conninfo: str, settings: WorkerSettings, post: Post
    ) -> None:
        self.jobs = build_jobs(db, settings, post)
        self.listen_conninfo = listen_conninfo
        self.stop = threading.Event()
        self.wake = threading.Event()

    def _listen(self) -> None:
        """Wake the relay as soon as an event commits (polling remains the fallback)."""
        while not self.stop.is_set():
            try:
                with psycopg.connect(self.listen_conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    while not self.stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.wake.set()
            except psycopg.Error as exc:
                log.warning("listen_failed", error=type(exc).__name__)
                self.stop.wait(2.0)

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        try:
            result = job.run()
            if any(result.values()):
                log.info("job", job=job.name, **result)
        except Exception as exc:  # a failed run is retried at the next interval
            metrics.JOB_FAILURES.labels(job=job.name).inc()
            log.error("job_failed", job=job.name, error=type(exc).__name__, exc_info=exc)
        finally:
            metrics.JOB_SECONDS.labels(job=job.name).observe(time.monotonic() - started)
            job.due = time.monotonic() + job.interval * random.uniform(0.9, 1.1)

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop.set())
        listener = threading.Thread(target=self._listen, name="maitred-listen", daemon=True)
        listener.start()
        log.info("worker_started", jobs=[job.name for job in self.jobs])
        while not self.stop.is_set():
            woken = self.wake.is_set()
            self.wake.clear()
            for job in self.jobs:
                if self.stop.is_set():
                    break
                if time.monotonic() >= job.due or (woken and job.name == "relay-outbox"):
                    self._run(job)
            soonest = min((job.due for job in self.jobs), default=time.monotonic() + 1)
            self.wake.wait(max(0.0, min(1.0, soonest - time.monotonic())))
        log.info("worker_stopped")
