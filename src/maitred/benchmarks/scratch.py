"""A scratch database for a benchmark run: created on the configured (or embedded) server,
migrated, and dropped afterwards."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from maitred.db import migrate
from maitred.db.target import resolve_target
from maitred.settings import APP_ROLE, Settings


@dataclass
class ScratchDatabase:
    owner_conninfo: str
    app_conninfo: str
    keep: bool = False  # set to keep the database for inspection (its name is printed)


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
    scratch = ScratchDatabase(owner, make_conninfo(owner, user=APP_ROLE, password=""))
    try:
        migrate.upgrade(owner)
        yield scratch
    finally:
        if scratch.keep:
            print(f"kept database {name} for inspection", file=sys.stderr)
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(drop)
