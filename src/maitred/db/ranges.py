"""Windows <-> PostgreSQL tstzrange values."""

from __future__ import annotations

from datetime import datetime

from psycopg.types.range import Range

from maitred.domain.window import Window


def window_range(window: Window) -> Range[datetime]:
    return Range(window.start, window.end, "[)")


def range_window(value: Range[datetime]) -> Window:
    if value.lower is None or value.upper is None:
        raise ValueError("an allocation window is always bounded")
    return Window(value.lower, value.upper)
