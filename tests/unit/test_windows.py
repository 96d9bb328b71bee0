"""Booking windows: turn-time bands, buffers, overrun, DST nights, service hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from maitred.domain.errors import OutsideServiceHours, PartySizeOutOfRange
from maitred.domain.policy import Policy
from maitred.domain.window import Window, booking_window

LONDON = "Europe/London"

POLICY = Policy.model_validate(
    {
        "services": [
            {
                "name": "lunch",
                "start": "12:00",
                "end": "15:00",
                "allow_overrun": True,
                "turn_times": [{"max_party": 4, "minutes": 60}, {"max_party": 99, "minutes": 75}],
            },
            {
                "name": "dinner",
                "start": "17:00",
                "end": "22:00",
                "days": ["tue", "wed", "thu", "fri", "sat"],
            },
            {"name": "late", "start": "22:30", "end": "03:00"},
        ],
        "turn_times": [
            {"max_party": 2, "minutes": 90},
            {"max_party": 4, "minutes": 105},
            {"max_party": 99, "minutes": 120},
        ],
        "buffer_minutes": 15,
    }
)

FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 23)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("party", "minutes"),
    [(1, 90), (2, 90), (3, 105), (4, 105), (5, 120), (12, 120), (150, 120)],
)
def test_turn_time_bands_and_buffer(party: int, minutes: int) -> None:
    w = booking_window(POLICY, LONDON, FRIDAY, time(18, 0), party)
    assert w.window.start == utc(2026, 11, 27, 18, 0)
    assert w.window.minutes == minutes + 15
    assert (w.service, w.service_date, w.cut_at_service_end) == ("dinner", FRIDAY, False)


@pytest.mark.parametrize(("party", "minutes"), [(2, 60), (4, 60), (5, 75)])
def test_a_service_with_its_own_turn_times_uses_them(party: int, minutes: int) -> None:
    w = booking_window(POLICY, LONDON, FRIDAY, time(12, 30), party)
    assert (w.service, w.window.minutes) == ("lunch", minutes + 15)


def test_an_explicit_duration_replaces_the_turn_time_but_keeps_the_buffer() -> None:
    w = booking_window(POLICY, LONDON, FRIDAY, time(18, 0), 2, duration_minutes=45)
    assert w.window.minutes == 60


def test_back_to_back_windows_do_not_overlap() -> None:
    first = booking_window(POLICY, LONDON, FRIDAY, time(18, 0), 2).window  # 18:00-19:45
    second = booking_window(POLICY, LONDON, FRIDAY, time(19, 45), 2).window
    assert first.end == second.start
    assert not first.overlaps(second)
    assert not second.overlaps(first)
    later = booking_window(POLICY, LONDON, FRIDAY, time(19, 30), 2).window
    assert first.overlaps(later)


def test_a_long_window_enclosing_a_short_one_overlaps_it() -> None:
    long = Window(utc(2026, 11, 27, 18, 0), utc(2026, 11, 27, 22, 0))
    short = Window(utc(2026, 11, 27, 19, 0), utc(2026, 11, 27, 19, 30))
    assert long.overlaps(short)
    assert short.overlaps(long)


def test_a_window_is_cut_at_the_end_of_a_service_without_overrun() -> None:
    w = booking_window(POLICY, LONDON, FRIDAY, time(21, 0), 2)
    assert w.window.end == utc(2026, 11, 27, 22, 0)
    assert w.cut_at_service_end
    assert w.window.minutes == 60


def test_a_window_runs_past_the_end_of_a_service_that_allows_overrun() -> None:
    w = booking_window(POLICY, LONDON, FRIDAY, time(14, 45), 6)
    assert w.window.end == utc(2026, 11, 27, 16, 15)
    assert not w.cut_at_service_end


@pytest.mark.parametrize(
    ("day", "at"),
    [
        (FRIDAY, time(16, 59)),
        (FRIDAY, time(15, 0)),  # lunch ends at 15:00: the end is not a start
        (FRIDAY, time(22, 0)),
        (FRIDAY, time(3, 0)),
        (MONDAY, time(19, 0)),  # no dinner on Mondays
    ],
)
def test_a_start_outside_every_service_is_refused(day: date, at: time) -> None:
    with pytest.raises(OutsideServiceHours) as caught:
        booking_window(POLICY, LONDON, day, at, 2)
    assert caught.value.code == "OUTSIDE_SERVICE_HOURS"
    assert caught.value.details == {"date": day.isoformat(), "time": at.strftime("%H:%M")}


def test_a_party_needs_at_least_one_guest() -> None:
    with pytest.raises(PartySizeOutOfRange):
        booking_window(POLICY, LONDON, FRIDAY, time(19, 0), 0)


def test_after_midnight_belongs_to_the_previous_days_service() -> None:
    w = booking_window(POLICY, LONDON, date(2026, 11, 28), time(0, 30), 2)
    assert (w.service, w.service_date) == ("late", FRIDAY)
    assert w.window.start == utc(2026, 11, 28, 0, 30)


def test_spring_forward_night_a_window_lasts_its_elapsed_minutes() -> None:
    # Clocks go from 01:00 GMT to 02:00 BST on 29 March 2026.
    w = booking_window(POLICY, LONDON, date(2026, 3, 28), time(23, 30), 2)
    assert w.window.start == utc(2026, 3, 28, 23, 30)
    assert w.window.end == utc(2026, 3, 29, 1, 15)  # 02:15 BST on the wall clock
    assert w.window.minutes == 105
    # Service end is 03:00 BST = 02:00 UTC: a longer booking is cut there, not an hour later.
    cut = booking_window(POLICY, LONDON, date(2026, 3, 29), time(0, 30), 5)
    assert cut.window.end == utc(2026, 3, 29, 2, 0)
    assert cut.window.minutes == 90


def test_a_start_in_the_skipped_hour_lands_after_the_change() -> None:
    w = booking_window(POLICY, LONDON, date(2026, 3, 29), time(1, 30), 2)
    assert w.window.start == utc(2026, 3, 29, 1, 30)  # 02:30 BST


def test_fall_back_night_a_window_lasts_its_elapsed_minutes() -> None:
    # Clocks go from 02:00 BST back to 01:00 GMT on 25 October 2026.
    w = booking_window(POLICY, LONDON, date(2026, 10, 25), time(1, 30), 5)
    assert w.window.start == utc(2026, 10, 25, 0, 30)  # the first 01:30, in BST
    assert w.window.end == utc(2026, 10, 25, 2, 45)  # 135 elapsed minutes, before 03:00 GMT
    assert not w.cut_at_service_end
    assert w.service_date == date(2026, 10, 24)


def test_windows_are_in_utc_whatever_the_restaurants_timezone() -> None:
    w = booking_window(POLICY, "America/New_York", FRIDAY, time(19, 0), 2)
    assert w.window.start == utc(2026, 11, 28, 0, 0)
