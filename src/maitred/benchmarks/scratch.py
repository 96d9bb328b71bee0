"""A scratch database for a benchmark run: created on the configured (or embedded) server,
migrated, and dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from maitred.db import migrate
from maitred.db.target import resolve_target
from maitred.settings import APP_ROLE, Settings


@dataclass(frozen=True)
class ScratchDatabase:
    owner_conninfo: str
    app_conninfo: str


@contextmanager
def scratch_database(
    settings: Settings, prefix: str = "maitred_bench"
) -> Iterator[ScratchDatabase]:
    """A fresh migrated database on the server the settings name, dropped afterwards."""
    target = resolve_target(settings)
    admin = make_conninfo(target.owner_conninfo, dbname="postgres")
    name = f"{prefix}_{os.getpid()}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    owner = make_conninfo(target.owner_conninfo, dbname=name)
    try:
        migrate.upgrade(owner)
        yield ScratchDatabase(owner, make_conninfo(owner, user=APP_ROLE, password=""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop)
