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
from maitred.planning.optimise import Formulation, OptimiseOptions, quality
from maitred.planning.optimise.instances import FLOORS

bench_app = typer.Typer(
    help="Benchmarks: latency and allocation quality side by side with baselines.",
    no_args_is_help=True,
)


def _loads(value: str) -> list[float]:
    try:
        loads = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a list of numbers", param_hint="--loads"
        ) from None
    if not loads or min(loads) <= 0:
        raise typer.BadParameter("give at least one load, all positive", param_hint="--loads")
    return loads


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


@bench_app.command("quality")
def quality_command(
    floors: Annotated[str, typer.Option(help="Floors, comma-separated.")] = ",".join(
        kind.name for kind in FLOORS
    ),
    loads: Annotated[str, typer.Option(help="Loads (peak covers / seats).")] = ",".join(
        map(str, quality.LOADS)
    ),
    sizes: Annotated[
        str, typer.Option(help="Day sizes (bookings) on the mixed floor; empty for none.")
    ] = ",".join(map(str, quality.SIZES)),
    seed: Annotated[int, typer.Option(help="Seed of the floors and days.")] = 1,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="The optimiser's time limit, s.")
    ] = OptimiseOptions().time_limit_seconds,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT workers.")] = 1,
    formulation: Annotated[
        Formulation, typer.Option(help="No table twice at once: cliques of starts or intervals.")
    ] = Formulation.STARTS,
    relaxation: Annotated[
        bool, typer.Option("--relaxation/--no-relaxation", help="Solve the LP first.")
    ] = True,
) -> None:
    """Covers seated by the industry-style baseline, maitred greedy and the optimiser, against
    the CP-SAT bound, on the same seeded days."""
    names = [name for name in floors.split(",") if name.strip()]
    unknown = sorted(set(names) - {kind.name for kind in FLOORS})
    if unknown:
        raise typer.BadParameter(f"no floor {', '.join(unknown)}", param_hint="--floors")
    options = OptimiseOptions(
        time_limit_seconds=time_limit,
        workers=workers,
        formulation=formulation,
        relaxation=relaxation,
    )
    typer.echo(quality.HEADER, err=True)

    def progress(result: quality.CaseResult) -> None:
        for row in quality.table_rows(result):
            typer.echo(row, err=True)

    results = quality.run(
        names,
        _loads(loads),
        _sizes(sizes, "--sizes") if sizes.strip() else [],
        seed,
        options,
        progress,
    )
    typer.echo(quality.markdown_table(results))
    typer.echo("")
    for line in quality.goals(results):
        typer.echo(f"- {line}")
