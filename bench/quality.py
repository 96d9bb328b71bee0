"""Allocation-quality benchmark (not a test): `python bench/quality.py [--loads ...] [--seed N]`.

The same as `maitred bench quality`; the code lives in `maitred.planning.optimise.quality` so
the installed command can run it.
"""

from __future__ import annotations

import typer

from maitred.cli.bench import quality_command

if __name__ == "__main__":
    typer.run(quality_command)
