"""The timeline's layout: the hour axis, bars placed and sized by their windows (no database)."""

from __future__ import annotations

from typing import Any

from maitred.web.board import axis_of, countdown, layout

DAY = "2026-11-27"


def at(clock: str) -> str:
    return f"{DAY}T{clock}:00+00:00"


def bar(kind: str, start: str, end: str, group: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "group_id": group,
        "tables": fields.pop("tables", ["T1"]),
        "start": at(start),
        "end": at(end),
        **fields,
    }


def timeline(bars: dict[str, list[dict[str, Any]]], service: str | None = None) -> dict[str, Any]:
    return {
        "date": DAY,
        "service": service,
        "start": at("00:00"),
        "end": "2026-11-28T00:00:00+00:00",
        "services": [
            {"name": "lunch", "start": at("12:00"), "end": at("15:00")},
            {"name": "dinner", "start": at("17:00"), "end": at("22:00")},
        ],
        "zones": [
            {
                "id": "z",
                "name": "Main",
                "tables": [
                    {"id": label, "label": label, "capacity": 2, "active": True, "bars": rows}
                    for label, rows in bars.items()
                ],
            }
        ],
        "unassigned": [],
        "context_version": 7,
        "server_time": at("19:00"),
    }


def assignment(start: str, end: str, group: str, **fields: Any) -> dict[str, Any]:
    defaults = {"booking_id": group, "ref": "B1", "party_size": 2, "status": "confirmed"}
    return bar("assignment", start, end, group, **(defaults | fields))


def test_the_axis_spans_the_services_in_whole_hours_and_stretches_to_overruns() -> None:
    shown = timeline({"T1": [assignment("21:15", "23:20", "g1")]})
    axis = axis_of(shown)
    assert (axis.start.hour, axis.end.hour) == (12, 0)  # 12:00 to midnight: the overrun
    assert axis.hours == 12
    dinner = axis_of(timeline({"T1": []}, service="dinner"))
    assert (dinner.start.hour, dinner.end.hour, dinner.hours) == (17, 22, 5)
    assert [m["label"] for m in dinner.marks()] == ["17:00", "18:00", "19:00", "20:00", "21:00"]


def test_bars_are_placed_and_sized_by_their_windows() -> None:
    shown = timeline({"T1": [assignment("18:00", "19:30", "g1")]}, service="dinner")
    placed = layout(shown)["zones"][0]["tables"][0]["bars"][0]
    assert placed["left"] == 20.0  # one hour of five
    assert placed["width"] == 30.0  # ninety minutes of five hours
    assert placed["from"] == "18:00"
    assert "B1, party of 2, 18:00–19:30" in placed["title"]


def test_bars_outside_the_shown_service_are_left_out_and_now_is_marked() -> None:
    shown = timeline(
        {"T1": [assignment("12:30", "14:00", "g1"), assignment("18:00", "19:00", "g2")]},
        service="dinner",
    )
    board = layout(shown)
    assert [b["group_id"] for b in board["zones"][0]["tables"][0]["bars"]] == ["g2"]
    assert board["now"] == 40.0  # 19:00 on 17:00–22:00
    assert board["context_version"] == 7


def test_a_merged_booking_has_one_tab_stop_on_its_first_table() -> None:
    both = ["T1", "T2"]
    shown = timeline(
        {
            "T1": [assignment("18:00", "19:00", "g1", tables=both)],
            "T2": [assignment("18:00", "19:00", "g1", tables=both)],
        }
    )
    tables = layout(shown)["zones"][0]["tables"]
    assert [t["bars"][0]["first"] for t in tables] == [True, False]
    assert tables[0]["bars"][0]["table_text"] == "T1+T2"


def test_holds_and_blocks_are_described_in_words() -> None:
    shown = timeline(
        {
            "T1": [
                bar("hold", "18:00", "19:00", "h1", booking_id="b", ref=None, party_size=3),
                bar("block", "20:00", "21:00", "k1", reason="broken leg"),
            ]
        }
    )
    held, blocked = layout(shown)["zones"][0]["tables"][0]["bars"]
    assert held["title"] == "booking, party of 3, 18:00–19:00, T1, held"
    assert blocked["title"] == "Blocked 20:00–21:00: broken leg"


def test_countdown_reads_minutes_and_seconds_and_never_goes_negative() -> None:
    assert countdown(179.6) == "2:59"
    assert countdown(5) == "0:05"
    assert countdown(-3) == "0:00"
