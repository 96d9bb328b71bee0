"""The service-date bracket a day read uses never leaves out a row that overlaps the window.

Rows are found by `service_date BETWEEN first AND last AND time_window && window` (an index can
serve the date under row-level security, `&&` alone cannot). Every booking window the domain can
make, in the most extreme time zones, with services running past midnight, the longest turn and
buffer, and any window that overlaps it: its service date is inside the bracket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from maitred.db.ranges import service_days_around
from maitred.domain.policy import Policy, Service, TurnTime
from maitred.domain.window import Window, booking_window

ZONES = ("Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Chatham", "America/St_Johns", "UTC")
FIRST_DAY = date(2026, 1, 1)


@dataclass(frozen=True)
class Case:
    service_start: time
    service_end: time  # at or before the start: the service runs past midnight
    turn_minutes: int
    buffer_minutes: int
    day: int  # the service date, in days after FIRST_DAY
    into_service: int  # minutes after the service starts that the booking starts
    zone: str
    before_end: int  # the window starts this many minutes before the booking's window ends
    after_start: int  # and ends this many minutes after the later of its start and that

    def build(self) -> tuple[date, Window, Window]:
        """(service date, the booking's window, a window overlapping it)."""
        service = Service(
            name="all", start=self.service_start, end=self.service_end, allow_overrun=True
        )
        policy = Policy(
            services=(service,),
            turn_times=(TurnTime(max_party=99, minutes=self.turn_minutes),),
            buffer_minutes=self.buffer_minutes,
        )
        local = datetime.combine(FIRST_DAY + timedelta(days=self.day), self.service_start)
        local += timedelta(minutes=self.into_service)
        found = booking_window(policy, self.zone, local.date(), local.time(), 2)
        row = found.window
        first = row.end - timedelta(minutes=self.before_end)
        last = max(first, row.start) + timedelta(minutes=self.after_start)
        return found.service_date, row, Window(first, last)


def service_minutes(start: time, end: time) -> int:
    minutes = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
    return minutes or 24 * 60  # equal start and end: the service runs round the clock


def longest_or_any(low: int, high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(high), st.integers(low, high))


def edge_or_any(high: int) -> st.SearchStrategy[int]:
    """Minutes: often just one (the windows barely touch), otherwise up to `high`."""
    return st.one_of(st.just(1), st.integers(1, high))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    start = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30))))
    end = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30))))
    length = service_minutes(start, end)
    return Case(
        service_start=start,
        service_end=end,
        turn_minutes=draw(longest_or_any(5, 24 * 60)),
        buffer_minutes=draw(longest_or_any(0, 240)),
        day=draw(st.integers(0, 730)),
        into_service=draw(st.one_of(st.just(length - 1), st.integers(0, length - 1))),
        zone=draw(st.sampled_from(ZONES)),
        before_end=draw(edge_or_any(48 * 60)),
        after_start=draw(edge_or_any(48 * 60)),
    )


# The latest a row can start after its service date (the last minute of a service that runs
# nearly round the clock past midnight, twelve hours behind UTC, the longest turn and buffer),
# and the earliest (midnight, fourteen hours ahead of UTC), each with a window barely touching.
LATEST = Case(time(23, 30), time(23, 0), 24 * 60, 240, 10, 23 * 60 + 29, "Etc/GMT+12", 1, 1)
EARLIEST = Case(time(0, 0), time(23, 30), 24 * 60, 240, 10, 0, "Pacific/Kiritimati", 1, 1)


@settings(max_examples=500, deadline=None)
@given(cases())
@example(LATEST)
@example(EARLIEST)
def test_an_overlapping_row_is_inside_the_service_date_bracket(case: Case) -> None:
    service_date, row, window = case.build()
    assert row.start < window.end  # they overlap
    assert window.start < row.end
    first, last = service_days_around(window)
    assert first <= service_date <= last
