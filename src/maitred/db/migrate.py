"""Run the Alembic migrations (plain SQL revisions) as the database owner."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(owner_conninfo: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["conninfo"] = owner_conninfo
    return config


def upgrade(owner_conninfo: str, revision: str = "head") -> None:
    """Bring the schema up to a revision (all of them by default)."""
    command.upgrade(alembic_config(owner_conninfo), revision)


def downgrade(owner_conninfo: str, revision: str) -> None:
    """Take the schema down to a revision (`base` removes everything)."""
    command.downgrade(alembic_config(owner_conninfo), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


def current_revision(conninfo: str) -> str | None:
    """The schema revision the database is at, or None before the first migration."""
    with psycopg.connect(conninfo) as conn:
        exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])


def schema_is_current(conn: psycopg.Connection[dict[str, object]]) -> bool:
    """Whether the database behind this connection is at the code's head revision."""
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row is not None and row["version_num"] == head_revision()
