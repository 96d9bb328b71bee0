"""Planner benchmark (not a test): `python bench/planner.py [--tables ...] [--bookings ...]`.

The same as `maitred bench planner`; the code lives in `maitred.planning.benchmark` so the
installed command can run it.
"""

from __future__ import annotations

import typer

from maitred.cli.bench import planner_command

if __name__ == "__main__":
    typer.run(planner_command)
