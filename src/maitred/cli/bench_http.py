"""`maitred bench http`: the booking flow over HTTP against a raw database floor."""

from __future__ import annotations

from typing import Annotated

import typer

from maitred.benchmarks.http import Result, markdown, run
from maitred.cli.bench import bench_app
from maitred.settings import get_settings


@bench_app.command("http")
def http_command(
    clients: Annotated[str, typer.Option(help="Concurrent clients, comma-separated.")] = "8,32",
    rounds: Annotated[int, typer.Option(min=1, help="Bookings per client.")] = 25,
    workers: Annotated[int, typer.Option(min=1, help="Server worker processes.")] = 1,
) -> None:
    """p50/p95/p99 per step and bookings/s through the server, beside the same transactions
    issued by a minimal psycopg client (no HTTP, no planning). Prints the ratio."""
    counts = [int(part) for part in clients.split(",") if part.strip()]

    def progress(result: Result) -> None:
        typer.echo(
            f"{result.kind} x{result.clients}: {result.timings.bookings} bookings, "
            f"{result.throughput:.1f}/s",
            err=True,
        )

    typer.echo(markdown(run(counts, rounds, get_settings(), progress, workers)))


@bench_app.command("worker")
def worker_command(
    runs: Annotated[int, typer.Option(min=5, help="Validate and hold calls per cache mode.")] = 60,
) -> None:
    """Venue cache on vs off (p95 of validate and hold, 150 tables), sweeper lag, relay
    throughput and archival rows per second."""
    from maitred.benchmarks.worker import run as run_worker_bench

    results = run_worker_bench(get_settings(), runs)
    typer.echo("| measure | value |\n|---|---|")
    for name, value in results.items():
        typer.echo(f"| {name} | {value:.2f} |")
    on, off = results["hold p95 cache on"], results["hold p95 cache off"]
    v_on, v_off = results["validate p95 cache on"], results["validate p95 cache off"]
    typer.echo(
        f"\nThe cache makes validate {v_off / v_on:.1f}x and hold {off / on:.1f}x faster at p95."
    )
