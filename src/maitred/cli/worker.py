"""`maitred worker`, the one-shot `maitred jobs …` for cron, and `maitred webhooks …`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from prometheus_client import start_http_server
from rich.table import Table

from maitred.cli.runtime import console, database, fail, out, parse_uuid
from maitred.db import migrate
from maitred.db.database import Database
from maitred.db.embedded import stop_embedded_servers
from maitred.db.target import DatabaseTarget, resolve_target, worker_conninfo_for
from maitred.domain.errors import MaitredError
from maitred.jobs import metrics
from maitred.jobs.relay import http_post
from maitred.jobs.worker import Worker, run_archive, run_purge, run_relay, run_sweep
from maitred.services import webhooks
from maitred.settings import Settings, WorkerSettings, get_settings

jobs_app = typer.Typer(help="Run one background job once (for cron).", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook subscriptions and event delivery.", no_args_is_help=True)

RestaurantOption = Annotated[str, typer.Option("--restaurant", "-r", help="Restaurant id.")]


@contextmanager
def worker_database() -> Iterator[tuple[Settings, Database, str]]:
    """The database as the worker role (migrated first), and its address for LISTEN."""
    settings = get_settings()
    target = resolve_target(settings)
    try:
        migrate.upgrade(target.owner_conninfo)
        conninfo = worker_conninfo_for(target.owner_conninfo, settings)
        worker_target = DatabaseTarget(target.owner_conninfo, conninfo, target.embedded)
        with Database(worker_target, settings) as db:
            yield settings, db, conninfo
    finally:
        if target.embedded:
            stop_embedded_servers()


def worker_command(
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", help="Serve Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Run every enabled job on its interval until SIGTERM or Ctrl+C."""
    with worker_database() as (settings, db, conninfo):
        if metrics_port:
            start_http_server(metrics_port, registry=metrics.REGISTRY)
        post = http_post(settings.worker.webhook_timeout_seconds)
        console.print("maitred worker running; Ctrl+C to stop.")
        Worker(db, conninfo, settings.worker, post).run()


def _one_shot(run: Callable[[Database, WorkerSettings], dict[str, Any]]) -> None:
    with worker_database() as (settings, db, _):
        result = run(db, settings.worker)
    out(" ".join(f"{name}={value}" for name, value in result.items()))


@jobs_app.command("sweep-holds")
def sweep_command() -> None:
    """Delete expired holds (a hold.expired event each)."""
    _one_shot(run_sweep)


@jobs_app.command("relay-outbox")
def relay_command() -> None:
    """Deliver every due event to its webhooks."""
    _one_shot(lambda db, s: run_relay(db, s, http_post(s.webhook_timeout_seconds)))


@jobs_app.command("archive-allocations")
def archive_command() -> None:
    """Move ended assignments older than the retention into the archive."""
    _one_shot(run_archive)


@jobs_app.command("purge")
def purge_command() -> None:
    """Delete idempotency records, delivered and dead events past their retention."""
    _one_shot(run_purge)


@webhooks_app.command("events")
def events_command(
    restaurant: RestaurantOption,
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """A restaurant's events, newest first, and how their delivery went."""
    restaurant_id = parse_uuid(restaurant)
    try:
        with database() as rt:
            events = webhooks.list_events(rt.db, restaurant_id, status, limit)
    except MaitredError as exc:
        raise fail(exc) from exc
    table = Table("created", "type", "status", "attempts", "last error")
    table.add_column("event id", no_wrap=True)
    for event in events:
        table.add_row(
            event["created_at"][:19],
            event["type"],
            event["status"],
            str(event["attempts"]),
            event["last_error"] or "",
            event["id"],
        )
    console.print(table)


@webhooks_app.command("redeliver")
def redeliver_command(
    restaurant: RestaurantOption,
    event_id: Annotated[str, typer.Argument(help="The event's id.")],
) -> None:
    """Queue an event for delivery again (dead events included)."""
    restaurant_id, event = parse_uuid(restaurant), parse_uuid(event_id, "event")
    try:
        with database() as rt:
            webhooks.redeliver(rt.db, restaurant_id, event)
    except MaitredError as exc:
        raise fail(exc) from exc
    console.print(f"Event {event} queued for delivery.")
