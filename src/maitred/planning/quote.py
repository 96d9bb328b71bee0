"""Quotes: the ranked plans for a party at a local time, or why not and when instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maitred.domain.errors import OutsideServiceHours
from maitred.domain.window import Window, booking_window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy
from maitred.planning.pacing import PacingLedger
from maitred.planning.reasons import Reason, why_no_plan
from maitred.planning.request import QuoteRequest
from maitred.planning.scoring import Plan, rank_plans
from maitred.planning.search import blocked_mask, has_plan

DEFAULT_TOP = 5
DEFAULT_TOLERANCE = timedelta(minutes=30)
DEFAULT_STEP = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Quote:
    """The best plans first; when there are none, the reason and nearby start times that work.

    `alternative_times` are local (restaurant timezone) start times, nearest first.
    """

    plans: tuple[Plan, ...]
    reason: Reason | None
    message: str | None
    window: Window | None
    alternative_times: tuple[datetime, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The quote as in DESIGN §8."""
        return {
            "plans": [plan.to_json() for plan in self.plans],
            "reason": None if self.reason is None else self.reason.value,
            "alternative_times": [moment.isoformat() for moment in self.alternative_times],
        }


Refusal = tuple[Reason, str]


def quote(
    index: CombinationIndex,
    occupancy: Occupancy,
    request: QuoteRequest,
    day: DayBookings | None = None,
    *,
    top: int | None = DEFAULT_TOP,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    step: timedelta = DEFAULT_STEP,
) -> Quote:
    """Plan a party at a local start; when nothing fits, say why and when instead.

    `occupancy` must cover the request's window and its neighbourhood (± tolerance) and `day`
    holds the day's bookings, for pacing and for the damage a plan would do to the bookings
    still waiting for a table. Without a day, pacing counts this party alone.
    """
    ledger = _ledger(index, day)
    found = _window(index, request, request.local_date, request.local_time)
    window: Window | None = None
    if isinstance(found, Window):
        window = found
        refusal = _pacing_refusal(ledger, found, request)
        if refusal is None:
            plans = rank_plans(index, occupancy, request.plan_request(found), day, top)
            if plans:
                return Quote(tuple(plans), None, None, found)
            refusal = why_no_plan(index, request.party_size, index.mask_of(request.avoid))
    else:
        refusal = found
    later = alternative_times(index, occupancy, request, ledger, tolerance, step)
    return Quote((), refusal[0], refusal[1], window, later)


def _ledger(index: CombinationIndex, day: DayBookings | None) -> PacingLedger | None:
    if day is not None:
        return day.pacing
    pacing = index.venue.policy.pacing
    return None if pacing is None else PacingLedger(pacing, index.venue.timezone)


def _window(
    index: CombinationIndex, request: QuoteRequest, local_date: date, local_time: time
) -> Window | Refusal:
    """The window of a start time, or why the time is outside service."""
    venue = index.venue
    try:
        found = booking_window(
            venue.policy,
            venue.timezone,
            local_date,
            local_time,
            request.party_size,
            request.duration_minutes,
        )
    except OutsideServiceHours as exc:
        return Reason.OUTSIDE_SERVICE_HOURS, exc.message
    return found.window


def _pacing_refusal(
    ledger: PacingLedger | None, window: Window, request: QuoteRequest
) -> Refusal | None:
    if ledger is None:
        return None
    why = ledger.refusal(window.start, request.party_size, request.booking_id)
    return None if why is None else (Reason.PACING_LIMIT, why)


def alternative_times(
    index: CombinationIndex,
    occupancy: Occupancy,
    request: QuoteRequest,
    ledger: PacingLedger | None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    step: timedelta = DEFAULT_STEP,
) -> tuple[datetime, ...]:
    """Local start times within ± tolerance that have a plan; nearest first, earlier on ties."""
    zone = ZoneInfo(index.venue.timezone)
    requested = datetime.combine(request.local_date, request.local_time)
    found: list[datetime] = []
    for offset in _offsets(tolerance, step):
        moment = requested + offset
        window = _window(index, request, moment.date(), moment.time())
        if not isinstance(window, Window) or _pacing_refusal(ledger, window, request):
            continue
        blocked = blocked_mask(index, occupancy, request.plan_request(window))
        start = window.start.astimezone(zone)
        if has_plan(index, blocked, request.party_size) and start not in found:
            found.append(start)
    return tuple(found)


def _offsets(tolerance: timedelta, step: timedelta) -> list[timedelta]:
    if step <= timedelta(0):
        raise ValueError("the step between alternative times must be positive")
    offsets, distance = [], step
    while distance <= tolerance:
        offsets += [-distance, distance]
        distance += step
    return offsets
