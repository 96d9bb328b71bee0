"""Waiting on PostgreSQL's locks: the owner's connections that take a lock a request will wait
for, and the wait, seen from `pg_stat_activity`, until the request is there."""

from __future__ import annotations

import time
from typing import Any

import psycopg

OwnerConnection = psycopg.Connection[tuple[Any, ...]]
WAITERS = "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"


def wait_for_waiters(
    watcher: OwnerConnection, blocker_pid: int, count: int = 1, timeout: float = 10.0
) -> list[int]:
    """The backends waiting for a lock `blocker_pid` holds, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        pids = [int(pid) for (pid,) in watcher.execute(WAITERS, [blocker_pid]).fetchall()]
        if len(pids) >= count:
            return pids
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pids)} of {count} backends waiting for {blocker_pid}")
        time.sleep(0.005)
