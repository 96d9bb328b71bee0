"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from maitred import __version__
from maitred.api import errors, links, metrics, observability
from maitred.api.events import EventHub
from maitred.api.routers import (
    bookings,
    days,
    health,
    holds,
    keys,
    ops,
    venue,
    webhooks,
    whoami,
)
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget, app_conninfo_for
from maitred.settings import Settings
from maitred.web import router as ops_router

ROUTERS = (
    health.router,
    whoami.router,
    venue.router,
    bookings.router,
    holds.router,
    ops.router,
    days.router,
    webhooks.router,
    keys.router,
    ops_router,
)

DESCRIPTION = """
maitred decides which table, or which combination of adjacent tables, seats each party.

Authenticate with `Authorization: Bearer <API key>`. Every error is
`{"error": "...", "code": "STABLE_CODE", "details": {...}}`.
"""


def create_app(settings: Settings, target: DatabaseTarget) -> FastAPI:
    """The app over one database; its pool opens with the app and closes with it."""
    observability.configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = EventHub(target.app_conninfo)
        with Database(target, settings) as db:
            app.state.db = db
            app.state.events = hub
            metrics.POOLS.pools[str(id(app))] = db.pool
            hub.start()
            try:
                yield
            finally:
                hub.close()
                metrics.POOLS.pools.pop(str(id(app)), None)

    app = FastAPI(title="maitred", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    observability.install(app)
    for router in ROUTERS:
        app.include_router(router)
    links.install(app)
    return app


def app_from_environment() -> FastAPI:
    """The app for a worker process of `maitred serve --workers N` (settings from MAITRED_*)."""
    settings = Settings()
    if not settings.database_url:
        raise RuntimeError("MAITRED_DATABASE_URL must name the database")
    target = DatabaseTarget(
        settings.database_url, app_conninfo_for(settings.database_url, settings), embedded=False
    )
    return create_app(settings, target)
