"""The reliability harness (not a test): `python bench/reliability/run.py [SCENARIO...]`.

The same as `maitred bench reliability`; the scenarios live in `maitred.reliability` so the
installed command and the CI-sized tests run the same code. Histories and summaries are written
under `bench/reliability/runs/<scenario>/`.
"""

from __future__ import annotations

import typer

from maitred.cli.bench_reliability import reliability_command

if __name__ == "__main__":
    typer.run(reliability_command)
