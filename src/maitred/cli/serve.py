"""`maitred serve`: the HTTP API on uvicorn, in one process or several."""

from __future__ import annotations

import os
import tempfile
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
    # Open event streams must not keep a stopping server alive.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def run_workers(target: DatabaseTarget, host: str, port: int, workers: int) -> None:
    """Several worker processes on one port; each builds its app from the environment.

    Prometheus counters are shared through a multiprocess directory, so /metrics on any
    worker reports the whole server.
    """
    os.environ["MAITRED_DATABASE_URL"] = target.owner_conninfo
    os.environ["MAITRED_APP_DATABASE_URL"] = target.app_conninfo
    with tempfile.TemporaryDirectory(prefix="maitred-metrics-") as metrics_dir:
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", metrics_dir)
        uvicorn.run(
            "maitred.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Listen port.")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes (one per core).")
    ] = 1,
) -> None:
    """Serve the HTTP API (and its docs at /docs), migrating the database first."""
    settings = get_settings()
    target = resolve_target(settings)
    try:
        migrate.upgrade(target.owner_conninfo)
        bind_host, bind_port = host or settings.api_host, port or settings.api_port
        console.print(f"maitred API on http://{bind_host}:{bind_port} (docs at /docs)")
        if workers > 1:
            run_workers(target, bind_host, bind_port, workers)
        else:
            run_api(settings, target, bind_host, bind_port)
    finally:
        if target.embedded:
            stop_embedded_servers()
