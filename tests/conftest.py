"""Shared fixtures: a real PostgreSQL for every database test.

The server is `MAITRED_TEST_DATABASE_URL` (a database this run may migrate and copy) or, by
default, the embedded server. The schema is migrated once per session into a template
database; every test that asks for `db` gets a fresh copy of it, dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from maitred.db import migrate
from maitred.db.database import Database
from maitred.db.embedded import embedded_server_uri, ensure_database, stop_embedded_servers
from maitred.db.target import DatabaseTarget
from maitred.settings import APP_ROLE, Settings

_copies = itertools.count(1)


@dataclass(frozen=True)
class Server:
    """A server and the migrated template database the tests copy."""

    admin_conninfo: str  # a maintenance database, for CREATE/DROP DATABASE
    template: str
    embedded: bool

    def conninfo(self, dbname: str, *, user: str | None = None) -> str:
        extra = {"user": user, "password": ""} if user else {}
        return make_conninfo(self.admin_conninfo, dbname=dbname, **extra)


def _admin(conninfo: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(conninfo, autocommit=True)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = os.environ.get("MAITRED_TEST_DATABASE_URL")
    if url:
        template = str(conninfo_to_dict(url)["dbname"])
        admin = make_conninfo(url, dbname="postgres")
        server = Server(admin, template, embedded=False)
    else:
        data_dir = Path(os.environ.get("MAITRED_DATA_DIR") or Settings().data_dir)
        admin = embedded_server_uri(data_dir)
        template = f"maitred_test_{os.getpid()}"
        server = Server(admin, template, embedded=True)
        ensure_database(admin, template)
    migrate.upgrade(server.conninfo(server.template))
    yield server
    if server.embedded:
        with _admin(admin) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(server.template)
                )
            )
        stop_embedded_servers()


@dataclass(frozen=True)
class TestDatabase:
    """A fresh migrated database: owner and application connections, and the app pool."""

    name: str
    owner_conninfo: str
    app_conninfo: str
    db: Database

    def owner(self) -> psycopg.Connection[tuple[object, ...]]:
        """A connection as the owner (superuser on test servers): sees through RLS."""
        return psycopg.connect(self.owner_conninfo, autocommit=True)

    def app(self) -> psycopg.Connection[tuple[object, ...]]:
        """A raw connection as the application role."""
        return psycopg.connect(self.app_conninfo, autocommit=True)


@pytest.fixture
def fresh_database(pg_server: Server) -> Iterator[tuple[str, str, str]]:
    """(name, owner conninfo, app conninfo) of a fresh copy of the migrated template."""
    name = f"{pg_server.template}_c{next(_copies)}_{uuid.uuid4().hex[:6]}"
    with _admin(pg_server.admin_conninfo) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(pg_server.template)
            )
        )
    try:
        yield name, pg_server.conninfo(name), pg_server.conninfo(name, user=APP_ROLE)
    finally:
        with _admin(pg_server.admin_conninfo) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def test_db(fresh_database: tuple[str, str, str]) -> Iterator[TestDatabase]:
    name, owner, app = fresh_database
    settings = Settings(database_url=owner, pool_min_size=0, pool_max_size=4)
    target = DatabaseTarget(owner, app, embedded=False)
    with Database(target, settings) as database:
        yield TestDatabase(name, owner, app, database)


@pytest.fixture
def db(test_db: TestDatabase) -> Database:
    return test_db.db


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/db" in str(item.path) or "tests\\db" in str(item.path):
            item.add_marker(pytest.mark.db)
