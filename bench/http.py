"""HTTP benchmark (not a test): `python bench/http.py [--clients 8,32] [--rounds 25]`.

The same as `maitred bench http`; the code lives in `maitred.benchmarks.http` so the installed
command can run it.
"""

from __future__ import annotations

import typer

from maitred.cli.bench_http import http_command

if __name__ == "__main__":
    typer.run(http_command)
