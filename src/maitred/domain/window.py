"""Booking windows: the half-open time a booking occupies its tables.

`[start, start + turn_time(party, service) + buffer)`, cut at the service end when the service
does not allow overrun. Local wall-clock times are converted with the restaurant's timezone;
durations are elapsed time, so a window across a DST change lasts exactly its minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maitred.domain.errors import InvalidRequest, OutsideServiceHours, PartySizeOutOfRange
from maitred.domain.policy import WEEKDAYS, Policy, Service


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """A half-open interval `[start, end)` in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("a window must end after it starts")

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class BookingWindow:
    """A booking's window with the service it belongs to and that service's local day."""

    window: Window
    service: str
    service_date: date
    cut_at_service_end: bool


def local_to_utc(local_date: date, local_time: time, timezone: str) -> datetime:
    """Convert a local wall-clock time to UTC.

    A time that does not exist (skipped by a spring-forward change) is read with the offset in
    force before the change, so it lands after the change (02:30 becomes 03:30 local). A time
    that occurs twice (autumn) is read as its first occurrence.
    """
    naive = datetime.combine(local_date, local_time)
    return naive.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)


def _service_day_for(service: Service, local_date: date, local_time: time) -> date | None:
    """The local date of the service day that contains this local start, if any."""
    weekday = WEEKDAYS[local_date.weekday()]
    previous = local_date - timedelta(days=1)
    if not service.crosses_midnight:
        if weekday in service.days and service.start <= local_time < service.end:
            return local_date
        return None
    if weekday in service.days and local_time >= service.start:
        return local_date
    if WEEKDAYS[previous.weekday()] in service.days and local_time < service.end:
        return previous
    return None


def find_service(policy: Policy, local_date: date, local_time: time) -> tuple[Service, date]:
    """The service (and its local day) that a start at this local time belongs to."""
    for service in policy.services:
        service_day = _service_day_for(service, local_date, local_time)
        if service_day is not None:
            return service, service_day
    raise OutsideServiceHours(
        f"No service of this restaurant is open on {local_date.isoformat()} at "
        f"{local_time.strftime('%H:%M')}.",
        date=local_date.isoformat(),
        time=local_time.strftime("%H:%M"),
    )


def service_end_utc(service: Service, service_day: date, timezone: str) -> datetime:
    end_day = service_day + timedelta(days=1) if service.crosses_midnight else service_day
    return local_to_utc(end_day, service.end, timezone)


def booking_window(
    policy: Policy,
    timezone: str,
    local_date: date,
    local_time: time,
    party_size: int,
    duration_minutes: int | None = None,
) -> BookingWindow:
    """The window a booking of this party at this local time occupies.

    `duration_minutes`, when given, replaces the turn time (an imported booking may carry its
    own length); the buffer is still added and the overrun rule still applies.
    """
    if party_size < 1:
        raise PartySizeOutOfRange("A party has at least one guest.", party_size=party_size)
    if local_time.tzinfo is not None:
        raise InvalidRequest("A local time is given without an offset.", time=str(local_time))
    if not date.min < local_date < date.max:
        raise InvalidRequest("That date is out of range.", date=local_date.isoformat())
    service, service_day = find_service(policy, local_date, local_time)
    minutes = (
        duration_minutes
        if duration_minutes is not None
        else policy.turn_minutes(party_size, service)
    )
    start = local_to_utc(local_date, local_time, timezone)
    end = start + timedelta(minutes=minutes + policy.buffer_minutes)
    cut = False
    if not service.allow_overrun:
        service_end = service_end_utc(service, service_day, timezone)
        if end > service_end:
            end, cut = service_end, True
    if end <= start:
        # A start inside a skipped hour can land at or after the service end.
        raise OutsideServiceHours(
            "That start leaves no time before the service ends.",
            date=local_date.isoformat(),
            time=local_time.strftime("%H:%M"),
        )
    return BookingWindow(Window(start, end), service.name, service_day, cut)
