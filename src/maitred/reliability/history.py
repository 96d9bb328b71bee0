"""Histories in the style of Jepsen: one JSON line per event, `invoke` then `ok`, `fail` or `info`.

- `ok`: the operation took effect and the client was told so.
- `fail`: the operation definitely did not take effect (a definite refusal).
- `info`: the client cannot know (a timeout, a dropped connection, a 5xx): either is allowed.

Faults are recorded by the process `nemesis`. The checker reads nothing but these records and
the database, so a history file can be checked again long after the run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

Outcome = Literal["ok", "fail", "info"]
NEMESIS = "nemesis"


@dataclass
class Operation:
    """An invoked operation, waiting for its completion."""

    index: int
    process: int | str
    f: str
    value: dict[str, Any]
    started_ns: int


@dataclass
class History:
    """A thread-safe history, kept in memory and, when a path is given, written as JSON Lines."""

    path: Path | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _origin_ns: int = field(default_factory=time.monotonic_ns)
    _file: IO[str] | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _append(self, record: dict[str, Any]) -> None:
        with self._lock:
            record["index"] = len(self.records)
            self.records.append(record)
            if self._file is not None:
                self._file.write(json.dumps(record, default=str) + "\n")

    def invoke(self, process: int | str, f: str, value: dict[str, Any] | None = None) -> Operation:
        now = time.monotonic_ns()
        value = value or {}
        record: dict[str, Any] = {"type": "invoke", "process": process, "f": f, "value": value}
        record["time"] = now - self._origin_ns
        self._append(record)
        return Operation(int(record["index"]), process, f, value, now)

    def complete(self, op: Operation, outcome: Outcome, value: dict[str, Any]) -> None:
        now = time.monotonic_ns()
        self._append(
            {
                "type": outcome,
                "process": op.process,
                "f": op.f,
                "value": value,
                "time": now - self._origin_ns,
                "invoke_index": op.index,
                "latency_ms": round((now - op.started_ns) / 1e6, 3),
            }
        )

    def nemesis(self, f: str, value: dict[str, Any] | None = None) -> None:
        """A fault, recorded as an instantaneous `info` event of the nemesis."""
        self._append(
            {
                "type": "info",
                "process": NEMESIS,
                "f": f,
                "value": value or {},
                "time": time.monotonic_ns() - self._origin_ns,
            }
        )

    def completions(self, f: str | None = None) -> Iterator[dict[str, Any]]:
        """Every client completion (not invocations, not faults), optionally of one function."""
        for record in self.records:
            if record["type"] == "invoke" or record["process"] == NEMESIS:
                continue
            if f is None or record["f"] == f:
                yield record


def load(path: Path) -> History:
    """A history read back from its JSON Lines file."""
    history = History()
    with path.open(encoding="utf-8") as lines:
        history.records = [json.loads(line) for line in lines if line.strip()]
    return history
