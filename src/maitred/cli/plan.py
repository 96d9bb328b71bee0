"""`maitred plan`: quotes and whole-day plans from files, offline (no database).

The floor plan and bookings files are those of DESIGN §8. Bookings with pinned tables occupy
them; every other active booking is waiting for a table.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from maitred.domain.booking import Booking
from maitred.domain.errors import MaitredError
from maitred.formats.bookings_file import load_bookings
from maitred.formats.floorplan import FloorPlan, load_floorplan
from maitred.formats.problems import FileInvalid
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.dayplan import DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.optimise import Optimised, OptimiseOptions, optimise_day
from maitred.planning.optimise.solve import DEFAULT_TIME_LIMIT
from maitred.planning.quote import DEFAULT_TOP, Quote, quote
from maitred.planning.request import QuoteRequest, booking_allocations
from maitred.planning.validator import Violation, validate_day

plan_app = typer.Typer(
    help="Plan from files, offline: quotes and whole days (no database).",
    no_args_is_help=True,
)

console = Console()
errors = Console(stderr=True)

FloorArgument = Annotated[
    Path, typer.Argument(help="Floor plan file (YAML or JSON).", dir_okay=False)
]
BookingsArgument = Annotated[
    Path, typer.Argument(help="Bookings file (CSV or JSON Lines).", dir_okay=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON of DESIGN §8.")]


def _fail(exc: MaitredError) -> typer.Exit:
    """Print a domain error, with every problem of an invalid file, and pick the exit code."""
    errors.print(f"[bold red]{exc.code}[/]: {exc.message}")
    if isinstance(exc, FileInvalid):
        found = Table("where", "code", "problem", header_style="bold")
        for problem in exc.problems:
            found.add_row(problem.location, problem.code, problem.message)
        errors.print(found)
    return typer.Exit(code=2 if isinstance(exc, FileInvalid) else 1)


def _load(floor_path: Path, bookings_path: Path) -> tuple[FloorPlan, list[Booking]]:
    try:
        floor = load_floorplan(floor_path)
        return floor, load_bookings(bookings_path, floor)
    except MaitredError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        errors.print(f"[bold red]INVALID_REQUEST[/]: cannot read {exc.filename}: {exc.strerror}")
        raise typer.Exit(code=2) from None


def _parse(value: str, parse: Any, what: str, name: str) -> Any:
    try:
        return parse(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a {what}", param_hint=name) from None


def _zone_id(floor: FloorPlan, name: str | None) -> str | None:
    if name is None:
        return None
    for zone in floor.venue.zones:
        if name.casefold() in (zone.name.casefold(), zone.id.casefold()):
            return zone.id
    known = ", ".join(zone.name for zone in floor.venue.zones)
    raise typer.BadParameter(f"no zone {name!r} (zones: {known})", param_hint="--zone")


def _table_ids(floor: FloorPlan, labels: Iterable[str]) -> frozenset[str]:
    by_label = {table.label: table.id for table in floor.venue.tables}
    unknown = [label for label in labels if label not in by_label]
    if unknown:
        raise typer.BadParameter(f"no table {', '.join(unknown)}", param_hint="--avoid")
    return frozenset(by_label[label] for label in labels)


def _print_json(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _clock(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


@plan_app.command("quote")
def quote_command(
    floor_path: FloorArgument,
    bookings_path: BookingsArgument,
    party: Annotated[int, typer.Option("--party", min=1, help="Party size.")],
    on: Annotated[str, typer.Option("--date", help="Local date, YYYY-MM-DD.")],
    at: Annotated[str, typer.Option("--time", help="Local start time, HH:MM.")],
    zone: Annotated[str | None, typer.Option("--zone", help="Preferred zone.")] = None,
    avoid: Annotated[
        list[str] | None, typer.Option("--avoid", help="A table label never to offer (repeat).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Plans to show.")] = DEFAULT_TOP,
    as_json: JsonOption = False,
) -> None:
    """Quote a party: the best plans, or why not and the nearest start times that work."""
    floor, bookings = _load(floor_path, bookings_path)
    request = QuoteRequest(
        party,
        _parse(on, date.fromisoformat, "date (YYYY-MM-DD)", "--date"),
        _parse(at, time.fromisoformat, "time (HH:MM)", "--time"),
        _zone_id(floor, zone),
        _table_ids(floor, avoid or []),
    )
    index = CombinationIndex.build(floor.venue)
    occupancy = Occupancy.from_allocations(index.positions, booking_allocations(bookings))
    day = DayBookings.build(bookings, floor.venue.policy, floor.timezone)
    answer = quote(index, occupancy, request, day, top=top)
    if as_json:
        _print_json(answer.to_json())
    else:
        _show_quote(floor, request, answer)


def _show_quote(floor: FloorPlan, request: QuoteRequest, answer: Quote) -> None:
    heading = f"Party of {request.party_size} on {request.local_date:%a %d %b %Y} at "
    heading += f"{request.local_time:%H:%M}"
    if answer.window is not None:
        heading += f" (until {_clock(answer.window.end, floor.timezone)})"
    console.print(f"[bold]{floor.restaurant_name}[/] — {heading}")
    if answer.reason is not None:
        console.print(f"[bold red]{answer.reason.value}[/]: {answer.message}")
        times = ", ".join(_clock(moment, floor.timezone) for moment in answer.alternative_times)
        console.print(f"Nearest start times with a table: {times or 'none within 30 minutes'}")
        return
    plans = Table("#", "tables", "zone", "empty seats", "leaves unseated", "scarcity")
    for rank, plan in enumerate(answer.plans, start=1):
        plans.add_row(
            str(rank),
            "+".join(plan.labels),
            _zone_name(floor, plan.combination.zone_id),
            str(plan.empty_seats),
            str(plan.score.unseatable_bookings),
            f"{float(plan.score.scarcity):.2f}",
        )
    console.print(plans)
    for rank, plan in enumerate(answer.plans, start=1):
        console.print(f"{rank}. {plan.explanation}")


def _zone_name(floor: FloorPlan, zone_id: str) -> str:
    return next((zone.name for zone in floor.venue.zones if zone.id == zone_id), zone_id)


class DayStrategy(StrEnum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


@plan_app.command("day")
def day_command(
    floor_path: FloorArgument,
    bookings_path: BookingsArgument,
    on: Annotated[
        str | None, typer.Option("--date", help="Only this service date, YYYY-MM-DD.")
    ] = None,
    strategy: Annotated[
        DayStrategy, typer.Option(help="greedy, or optimal (CP-SAT, never worse than greedy).")
    ] = DayStrategy.GREEDY,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, max=600, help="Optimiser time limit, s.")
    ] = DEFAULT_TIME_LIMIT,
    as_json: JsonOption = False,
) -> None:
    """Seat a whole day, greedy or optimised: assignments, unseated bookings, figures."""
    floor, bookings = _load(floor_path, bookings_path)
    if on is not None:
        day = _parse(on, date.fromisoformat, "date (YYYY-MM-DD)", "--date")
        bookings = [booking for booking in bookings if booking.service_date == day]
    index = CombinationIndex.build(floor.venue)
    if strategy is DayStrategy.OPTIMAL:
        optimised = optimise_day(
            index, bookings, (), OptimiseOptions(time_limit_seconds=time_limit)
        )
        plan = optimised.plan
        (errors if as_json else console).print(_optimiser_line(optimised))
    else:
        plan = plan_day(index, bookings)
    violations = validate_day(index, plan.bookings(), before=bookings)
    if as_json:
        _print_json(plan.to_json())
    else:
        _show_day(floor, plan)
    if violations:
        _show_violations(violations)
        raise typer.Exit(code=1)


def _optimiser_line(optimised: Optimised) -> str:
    ours, greedy = optimised.plan.metrics, optimised.greedy.metrics
    if optimised.fallback:
        return f"Optimiser fell back to greedy: {optimised.fallback_reason}"
    proof = "proven optimal" if optimised.covers_optimal else f"bound {optimised.covers_bound}"
    return (
        f"Optimiser: {ours.seated_covers} covers ({proof}) against greedy's "
        f"{greedy.seated_covers}, in {optimised.seconds:.2f} s."
    )


def _show_day(floor: FloorPlan, plan: DayPlan) -> None:
    zone = floor.timezone
    seated = Table("ref", "party", "time", "tables", title=f"{floor.restaurant_name} — seated")
    for assignment in plan.assignments:
        window = assignment.booking.window
        seated.add_row(
            assignment.booking.ref or assignment.booking.id,
            str(assignment.booking.party_size),
            f"{_clock(window.start, zone)}–{_clock(window.end, zone)}",
            "+".join(assignment.labels) + (" (pinned)" if assignment.booking.pinned else ""),
        )
    console.print(seated)
    if plan.unseated:
        waiting = Table("ref", "party", "time", "reason", title="Not seated")
        for unseated in plan.unseated:
            waiting.add_row(
                unseated.booking.ref or unseated.booking.id,
                str(unseated.booking.party_size),
                _clock(unseated.booking.window.start, zone),
                unseated.reason.value,
            )
        console.print(waiting)
    figures = plan.metrics
    console.print(
        f"Seated {figures.seated_bookings} of {figures.bookings} bookings, "
        f"{figures.seated_covers} of {figures.covers} covers; "
        f"seat utilisation {figures.seat_utilisation:.0%}."
    )


def _show_violations(violations: list[Violation]) -> None:
    errors.print(f"[bold red]The plan breaks {len(violations)} rule(s):[/]")
    for violation in violations:
        errors.print(f"  {violation.code}: {violation.message}")
