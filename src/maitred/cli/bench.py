"""`maitred bench`: benchmarks (not tests), printing ratios against baselines run alongside."""

from __future__ import annotations

from typing import Annotated

import typer

from maitred.planning.benchmark import (
    DEFAULT_BOOKINGS,
    DEFAULT_TABLES,
    HEADER,
    BenchResult,
    markdown_table,
    run,
    table_row,
)

bench_app = typer.Typer(
    help="Benchmarks: latency side by side with a baseline.", no_args_is_help=True
)


def _sizes(value: str, name: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a comma-separated list", param_hint=name
        ) from None
    if not sizes or min(sizes) < 0:
        raise typer.BadParameter("give at least one size, none negative", param_hint=name)
    return sizes


@bench_app.command("planner")
def planner_command(
    tables: Annotated[str, typer.Option(help="Floor sizes, comma-separated.")] = ",".join(
        map(str, DEFAULT_TABLES)
    ),
    bookings: Annotated[str, typer.Option(help="Bookings per day, comma-separated.")] = ",".join(
        map(str, DEFAULT_BOOKINGS)
    ),
    max_tables: Annotated[
        int, typer.Option("--k", min=1, max=6, help="Max tables per combination.")
    ] = 4,
    quotes: Annotated[int, typer.Option(min=1, help="Quotes timed per floor and day.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the floors, days and requests.")] = 1,
) -> None:
    """Quote latency (p50/p99) against a naive depth-first baseline, on the same requests."""
    floor_sizes = _sizes(tables, "--tables")
    day_sizes = _sizes(bookings, "--bookings")
    typer.echo(HEADER, err=True)

    def progress(result: BenchResult) -> None:
        typer.echo(table_row(result), err=True)

    results = run(floor_sizes, day_sizes, max_tables, quotes, seed, progress)
    typer.echo(markdown_table(results))
