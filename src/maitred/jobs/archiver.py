"""Allocation archival: ended assignments older than the retention move to
`allocations_archive`, a batch per statement, with a short jittered pause between batches so
live traffic keeps its share of the database."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maitred.db.database import Database
from maitred.db.repositories import worker as rows


@dataclass
class ArchiveCounts:
    moved: int = 0
    batches: int = 0
    seconds: float = 0.0


def archive_allocations(
    db: Database,
    batch: int,
    after_days: int,
    pause_seconds: float,
    rng: random.Random | None = None,
) -> ArchiveCounts:
    rng = rng or random.Random()
    cutoff = datetime.now(UTC) - timedelta(days=after_days)
    counts = ArchiveCounts()
    started = time.perf_counter()
    while True:
        with db.transaction() as conn:
            moved = rows.move_expired_allocations(conn, batch, cutoff)
        if moved == 0:
            break
        counts.moved += moved
        counts.batches += 1
        time.sleep(rng.uniform(0.5, 1.5) * pause_seconds)
    counts.seconds = time.perf_counter() - started
    return counts
