"""What every database command needs: settings, the server, the schema, the pool."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from maitred.db import migrate
from maitred.db.database import Database, open_database
from maitred.db.embedded import stop_embedded_servers
from maitred.db.target import DatabaseTarget, resolve_target
from maitred.domain.errors import MaitredError
from maitred.formats.problems import FileInvalid
from maitred.settings import Settings, get_settings

console = Console()
errors = Console(stderr=True)


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    target: DatabaseTarget
    db: Database


@contextmanager
def database(*, migrate_first: bool = True) -> Iterator[Runtime]:
    """Resolve the server (starting the embedded one if needed), migrate, open the pool."""
    settings = get_settings()
    target = resolve_target(settings)
    try:
        if migrate_first:
            migrate.upgrade(target.owner_conninfo)
        with open_database(settings, target) as db:
            yield Runtime(settings, target, db)
    finally:
        if target.embedded:
            stop_embedded_servers()


def fail(exc: MaitredError) -> typer.Exit:
    """Print a domain error (every problem of an invalid file) and choose the exit code."""
    errors.print(f"[bold red]{exc.code}[/]: {exc.message}")
    if isinstance(exc, FileInvalid):
        table = Table("where", "code", "problem", header_style="bold")
        for problem in exc.problems:
            table.add_row(problem.location, problem.code, problem.message)
        errors.print(table)
    return typer.Exit(code=2 if isinstance(exc, FileInvalid) else 1)


def parse_uuid(value: str, what: str = "restaurant") -> UUID:
    try:
        return UUID(value)
    except ValueError:
        errors.print(f"[bold red]INVALID_REQUEST[/]: {value!r} is not a {what} id")
        raise typer.Exit(code=2) from None


def out(text: str) -> None:
    """Plain text on stdout, for scripts to take."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
