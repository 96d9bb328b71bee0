"""`maitred demo`: a sample restaurant with a busy Friday, end to end on a real database."""

from __future__ import annotations

import sys
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.table import Table

from maitred.cli.assign_day import progress_display, unseated_table
from maitred.cli.runtime import Runtime, console, database, fail
from maitred.cli.serve import run_api
from maitred.domain.actors import CLI_ACTOR
from maitred.domain.api_keys import Role
from maitred.domain.errors import MaitredError
from maitred.domain.venue import Table as VenueTable
from maitred.formats.floorplan import FloorPlan, load_floorplan
from maitred.planning.optimise.solve import DEFAULT_TIME_LIMIT
from maitred.services import api_keys, bookings, service_day, venues

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


def _busiest_day(rt: Runtime, restaurant_id: UUID) -> date:
    by_day: dict[date, int] = {}
    for row in bookings.day_summary(rt.db, restaurant_id):
        by_day[row["service_date"]] = by_day.get(row["service_date"], 0) + row["bookings"]
    return max(by_day, key=lambda day: (by_day[day], day))


def _comparison(greedy: dict[str, Any], optimal: dict[str, Any]) -> Table:
    """The greedy report beside the optimiser's, figure by figure."""
    table = Table("", "greedy", "optimiser", title="Auto-assign: greedy beside the optimiser")
    ours, theirs = optimal["metrics"], greedy["metrics"]
    for label, key in (("seated covers", "seated_covers"), ("seated bookings", "seated_bookings")):
        table.add_row(label, f"{theirs[key]}", f"{ours[key]} ({ours[key] - theirs[key]:+d})")
    table.add_row(
        "seat utilisation", f"{theirs['seat_utilisation']:.1%}", f"{ours['seat_utilisation']:.1%}"
    )
    table.add_row("unseated bookings", str(len(greedy["unseated"])), str(len(optimal["unseated"])))
    optimiser = optimal["optimiser"]
    proof = (
        "proven optimal" if optimiser["optimal_covers"] else f"bound {optimiser['covers_bound']}"
    )
    table.add_row("covers", "–", proof)
    table.add_row("written", "0 (dry run)", str(optimal["written"]))
    return table


def _assign_sample_day(rt: Runtime, restaurant_id: UUID) -> None:
    """Plan the busiest sample day greedily (a dry run), then seat it with the optimiser."""
    day = _busiest_day(rt, restaurant_id)
    defaults = rt.settings.policy_defaults()
    greedy = service_day.auto_assign_day(
        rt.db, restaurant_id, day, CLI_ACTOR, defaults, strategy="greedy", dry_run=True
    )
    with progress_display(DEFAULT_TIME_LIMIT, sys.stderr.isatty()) as progress:
        optimal = service_day.auto_assign_day(
            rt.db, restaurant_id, day, CLI_ACTOR, defaults, strategy="optimal", progress=progress
        )
    console.print(f"Auto-assigned [bold]{day:%a %Y-%m-%d}[/] with the optimiser.")
    console.print(_comparison(greedy, optimal))
    if optimal["unseated"]:
        console.print(unseated_table(optimal))


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
    """Import the sample floor and a busy Friday dinner, print a summary, auto-assign the
    Friday with the optimiser (its report beside the greedy one), print an owner key, then
    serve the API until Ctrl+C (unless --no-serve)."""
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
            _assign_sample_day(rt, restaurant_id)
            key = api_keys.create_key(rt.db, restaurant_id, Role.OWNER, "demo")
            console.print(f"Owner API key (shown once): [bold]{key.plaintext}[/]")
            if serve:
                _serve(rt, restaurant_id, host, port)
    except MaitredError as exc:
        raise fail(exc) from exc
