"""Windows <-> PostgreSQL tstzrange values, and the service days a window can touch."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg.types.range import Range

from maitred.domain.window import Window


def window_range(window: Window) -> Range[datetime]:
    return Range(window.start, window.end, "[)")


def range_window(value: Range[datetime]) -> Window:
    if value.lower is None or value.upper is None:
        raise ValueError("an allocation window is always bounded")
    return Window(value.lower, value.upper)


# How far a row's service date can lie from the UTC dates its window covers. A window lasts at
# most 28 hours (a turn of up to 24 hours and a buffer of up to 4), starts on its service date or
# the next (a service may run past midnight), and a time zone moves a UTC date by a day at most.
_DAYS_BEFORE = timedelta(days=4)
_DAYS_AFTER = timedelta(days=2)


def service_days_around(window: Window) -> tuple[date, date]:
    """The first and last service dates of the rows (allocations, bookings) whose windows can
    overlap `window`: a wide, safe bracket.

    Row-level security keeps a non-leakproof operator such as `&&` out of an index condition,
    so `time_window && …` alone makes PostgreSQL read every row of the restaurant. Date
    comparisons are leakproof: bracketing the service date lets the day indexes find the rows,
    and `&&` then picks the exact ones.
    """
    return (window.start.date() - _DAYS_BEFORE, window.end.date() + _DAYS_AFTER)


def bracketed(restaurant_id: UUID, window: Window) -> dict[str, Any]:
    """Named parameters `rid`, `first`, `last` and `window` for a read of the rows overlapping
    a window, bracketed by service date (see `service_days_around`)."""
    first, last = service_days_around(window)
    return {"rid": restaurant_id, "first": first, "last": last, "window": window_range(window)}
