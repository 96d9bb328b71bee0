"""Retention: idempotency records, delivered and dead events, and the rate-limit log."""

from __future__ import annotations

from typing import Any

from maitred.db.database import Database
from maitred.db.repositories import worker as rows
from maitred.settings import WorkerSettings


def purge(db: Database, settings: WorkerSettings) -> dict[str, Any]:
    with db.transaction() as conn:
        return rows.purge(
            conn,
            settings.idempotency_retention_hours,
            settings.delivered_retention_days,
            settings.dead_retention_days,
        )
