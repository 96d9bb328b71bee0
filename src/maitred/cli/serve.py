"""`maitred serve`: the HTTP API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from maitred.api.app import create_app
from maitred.cli.runtime import console
from maitred.db import migrate
from maitred.db.embedded import stop_embedded_servers
from maitred.db.target import DatabaseTarget, resolve_target
from maitred.settings import Settings, get_settings


def run_api(settings: Settings, target: DatabaseTarget, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl+C or SIGTERM); uvicorn shuts down gracefully."""
    app = create_app(settings, target)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Listen port.")] = None,
) -> None:
    """Serve the HTTP API (and its docs at /docs), migrating the database first."""
    settings = get_settings()
    target = resolve_target(settings)
    try:
        migrate.upgrade(target.owner_conninfo)
        bind_host, bind_port = host or settings.api_host, port or settings.api_port
        console.print(f"maitred API on http://{bind_host}:{bind_port} (docs at /docs)")
        run_api(settings, target, bind_host, bind_port)
    finally:
        if target.embedded:
            stop_embedded_servers()
