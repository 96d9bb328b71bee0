"""Domain errors: one class per failure, each with a stable code.

The HTTP layer maps codes to statuses in one table; nothing here knows about HTTP or SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


def path_text(path: Sequence[str | int]) -> str:
    """A field path for people: `("zones", 0, "tables", 2)` -> `zones[0].tables[2]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class MaitredError(Exception):
    """Base of every error maitred reports to a caller."""

    code: ClassVar[str] = "INTERNAL"
    default_message: ClassVar[str] = "An internal error occurred."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = details
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        """The JSON error body of the error contract."""
        return {"error": self.message, "code": self.code, "details": self.details}


class InvalidRequest(MaitredError):
    """The request or file is malformed; details carry every field problem."""

    code = "INVALID_REQUEST"
    default_message = "The request is invalid."


class NotFound(MaitredError):
    """The thing does not exist, or belongs to another restaurant (the two look the same)."""

    code = "NOT_FOUND"
    default_message = "Not found."


class Conflict(MaitredError):
    """A uniqueness rule was broken (a label or reference already used)."""

    code = "CONFLICT"
    default_message = "That conflicts with something that already exists."


class TableConflict(MaitredError):
    """A table is already occupied in that window (a hold, an assignment or a block)."""

    code = "TABLE_CONFLICT"
    default_message = "A table is already taken for that time."


class OutsideServiceHours(MaitredError):
    """The start time falls in no service of the restaurant's policy."""

    code = "OUTSIDE_SERVICE_HOURS"
    default_message = "That time is outside every service."


class PartySizeOutOfRange(MaitredError):
    """The party size is outside what a table or the policy accepts."""

    code = "PARTY_SIZE_OUT_OF_RANGE"
    default_message = "The party size is out of range."


class PolicyInvalid(MaitredError):
    """A policy document failed validation; details list every problem with its field path."""

    code = "INVALID_REQUEST"
    default_message = "The policy is invalid."

    def __init__(self, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> None:
        self.locations = [loc for loc, _ in problems]
        super().__init__(
            problems=[{"path": path_text(loc), "message": message} for loc, message in problems]
        )


class DatabaseUnavailable(MaitredError):
    """The database cannot be reached right now; the call may be retried."""

    code = "DATABASE_UNAVAILABLE"
    default_message = "The database is unavailable; try again shortly."


class Forbidden(MaitredError):
    """The caller is authenticated but may not do this."""

    code = "FORBIDDEN"
    default_message = "You may not do that."


class Unauthenticated(MaitredError):
    """No valid credentials were given."""

    code = "UNAUTHENTICATED"
    default_message = "A valid API key is required."


class ZoneMismatch(MaitredError):
    """Tables of different zones were asked to work together."""

    code = "ZONE_MISMATCH"
    default_message = "Those tables are in different zones."
