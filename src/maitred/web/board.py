"""The timeline laid out for the screen: an hour axis over the shown services, and every bar
placed and sized by its window as a share of it.

Plain data in (the service-day timeline view), plain data out (what the templates draw).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

View = dict[str, Any]

DEFAULT_HOURS = (12, 23)  # the axis of a day without services or bookings


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def clock(text: str) -> str:
    """`19:30` from an ISO time with the restaurant's offset."""
    return moment(text).strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class Axis:
    """The shown stretch of time, whole hours from `start` to `end`."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> int:
        return max(1, round((self.end - self.start) / timedelta(hours=1)))

    def share(self, at: datetime) -> float:
        """Where a moment sits on the axis, 0..100 (clamped)."""
        ratio = (at - self.start) / (self.end - self.start)
        return round(100 * min(1.0, max(0.0, ratio)), 3)

    def marks(self) -> list[View]:
        hours = [self.start + timedelta(hours=h) for h in range(self.hours)]
        return [{"label": at.strftime("%H:%M"), "left": self.share(at)} for at in hours]

    def covers(self, at: datetime) -> bool:
        return self.start <= at <= self.end


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(at: datetime) -> datetime:
    floor = _floor_hour(at)
    return floor if floor == at else floor + timedelta(hours=1)


def axis_of(timeline: View) -> Axis:
    """The chosen service (or every service of the day), stretched to the bars that run past
    it, in whole hours."""
    services = timeline["services"]
    if timeline["service"]:
        services = [s for s in services if s["name"] == timeline["service"]]
    starts = [moment(s["start"]) for s in services]
    ends = [moment(s["end"]) for s in services]
    bars = [bar for zone in timeline["zones"] for t in zone["tables"] for bar in t["bars"]]
    if starts:
        first, last = min(starts), max(ends)
        ends += [moment(b["end"]) for b in bars if first <= moment(b["start"]) < last]
    else:
        starts += [moment(b["start"]) for b in bars]
        ends += [moment(b["end"]) for b in bars]
    if not starts:
        day = moment(timeline["start"])
        return Axis(day.replace(hour=DEFAULT_HOURS[0]), day.replace(hour=DEFAULT_HOURS[1]))
    return Axis(_floor_hour(min(starts)), _ceil_hour(max(ends)))


def _bar(bar: View, axis: Axis) -> View | None:
    start, end = moment(bar["start"]), moment(bar["end"])
    if end <= axis.start or start >= axis.end:
        return None
    left = axis.share(start)
    tables = "+".join(bar["tables"])
    placed = {
        **bar,
        "left": left,
        "width": max(0.6, round(axis.share(end) - left, 3)),
        "from": start.strftime("%H:%M"),
        "to": end.strftime("%H:%M"),
        "table_text": tables,
    }
    if bar["kind"] == "block":
        return placed | {"title": f"Blocked {placed['from']}–{placed['to']}: {bar['reason'] or ''}"}
    name = bar.get("ref") or "booking"
    what = "held" if bar["kind"] == "hold" else bar.get("status", "")
    return placed | {
        "name": name,
        "title": f"{name}, party of {bar['party_size']}, {placed['from']}–{placed['to']}, "
        f"{tables}, {what}",
    }


def _now(timeline: View, axis: Axis) -> float | None:
    now = moment(timeline["server_time"])
    return axis.share(now) if axis.covers(now) else None


def layout(timeline: View) -> View:
    """What the timeline template draws: the axis marks, zones of tables with placed bars,
    the waiting bookings, and where "now" is (None when off the axis)."""
    axis = axis_of(timeline)
    zones, seen = [], set()
    for zone in timeline["zones"]:
        tables = []
        for table in zone["tables"]:
            bars = [placed for bar in table["bars"] if (placed := _bar(bar, axis)) is not None]
            for bar in bars:  # one tab stop per booking, on its first table
                bar["first"] = bar["group_id"] not in seen
                seen.add(bar["group_id"])
            tables.append({**table, "bars": bars})
        seats = sum(t["capacity"] for t in zone["tables"] if t["active"])
        zones.append({**zone, "tables": tables, "seats": seats})
    waiting = [
        {**b, "from": b["time"], "to": clock(b["end"])}
        for b in sorted(timeline["unassigned"], key=lambda b: (b["start"], b["ref"] or ""))
    ]
    return {
        "hours": axis.hours,
        "marks": axis.marks(),
        "now": _now(timeline, axis),
        "zones": zones,
        "waiting": waiting,
        "covers_waiting": sum(b["party_size"] for b in waiting),
        "context_version": timeline["context_version"],
    }


def countdown(seconds: float) -> str:
    """`2:05` for a hold's time left (never negative)."""
    whole = max(0, math.floor(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
