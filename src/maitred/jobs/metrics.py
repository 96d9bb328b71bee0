"""The worker's Prometheus metrics (served by `maitred worker --metrics-port`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HOLDS_EXPIRED = Counter(
    "maitred_holds_expired_total", "Expired holds removed by the sweeper.", registry=REGISTRY
)
SWEEP_LAG = Histogram(
    "maitred_hold_sweep_lag_seconds",
    "From a hold's expiry to its removal (worst per batch).",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900),
    registry=REGISTRY,
)
EVENTS = Counter(
    "maitred_outbox_events_total",
    "Outbox events by outcome (delivered, retried, dead).",
    ["outcome"],
    registry=REGISTRY,
)
ARCHIVED = Counter(
    "maitred_allocations_archived_total", "Assignments moved to the archive.", registry=REGISTRY
)
PURGED = Counter(
    "maitred_purged_total", "Rows removed by retention, by kind.", ["kind"], registry=REGISTRY
)
JOB_SECONDS = Histogram(
    "maitred_job_duration_seconds", "One run of a job.", ["job"], registry=REGISTRY
)
JOB_FAILURES = Counter(
    "maitred_job_failures_total", "Job runs that raised.", ["job"], registry=REGISTRY
)
