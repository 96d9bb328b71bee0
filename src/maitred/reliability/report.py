"""Figures from a history: latencies per operation, and the summary file of a run."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from maitred.reliability.history import History


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latencies(history: History) -> dict[str, dict[str, float]]:
    """p50/p95/p99 in milliseconds of every answered call, per operation."""
    answered: dict[str, list[float]] = defaultdict(list)
    for record in history.completions():
        if record["value"].get("status") is not None:
            answered[record["f"]].append(record["latency_ms"])
    return {
        f: {
            "count": len(values),
            "p50": round(percentile(values, 0.5), 1),
            "p95": round(percentile(values, 0.95), 1),
            "p99": round(percentile(values, 0.99), 1),
        }
        for f, values in sorted(answered.items())
    }


def write_summary(out: Path, figures: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return path
