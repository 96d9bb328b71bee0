"""`maitred demo`: a sample restaurant with a busy Friday, end to end on a real database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from maitred.cli.runtime import Runtime, console, database, fail
from maitred.cli.serve import run_api
from maitred.domain.api_keys import Role
from maitred.domain.errors import MaitredError
from maitred.domain.venue import Table as VenueTable
from maitred.formats.floorplan import FloorPlan, load_floorplan
from maitred.services import api_keys, bookings, venues

SAMPLE_FLOOR = "corner_house.yaml"
SAMPLE_BOOKINGS = "friday.csv"


def sample_path(name: str) -> Path:
    """A file shipped in the package's samples folder."""
    return Path(str(resources.files("maitred") / "samples" / name))


def _zone_row(name: str, tables: list[VenueTable]) -> list[str]:
    sizes = [sum(1 for t in tables if t.capacity == size) for size in (2, 4, 6, 8)]
    return [name, str(len(tables)), str(sum(t.capacity for t in tables)), *map(str, sizes)]


def _floor_table(floor: FloorPlan) -> Table:
    table = Table(
        "zone",
        "tables",
        "seats",
        "2-tops",
        "4-tops",
        "6-tops",
        "8-tops",
        title=f"{floor.restaurant_name} — floor",
    )
    for zone in floor.venue.zones:
        table.add_row(
            *_zone_row(zone.name, [t for t in floor.venue.tables if t.zone_id == zone.id])
        )
    table.add_row(*_zone_row("[bold]all[/]", list(floor.venue.tables)))
    return table


def _bookings_table(rt: Runtime, restaurant_id: UUID) -> Table:
    table = Table("date", "service", "bookings", "covers", title="Bookings by service")
    for row in bookings.day_summary(rt.db, restaurant_id):
        table.add_row(
            f"{row['service_date']:%a %Y-%m-%d}",
            row["service"],
            str(row["bookings"]),
            str(row["covers"]),
        )
    return table


def _serve(rt: Runtime, restaurant_id: UUID, host: str | None, port: int | None) -> None:
    bind_host, bind_port = host or rt.settings.api_host, port or rt.settings.api_port
    base = f"http://{bind_host}:{bind_port}"
    console.print(f"API: {base}/v1/restaurants/{restaurant_id}  ·  docs: {base}/docs")
    console.print("Press Ctrl+C to stop.")
    run_api(rt.settings, rt.target, bind_host, bind_port)


def demo_command(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API after the summary.")
    ] = True,
    host: Annotated[str | None, typer.Option("--host", help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Listen port.")] = None,
) -> None:
    """Import the sample floor and a busy Friday dinner, print a summary and an owner key,
    then serve the API until Ctrl+C (unless --no-serve)."""
    try:
        with database() as rt:
            floor = load_floorplan(sample_path(SAMPLE_FLOOR), rt.settings.policy_defaults())
            restaurant_id = venues.import_floorplan(rt.db, floor)
            text = sample_path(SAMPLE_BOOKINGS).read_text(encoding="utf-8")
            summary = bookings.import_bookings(
                rt.db, restaurant_id, text, "csv", rt.settings.policy_defaults()
            )
            console.print(f"Restaurant [bold]{floor.restaurant_name}[/] created: {restaurant_id}")
            console.print(
                f"Database: {rt.target.database_name}"
                f" ({'embedded server' if rt.target.embedded else 'configured server'})"
            )
            console.print(_floor_table(floor))
            console.print(_bookings_table(rt, restaurant_id))
            console.print(
                f"{summary.bookings} bookings imported, {summary.pinned} pinned to their tables."
            )
            key = api_keys.create_key(rt.db, restaurant_id, Role.OWNER, "demo")
            console.print(f"Owner API key (shown once): [bold]{key.plaintext}[/]")
            if serve:
                _serve(rt, restaurant_id, host, port)
    except MaitredError as exc:
        raise fail(exc) from exc
