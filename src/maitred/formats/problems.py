"""Problems found in an imported file, each with its location and a stable code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from maitred.domain.errors import InvalidRequest


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a file: where (`line 12`, `zones[0].tables[2].capacity`), what."""

    location: str
    code: str
    message: str


class FileInvalid(InvalidRequest):
    """A file failed validation; `problems` lists every problem found, not only the first."""

    default_message = "The file is invalid."

    def __init__(self, problems: Iterable[Problem], message: str | None = None) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            message or f"The file has {count} problem{'s' if count != 1 else ''}.",
            problems=[asdict(problem) for problem in self.problems],
        )
