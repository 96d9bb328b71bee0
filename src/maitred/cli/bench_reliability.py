"""`maitred bench reliability`: the reliability scenarios, their histories and checked figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from maitred.cli.bench import bench_app
from maitred.reliability.scenarios import SCENARIOS, SIZES, run_scenario
from maitred.settings import get_settings


@bench_app.command("reliability")
def reliability_command(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help=f"Scenarios to run (default all): {', '.join(SCENARIOS)}."),
    ] = None,
    size: Annotated[str, typer.Option(help="ci (minutes) or soak (hours).")] = "ci",
    out: Annotated[
        Path, typer.Option(help="Directory for each scenario's history.jsonl and summary.json.")
    ] = Path("bench/reliability/runs"),
) -> None:
    """Run scenarios over a real server and database, record Jepsen-style histories and check
    them. Exits 1 when any figure that must be zero is not."""
    if size not in SIZES:
        raise typer.BadParameter(f"one of {', '.join(SIZES)}", param_hint="--size")
    unknown = sorted(set(scenarios or []) - set(SCENARIOS))
    if unknown:
        raise typer.BadParameter(f"unknown: {', '.join(unknown)}", param_hint="SCENARIOS")
    failed = []
    for name in scenarios or list(SCENARIOS):
        typer.echo(f"== {name} ({size})", err=True)
        figures = run_scenario(SCENARIOS[name], size, get_settings(), out / name)
        typer.echo(json.dumps(figures, default=str))
        if not figures.get("valid"):
            failed.append(name)
    if failed:
        typer.echo(f"invalid: {', '.join(failed)}", err=True)
        raise typer.Exit(1)
