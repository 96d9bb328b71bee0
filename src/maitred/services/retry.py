"""Bounded retries, with jittered exponential backoff, of transactions that lost a deadlock or a
serialization check. Anything else is an answer, not a reason to retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import stamina

from maitred.domain.errors import TransientConflict

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 4


def retry_transient(function: Callable[P, T]) -> Callable[P, T]:
    """Run a whole use case (its own transaction) again when it hit a transient conflict."""
    decorated: Callable[P, T] = stamina.retry(
        on=TransientConflict,
        attempts=ATTEMPTS,
        timeout=5.0,
        wait_initial=0.01,
        wait_max=0.2,
        wait_jitter=0.05,
    )(function)
    return decorated
