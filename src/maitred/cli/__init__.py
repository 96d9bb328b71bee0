"""The `maitred` command line."""

from __future__ import annotations

import typer

from maitred.cli.assign_day import assign_day_command
from maitred.cli.bench import bench_app
from maitred.cli.bench_http import http_command  # noqa: F401  (registers `bench http`)
from maitred.cli.bench_reliability import reliability_command  # noqa: F401
from maitred.cli.database import bookings_app, keys_app, migrate_command, venue_app
from maitred.cli.demo import demo_command
from maitred.cli.plan import plan_app
from maitred.cli.serve import serve_command
from maitred.cli.smoke import smoke_command
from maitred.cli.worker import jobs_app, webhooks_app, worker_command

app = typer.Typer(
    name="maitred",
    help="Table-capacity and allocation engine for restaurants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("migrate")(migrate_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("smoke")(smoke_command)
app.command("worker")(worker_command)
app.command("assign-day")(assign_day_command)
app.add_typer(venue_app, name="venue")
app.add_typer(bookings_app, name="bookings")
app.add_typer(keys_app, name="keys")
app.add_typer(plan_app, name="plan")
app.add_typer(bench_app, name="bench")
app.add_typer(jobs_app, name="jobs")
app.add_typer(webhooks_app, name="webhooks")


def main() -> None:
    app()
