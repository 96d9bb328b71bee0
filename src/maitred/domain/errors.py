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


class IdempotencyKeyMissing(MaitredError):
    """A confirm came without its Idempotency-Key."""

    code = "IDEMPOTENCY_KEY_MISSING"
    default_message = "An Idempotency-Key header is required."


class IdempotencyKeyReused(MaitredError):
    """The key was used before with a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "This Idempotency-Key was already used with a different request."


class IdempotencyKeyInUse(MaitredError):
    """A request with this key is still being processed."""

    code = "IDEMPOTENCY_KEY_IN_USE"
    default_message = "A request with this Idempotency-Key is still in progress."


class HoldNotFound(MaitredError):
    """No live hold has this id (never existed, released, swept or already confirmed)."""

    code = "HOLD_NOT_FOUND"
    default_message = "No such hold."


class HoldExpired(MaitredError):
    """The hold's time ran out before it was confirmed."""

    code = "HOLD_EXPIRED"
    default_message = "The hold has expired."


class HoldAlreadyExtended(MaitredError):
    """A hold may be extended once."""

    code = "HOLD_ALREADY_EXTENDED"
    default_message = "This hold was already extended once."


class HoldBookingMismatch(MaitredError):
    """The hold belongs to another booking than the one named."""

    code = "HOLD_BOOKING_MISMATCH"
    default_message = "The hold belongs to another booking."


class PolicyDrift(MaitredError):
    """What the hold was decided on (policy, tables, edges, party, window) has changed."""

    code = "POLICY_DRIFT"
    default_message = "What this hold was decided on has changed; plan it again."


class StaleContext(MaitredError):
    """The floor changed since the caller read its assignment context."""

    code = "STALE_CONTEXT"
    default_message = "The floor changed since you looked; refresh and try again."


class BookingNotAssignable(MaitredError):
    """The booking is in a state, or at a time, where it cannot get tables."""

    code = "BOOKING_NOT_ASSIGNABLE"
    default_message = "This booking cannot be given tables."


class RateLimited(MaitredError):
    """Too many holds; `details.retry_after_seconds` says when to try again."""

    code = "RATE_LIMITED"
    default_message = "Too many holds; try again later."


class CapacityInsufficient(MaitredError):
    code = "CAPACITY_INSUFFICIENT"
    default_message = "Those tables do not seat the party."


class SlackBudgetExceeded(MaitredError):
    code = "SLACK_BUDGET_EXCEEDED"
    default_message = "Those tables leave too many seats empty."


class AdjacencyRequired(MaitredError):
    code = "ADJACENCY_REQUIRED"
    default_message = "Those tables are not adjacent as the policy requires."


class TooManyTables(MaitredError):
    code = "TOO_MANY_TABLES"
    default_message = "That is more tables than the policy allows in one combination."


class TableInactive(MaitredError):
    code = "TABLE_INACTIVE"
    default_message = "A table is out of service."


class NotMergeable(MaitredError):
    code = "NOT_MERGEABLE"
    default_message = "A table cannot be pushed together with others."


class TransientConflict(TableConflict):
    """A deadlock or serialization failure: the same request may succeed when retried."""

    default_message = "The tables changed while this was being decided; try again."


def error_class(code: str) -> type[MaitredError]:
    """An error class with this stable code and the plain constructor (message, **details), to
    raise a stored error again with an identical body."""
    pending: list[type[MaitredError]] = [MaitredError]
    while pending:
        cls = pending.pop(0)
        if cls.code == code and cls.__init__ is MaitredError.__init__:
            return cls
        pending.extend(cls.__subclasses__())
    return MaitredError


class BookingStateInvalid(MaitredError):
    """The booking's status does not allow this (a completed booking cannot be cancelled)."""

    code = "BOOKING_STATE_INVALID"
    default_message = "The booking's status does not allow that."


class ZoneNotEmpty(MaitredError):
    """A zone that still has tables cannot be deleted; move or delete its tables first."""

    code = "ZONE_NOT_EMPTY"
    default_message = "The zone still has tables; move or delete them first."


class TableInUse(MaitredError):
    """A table with holds, assignments or blocks cannot be deleted; deactivate it instead."""

    code = "TABLE_IN_USE"
    default_message = "The table has holds, assignments or blocks; deactivate it instead."
