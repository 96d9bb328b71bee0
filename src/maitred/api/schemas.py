"""Request and response bodies. Requests forbid unknown fields: a server-owned field in a
request (id, status outside a transition, expires_at, timestamps) is a 400, never ignored."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from maitred.domain.api_keys import Role


def _bookable_date(value: dt.date) -> dt.date:
    if not dt.date(2000, 1, 1) <= value <= dt.date(2199, 12, 31):
        raise ValueError("must be between 2000-01-01 and 2199-12-31")
    return value


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("is a local time of the restaurant: give it without an offset")
    return value


LocalDate = Annotated[
    dt.date,
    AfterValidator(_bookable_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            # The years _bookable_date accepts, so that the schema refuses what the server does.
            "pattern": r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
            "examples": ["2026-11-27"],
            "description": "A local date between 2000-01-01 and 2199-12-31.",
        }
    ),
]
LocalTime = Annotated[
    dt.time,
    AfterValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "examples": ["19:30"],
            "description": "Local wall-clock time of the restaurant, without an offset.",
        }
    ),
]


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL: refused here as a field error, not a 500 later.
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


class Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    error: str
    code: str
    details: dict[str, Any]


# --- bookings ---------------------------------------------------------------------------


class BookingCreate(Request):
    party_size: int = Field(ge=1, le=500)
    date: LocalDate
    time: LocalTime
    ref: str | None = Field(default=None, min_length=1, max_length=80)
    guest_name: str | None = Field(default=None, max_length=120)
    status: Literal["pending", "confirmed", "seated"] = "pending"
    duration_minutes: int | None = Field(default=None, ge=5, le=24 * 60)


class BookingChange(Request):
    party_size: int | None = Field(default=None, ge=1, le=500)
    date: LocalDate | None = None
    time: LocalTime | None = None

    @model_validator(mode="after")
    def _something(self) -> BookingChange:
        if self.party_size is None and self.date is None and self.time is None:
            raise ValueError("give party_size, date or time")
        return self


class TableRef(Response):
    id: str
    label: str


class Booking(Response):
    id: str
    ref: str | None
    party_size: int
    status: str
    date: str
    time: str
    service: str
    service_date: str
    start: str
    end: str
    pinned: bool
    guest_name: str | None
    tables: list[TableRef]


# --- holds, quotes, confirm ---------------------------------------------------------------


class QuoteBody(Request):
    zone_preference: UUID | None = None
    avoid_table_ids: list[UUID] = Field(default_factory=list, max_length=200)
    ttl_seconds: int | None = Field(default=None, ge=1, le=86400)


class HoldBody(Request):
    table_ids: list[UUID] = Field(min_length=1, max_length=12)
    ttl_seconds: int | None = Field(default=None, ge=1, le=86400)
    context_version: int | None = Field(default=None, ge=0)


class ExtendBody(Request):
    seconds: int | None = Field(default=None, ge=1, le=86400)


class ConfirmBody(Request):
    context_version: int | None = Field(default=None, ge=0)
    booking_id: UUID | None = None


class Hold(Response):
    id: str
    booking_id: str
    tables: list[TableRef]
    start: str
    end: str
    expires_at: str
    ttl_seconds: int
    extended: bool


class Score(Response):
    empty_seats: int
    tables: int
    unseatable_bookings: int
    scarcity: float
    zone_preference_missed: bool
    priority: int


class Plan(Response):
    tables: list[str]
    table_ids: list[str]
    empty_seats: int
    score: Score
    explanation: str


class Quote(Response):
    hold: Hold | None
    plans: list[Plan]
    alternative_times: list[str]
    reason: str | None
    message: str | None
    races_lost: int


class Confirmation(Response):
    hold_id: str
    booking: Booking
    tables: list[TableRef]


# --- manual assignment and ops --------------------------------------------------------------


class TableIds(Request):
    table_ids: list[UUID] = Field(min_length=1, max_length=12)


class AssignBody(Request):
    table_ids: list[UUID] = Field(min_length=1, max_length=12)
    override_reason: str | None = Field(default=None, min_length=3, max_length=500)
    context_version: int | None = Field(default=None, ge=0)


class Check(Response):
    code: str
    message: str
    details: dict[str, Any]


class Validation(Response):
    ok: bool
    checks: list[Check]


class Busy(Response):
    kind: str
    start: str
    end: str


class ContextTable(Response):
    id: str
    label: str
    zone: str
    capacity: int
    min_party: int
    max_party: int
    mergeable: bool
    active: bool
    state: Literal["free", "held", "assigned", "blocked", "own", "inactive"]
    busy: list[Busy]


class ZoneRef(Response):
    id: str
    name: str


class Context(Response):
    booking: Booking
    context_version: int
    venue_version: int
    tables: list[ContextTable]
    holds: list[Hold]
    adjacency: list[list[str]]
    zones: list[ZoneRef]


# --- API keys -----------------------------------------------------------------------------


class KeyCreate(Request):
    role: Role
    name: str | None = Field(default=None, max_length=120)


class ApiKey(Response):
    id: str
    prefix: str
    role: str
    name: str | None
    created_at: str
    revoked_at: str | None


class CreatedKey(ApiKey):
    key: str = Field(description="The key itself. It is shown this once and never again.")


# --- venue setup ---------------------------------------------------------------------------


class ZoneCreate(Request):
    name: str = Field(min_length=1, max_length=60)
    position: int | None = Field(default=None, ge=0, le=10_000)


class ZoneUpdate(Request):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    position: int | None = Field(default=None, ge=0, le=10_000)


class Zone(Response):
    id: str
    name: str
    position: int
    tables: int


class TableCreate(Request):
    label: str = Field(min_length=1, max_length=40)
    zone_id: UUID
    capacity: int = Field(ge=1, le=100)
    min_party: int = Field(default=1, ge=1, le=100)
    max_party: int | None = Field(default=None, ge=1, le=100)
    mergeable: bool = True
    active: bool = True
    priority: int = Field(default=0, ge=-1000, le=1000)
    position: int | None = Field(default=None, ge=0, le=10_000)


class TableUpdate(Request):
    label: str | None = Field(default=None, min_length=1, max_length=40)
    zone_id: UUID | None = None
    capacity: int | None = Field(default=None, ge=1, le=100)
    min_party: int | None = Field(default=None, ge=1, le=100)
    max_party: int | None = Field(default=None, ge=1, le=100)
    mergeable: bool | None = None
    active: bool | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    position: int | None = Field(default=None, ge=0, le=10_000)


class Edge(Response):
    table_a: str
    table_b: str
    labels: list[str]
    zone_id: str


class DiningTable(Response):
    id: str
    label: str
    zone_id: str
    zone: str
    capacity: int
    min_party: int
    max_party: int | None
    mergeable: bool
    active: bool
    priority: int
    position: int


class ChangedTable(DiningTable):
    removed_edges: list[Edge] = Field(default_factory=list)


class EdgeBody(Request):
    table_a: UUID
    table_b: UUID


class PolicyOut(Response):
    version: int | None
    document: dict[str, Any]
    effective: dict[str, Any]


class PolicyVersion(Response):
    version: int
    created_at: str


# --- service day, blocks, availability -----------------------------------------------------


class AutoAssignBody(Request):
    strategy: Literal["greedy", "optimal"] = "greedy"
    time_limit_seconds: float | None = Field(default=None, gt=0, le=600)
    dry_run: bool = False
    reoptimise: bool = Field(
        default=False,
        description="Optimal only: also move bookings that have tables (not pinned, not seated),"
        " as few as possible.",
    )
    what_if_tolerance_minutes: int | None = Field(
        default=None,
        gt=0,
        le=120,
        multiple_of=15,
        description="Also report how many more covers pending bookings would seat if they could"
        " start this many minutes earlier or later (a what-if: nothing is written for it).",
    )


class PlannedAssignment(Response):
    ref: str | None
    booking_id: str
    party_size: int
    tables: list[str]
    table_ids: list[str]
    start: str
    end: str


class UnseatedBooking(Response):
    booking_id: str
    ref: str | None
    party_size: int
    reason: str


class DayMetrics(Response):
    bookings: int
    seated_bookings: int
    covers: int
    seated_covers: int
    seat_utilisation: float


class AutoAssignReport(Response):
    strategy: str
    reoptimise: bool = False
    dry_run: bool
    time_limit_seconds: float | None = None
    run_id: str | None = Field(default=None, description="Null for a dry run.")
    assignments: list[PlannedAssignment]
    unseated: list[UnseatedBooking]
    held: list[dict[str, Any]] = Field(
        default_factory=list, description="Bookings left alone because they have a live hold."
    )
    metrics: DayMetrics
    moves: int = Field(description="Bookings moved away from the tables they had.")
    written: int
    optimiser: dict[str, Any] | None = Field(
        default=None, description="How the optimiser got there (bound, status, times)."
    )
    fallback: str | None = Field(
        default=None, description="`greedy` when the optimiser's plan was not better."
    )
    flexible_times: dict[str, Any] | None = Field(
        default=None, description="The what-if: how many more covers shifted starts would seat."
    )


class TimelineTable(Response):
    id: str
    label: str
    capacity: int
    bars: list[dict[str, Any]]


class TimelineZone(Response):
    id: str
    name: str
    tables: list[TimelineTable]


class Timeline(Response):
    date: str
    services: list[dict[str, Any]]
    zones: list[TimelineZone]
    unassigned: list[dict[str, Any]]
    context_version: int
    server_time: str


class BlockCreate(Request):
    table_ids: list[UUID] = Field(min_length=1, max_length=50)
    date: LocalDate
    start: LocalTime
    end: LocalTime
    reason: str | None = Field(default=None, max_length=200)


class Block(Response):
    id: str
    tables: list[TableRef]
    start: str
    end: str
    service_date: str
    reason: str | None


class ServiceTimes(Response):
    name: str
    start: str
    end: str
    times: list[str]


class Availability(Response):
    date: str
    party_size: int
    times: list[str]
    services: list[ServiceTimes]


# --- webhooks and events --------------------------------------------------------------------


class WebhookCreate(Request):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    event_types: list[str] = Field(
        default_factory=list, max_length=50, description="Empty: every event type."
    )
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class Webhook(Response):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: str


class CreatedWebhook(Webhook):
    secret: str = Field(description="The signing secret. It is shown this once.")


class OutboxEvent(Response):
    id: str
    type: str
    aggregate_id: str
    status: str
    attempts: int
    failed_attempts: int
    last_error: str | None
    created_at: str
    next_attempt_at: str
    delivered_at: str | None
