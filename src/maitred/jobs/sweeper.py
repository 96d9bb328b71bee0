"""The hold sweeper: expired holds deleted in batches, a hold.expired event for each.

Expired holds never block anyone even before the sweeper comes (writers delete them in their own
transaction); the sweeper keeps the table small and tells subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass

from maitred.db.database import Database
from maitred.db.repositories import worker as rows


@dataclass
class SweepCounts:
    swept: int = 0
    batches: int = 0
    max_lag_seconds: float = 0.0


def sweep_holds(db: Database, batch: int) -> SweepCounts:
    """Sweep batches until no expired hold is left (one statement, one transaction each)."""
    counts = SweepCounts()
    while True:
        with db.transaction() as conn:
            row = rows.sweep_expired_holds(conn, batch)
        swept = int(row["swept"])
        if swept == 0:
            return counts
        counts.swept += swept
        counts.batches += 1
        counts.max_lag_seconds = max(counts.max_lag_seconds, float(row["max_lag_seconds"]))
