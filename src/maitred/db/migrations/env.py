"""Alembic environment: plain SQL revisions run over a psycopg connection as the owner."""

from __future__ import annotations

import psycopg
from alembic import context
from sqlalchemy import create_engine, pool

conninfo: str = context.config.attributes["conninfo"]

engine = create_engine(
    "postgresql+psycopg://",
    creator=lambda: psycopg.connect(conninfo),
    poolclass=pool.NullPool,
)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
    with context.begin_transaction():
        # One migration at a time per database, even when several processes start together.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('maitred-migrate'))")
        context.run_migrations()
engine.dispose()
