"""The connection pool and the tenant-scoped transaction every use case runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from maitred.db.errors import translate_errors
from maitred.db.target import DatabaseTarget
from maitred.domain.errors import DatabaseUnavailable
from maitred.settings import Settings

Connection = psycopg.Connection[dict[str, Any]]


class Database:
    """The application's pool, connected as the application role (subject to RLS)."""

    def __init__(self, target: DatabaseTarget, settings: Settings) -> None:
        self.target = target
        timeout = settings.statement_timeout_ms
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            target.app_conninfo,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            kwargs={
                "row_factory": dict_row,
                "options": f"-c statement_timeout={timeout} -c application_name=maitred",
            },
            timeout=10.0,
            open=False,
            name="maitred",
        )

    def open(self) -> Database:
        self.pool.open(wait=True, timeout=10.0)
        return self

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction with no tenant set: RLS shows it no tenant rows at all."""
        with translate_errors(), _connection(self.pool) as conn, conn.transaction():
            yield conn

    @contextmanager
    def tenant(self, restaurant_id: UUID | str) -> Iterator[Connection]:
        """A transaction scoped to one restaurant.

        The tenant is set with `set_config(..., true)`: it lasts until the transaction ends, so a
        pooled connection never carries it into another request.
        """
        with translate_errors(), _connection(self.pool) as conn, conn.transaction():
            conn.execute(
                "SELECT set_config('app.restaurant_id', %s, true)", [str(UUID(str(restaurant_id)))]
            )
            yield conn


@contextmanager
def _connection(pool: ConnectionPool[Connection]) -> Iterator[Connection]:
    try:
        with pool.connection() as conn:
            yield conn
    except PoolTimeout as exc:
        raise DatabaseUnavailable() from exc


def open_database(settings: Settings, target: DatabaseTarget) -> Database:
    """The application pool for a resolved target, opened by entering it (`with`)."""
    return Database(target, settings)


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """A nested transaction: if its block fails, only its own writes are undone, and a driver
    error arrives translated (a lost race as TableConflict)."""
    with translate_errors(), conn.transaction():
        yield
