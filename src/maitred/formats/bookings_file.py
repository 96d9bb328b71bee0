"""The bookings file (DESIGN §8): CSV with a header, or JSON Lines with the same fields.

`ref,date,time,party_size,status,duration_minutes,pinned_tables` — date and time local to the
restaurant; the last three optional (`pinned_tables` joined by `+`, e.g. `T1+T2`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from maitred.domain.booking import ACTIVE_STATUSES, Booking, BookingStatus
from maitred.domain.errors import MaitredError
from maitred.domain.policy import Policy
from maitred.domain.window import BookingWindow, booking_window
from maitred.formats.floorplan import FloorPlan
from maitred.formats.problems import FileInvalid, Problem

FIELDS = ("ref", "date", "time", "party_size", "status", "duration_minutes", "pinned_tables")
MIN_DURATION, MAX_DURATION = 5, 24 * 60  # minutes, as the API accepts
REQUIRED = ("ref", "date", "time", "party_size")
DEFAULT_STATUS = BookingStatus.CONFIRMED


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """One validated line of a bookings file, with its computed window."""

    line: int
    ref: str
    local_date: date
    local_time: time
    party_size: int
    status: BookingStatus
    duration_minutes: int | None
    pinned_tables: tuple[str, ...]
    window: BookingWindow


def _rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line, fields) per record; fields None where a JSON line does not parse as an object."""
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    value = None
                yield number, value if isinstance(value, dict) else None
        return
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, {k.strip(): v for k, v in row.items() if k is not None}


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return "" if value is None else str(value).strip()


class _RowChecker:
    """Validates one record, collecting every problem rather than stopping at the first."""

    def __init__(self, line: int, fields: dict[str, Any]) -> None:
        self.line = line
        self.fields = fields
        self.problems: list[Problem] = []

    def problem(self, name: str, code: str, message: str) -> None:
        self.problems.append(Problem(f"line {self.line}, {name}", code, message))

    def parsed(self, name: str, code: str, parse: Any, what: str) -> Any:
        raw = _text(self.fields, name)
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError:
            self.problem(name, code, f"{raw!r} is not {what}")
            return None

    def required(self) -> None:
        for name in REQUIRED:
            if not _text(self.fields, name):
                self.problem(name, "MISSING_FIELD", f"{name} is required")
        unknown = sorted(set(self.fields) - set(FIELDS))
        for name in unknown:
            self.problem(name, "UNKNOWN_FIELD", f"unknown field {name!r}")


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


def _duration(raw: str) -> int:
    """Minutes, as the API accepts them: 5 to a day (a window never lasts longer, which is
    what lets a day's reads bracket rows by service date)."""
    value = int(raw)
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise ValueError(raw)
    return value


def _check_row(
    line: int, fields: dict[str, Any], policy: Policy, timezone: str, labels: set[str]
) -> tuple[BookingRecord | None, list[Problem]]:
    check = _RowChecker(line, fields)
    check.required()
    day = check.parsed("date", "INVALID_DATE", date.fromisoformat, "a date (YYYY-MM-DD)")
    at = check.parsed("time", "INVALID_TIME", time.fromisoformat, "a time (HH:MM)")
    party = check.parsed("party_size", "INVALID_PARTY_SIZE", _positive, "a positive number")
    duration = check.parsed(
        "duration_minutes",
        "INVALID_DURATION",
        _duration,
        f"a number of minutes from {MIN_DURATION} to {MAX_DURATION}",
    )
    status = check.parsed("status", "INVALID_STATUS", BookingStatus, "a booking status")
    pinned = tuple(p.strip() for p in _text(fields, "pinned_tables").split("+") if p.strip())
    for label in pinned:
        if label not in labels:
            check.problem("pinned_tables", "UNKNOWN_TABLE", f"no table labelled {label!r}")
    if len(set(pinned)) != len(pinned):
        check.problem("pinned_tables", "DUPLICATE_TABLE", "a table is named twice")
    window = None
    if day is not None and at is not None and party is not None:
        try:
            window = booking_window(policy, timezone, day, at, party, duration)
        except MaitredError as exc:
            check.problem("time", exc.code, exc.message)
    if check.problems or window is None:
        return None, check.problems
    record = BookingRecord(
        line,
        _text(fields, "ref"),
        day,
        at,
        party,
        status or DEFAULT_STATUS,
        duration,
        pinned,
        window,
    )
    return record, []


def _overlap_problems(records: list[BookingRecord]) -> list[Problem]:
    """Two active bookings pinned to one table at overlapping times cannot both be written."""
    problems: list[Problem] = []
    by_table: dict[str, list[BookingRecord]] = {}
    for record in records:
        if record.status in ACTIVE_STATUSES:
            for label in record.pinned_tables:
                by_table.setdefault(label, []).append(record)
    for label, pinned in sorted(by_table.items()):
        pinned.sort(key=lambda r: r.window.window.start)
        for earlier, later in itertools.pairwise(pinned):
            if earlier.window.window.overlaps(later.window.window):
                message = f"{label} is pinned to {earlier.ref} (line {earlier.line}) at that time"
                problems.append(
                    Problem(f"line {later.line}, pinned_tables", "TABLE_CONFLICT", message)
                )
    return problems


def parse_bookings(
    text: str, fmt: str, policy: Policy, timezone: str, table_labels: set[str]
) -> list[BookingRecord]:
    """Validate a whole bookings file; raise FileInvalid listing every problem with its line."""
    records: list[BookingRecord] = []
    problems: list[Problem] = []
    refs: dict[str, int] = {}
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(text)), [])
        missing = [name for name in REQUIRED if name not in [h.strip() for h in header]]
        if missing:
            message = f"the header lacks {', '.join(missing)}"
            raise FileInvalid([Problem("line 1", "MISSING_FIELD", message)])
    for line, fields in _rows(text, fmt):
        if fields is None:
            problems.append(Problem(f"line {line}", "SYNTAX_ERROR", "not a JSON object"))
            continue
        record, row_problems = _check_row(line, fields, policy, timezone, table_labels)
        problems += row_problems
        ref = _text(fields, "ref")
        if ref and ref in refs:
            message = f"reference {ref!r} already used on line {refs[ref]}"
            problems.append(Problem(f"line {line}, ref", "DUPLICATE_REF", message))
        refs.setdefault(ref, line)
        if record is not None:
            records.append(record)
    problems += _overlap_problems(records)
    if problems:
        raise FileInvalid(sorted(problems, key=lambda p: (_line_of(p), p.location)))
    return records


def _line_of(problem: Problem) -> int:
    return int(problem.location.split(",")[0].removeprefix("line "))


def file_format(path: Path) -> str:
    """`jsonl` for .jsonl/.ndjson/.json files, otherwise `csv`."""
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def booking_from_record(record: BookingRecord) -> Booking:
    """The offline booking for a record: its id is its ref, pinned tables are its tables."""
    return Booking(
        id=record.ref,
        party_size=record.party_size,
        window=record.window.window,
        service=record.window.service,
        service_date=record.window.service_date,
        status=record.status,
        ref=record.ref,
        pinned=bool(record.pinned_tables),
        tables=record.pinned_tables,
    )


def load_bookings(path: Path, floor: FloorPlan) -> list[Booking]:
    """Read and validate a bookings file against a floor plan, for offline planning."""
    labels = {table.label for table in floor.venue.tables}
    text = path.read_text(encoding="utf-8")
    records = parse_bookings(text, file_format(path), floor.policy, floor.timezone, labels)
    return [booking_from_record(record) for record in records]
