"""Prometheus metrics, in a registry of maitred's own (several apps may live in one process)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "maitred_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
HOLDS = Counter(
    "maitred_holds_total", "Holds by what happened to them.", ["event"], registry=REGISTRY
)
CONFLICTS = Counter(
    "maitred_conflicts_total",
    "Refusals by stable code (409, 422, 429).",
    ["code"],
    registry=REGISTRY,
)


class PoolCollector(Collector):
    """Connection-pool usage of the apps currently serving, read at scrape time."""

    def __init__(self) -> None:
        self.pools: dict[str, Any] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        names = {
            "pool_size": "connections open",
            "pool_available": "connections idle",
            "requests_waiting": "requests waiting for a connection",
        }
        for stat, help_text in names.items():
            family = GaugeMetricFamily(
                f"maitred_pool_{stat}", f"Pool: {help_text}.", labels=["pool"]
            )
            for name, pool in self.pools.items():
                family.add_metric([name], float(pool.get_stats().get(stat, 0)))
            yield family


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def registry_to_expose() -> CollectorRegistry:
    """This process's registry, or, under several workers (PROMETHEUS_MULTIPROC_DIR set), one
    that reads every worker's counters and histograms, plus this process's pool gauges."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    combined.register(POOLS)
    return combined
