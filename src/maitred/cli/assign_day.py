"""`maitred assign-day`: seat a service day on the database, greedy or optimised, with a live
progress display (on stderr) and the report (on stdout)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from maitred.cli.runtime import console, database, errors, fail, parse_uuid
from maitred.domain.actors import CLI_ACTOR
from maitred.domain.errors import MaitredError
from maitred.planning.optimise.solve import DEFAULT_TIME_LIMIT
from maitred.services import service_day


class Strategy(StrEnum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None


@contextmanager
def progress_display(seconds: float, enabled: bool) -> Iterator[service_day.Progress]:
    """A spinner with the current phase and the time spent against the time limit, on stderr;
    yields the callback the service reports its phases to."""
    if not enabled:
        yield lambda phase: None
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )
    task = bar.add_task("starting", total=seconds)
    started, done = time.monotonic(), threading.Event()

    def tick() -> None:
        while not done.wait(0.1):
            bar.update(task, completed=min(seconds, time.monotonic() - started))

    ticker = threading.Thread(target=tick, daemon=True)
    with bar:
        ticker.start()
        try:
            yield lambda phase: bar.update(task, description=phase)
        finally:
            done.set()
            ticker.join()


def report_figures(report: dict[str, Any], title: str) -> Table:
    """The day in figures: covers, bookings, utilisation, moves, and how it was planned."""
    metrics = report["metrics"]
    table = Table("", "", title=title, show_header=False)
    table.add_row("seated covers", f"{metrics['seated_covers']} of {metrics['covers']}")
    table.add_row("seated bookings", f"{metrics['seated_bookings']} of {metrics['bookings']}")
    table.add_row("seat utilisation", f"{metrics['seat_utilisation']:.1%}")
    table.add_row("moves", str(report["moves"]))
    optimiser = report.get("optimiser")
    if optimiser is not None:
        proof = "proven optimal" if optimiser["optimal_covers"] else "best found"
        bound = optimiser["covers_bound"]
        table.add_row("covers", f"{proof} (bound {bound if bound is not None else '–'})")
        if optimiser["fallback"]:
            table.add_row("fallback", f"greedy: {optimiser['fallback_reason']}")
        table.add_row("solve time", f"{optimiser['solve_seconds']:.2f} s")
    return table


def unseated_table(report: dict[str, Any]) -> Table:
    table = Table("ref", "party", "reason", title="Not seated")
    for entry in report["unseated"]:
        table.add_row(
            entry["ref"] or entry["booking_id"], str(entry["party_size"]), entry["reason"]
        )
    return table


def moved_table(report: dict[str, Any]) -> Table:
    table = Table("ref", "party", "from", "to", title="Moved")
    for entry in report["assignments"]:
        if entry.get("moved"):
            table.add_row(
                entry["ref"] or entry["booking_id"],
                str(entry["party_size"]),
                "+".join(entry["previous_tables"]),
                "+".join(entry["tables"]),
            )
    return table


def render(report: dict[str, Any], service_date: date) -> RenderableType:
    what = "dry run, nothing written" if report["dry_run"] else f"{report['written']} written"
    mode = report["strategy"] + (", re-optimised" if report["reoptimise"] else "")
    parts: list[RenderableType] = [report_figures(report, f"{service_date} — {mode} ({what})")]
    if report["moves"]:
        parts.append(moved_table(report))
    if report["unseated"]:
        parts.append(unseated_table(report))
    flexible = report.get("flexible_times")
    if flexible is not None:
        parts.append(
            f"With start times ±{flexible['tolerance_minutes']} min: "
            f"{flexible['extra_covers']:+d} covers, {flexible['extra_bookings']:+d} bookings "
            f"({flexible['shifted_bookings']} shifted). {flexible['note']}"
        )
    return Group(*parts)


def assign_day_command(
    restaurant: Annotated[str, typer.Option("--restaurant", "-r", help="Restaurant id.")],
    on: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    strategy: Annotated[Strategy, typer.Option(help="greedy, or optimal (CP-SAT).")] = (
        Strategy.GREEDY
    ),
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, max=600, help="Optimiser time limit, seconds."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and report only.")] = False,
    reoptimise: Annotated[
        bool,
        typer.Option("--reoptimise", help="Optimal only: also move unpinned bookings, few."),
    ] = False,
    what_if: Annotated[
        int | None,
        typer.Option(
            "--what-if-tolerance",
            help="Also report the covers gained if pending bookings could shift ± this many"
            " minutes (15-minute steps; writes nothing).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Seat every booking of a service day that has no table (greedy or optimised), or
    re-optimise the day; prints the report."""
    restaurant_id = parse_uuid(restaurant)
    service_date = _date(on)
    limit = time_limit or (DEFAULT_TIME_LIMIT if strategy is Strategy.OPTIMAL else 1.0)
    try:
        with database() as rt, progress_display(limit, sys.stderr.isatty()) as progress:
            report = service_day.auto_assign_day(
                rt.db,
                restaurant_id,
                service_date,
                CLI_ACTOR,
                rt.settings.policy_defaults(),
                strategy=strategy.value,
                dry_run=dry_run,
                time_limit_seconds=time_limit,
                reoptimise=reoptimise,
                what_if_tolerance_minutes=what_if,
                progress=progress,
            )
    except MaitredError as exc:
        raise fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        console.print(render(report, service_date))
