"""A restaurant's policy: services, turn times, buffers, merge rules, hold lengths.

A stored policy document holds only what the restaurant set; the effective policy is the
global defaults (from settings) overlaid with that document, validated as a whole.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from maitred.domain.errors import PolicyInvalid

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

MAX_TABLES_PER_COMBINATION = 6


class AdjacencyMode(StrEnum):
    """How the tables of a combination must touch each other."""

    CONNECTED = "connected"  # the induced adjacency subgraph is connected
    PAIRWISE = "pairwise"  # every pair is adjacent (a clique)
    NEIGHBORS = "neighbors"  # one hub table is adjacent to every other


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TurnTime(_Frozen):
    """Parties up to `max_party` occupy their table for `minutes` (before the buffer)."""

    max_party: int = Field(ge=1)
    minutes: int = Field(ge=5, le=24 * 60)


def _check_turn_bands(bands: tuple[TurnTime, ...]) -> tuple[TurnTime, ...]:
    limits = [band.max_party for band in bands]
    if limits != sorted(set(limits)):
        raise ValueError("turn time bands must have strictly increasing max_party")
    return bands


class Service(_Frozen):
    """A service period (lunch, dinner) on some weekdays.

    `end` earlier than or equal to `start` means the service runs past midnight.
    """

    name: str = Field(min_length=1, max_length=60)
    start: time
    end: time
    days: tuple[Weekday, ...] = WEEKDAYS
    allow_overrun: bool = False
    turn_times: tuple[TurnTime, ...] | None = None

    @field_validator("turn_times")
    @classmethod
    def _bands(cls, bands: tuple[TurnTime, ...] | None) -> tuple[TurnTime, ...] | None:
        return None if bands is None else _check_turn_bands(bands)

    @field_validator("days")
    @classmethod
    def _days(cls, days: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        if not days:
            raise ValueError("a service needs at least one day")
        if len(set(days)) != len(days):
            raise ValueError("days must not repeat")
        return days

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


class Pacing(_Frozen):
    """At most `max_covers` guests may start in any one slot of `slot_minutes`."""

    max_covers: int = Field(ge=1)
    slot_minutes: int = Field(default=15, ge=5, le=120)


class HoldRateLimit(_Frozen):
    """Holds an actor may take for one booking in a sliding window, and live at once."""

    per_booking: int = Field(default=5, ge=1)
    window_seconds: int = Field(default=60, ge=1)
    max_live_holds: int = Field(default=20, ge=1)


class Policy(_Frozen):
    """The effective policy of one restaurant."""

    services: tuple[Service, ...] = ()
    turn_times: tuple[TurnTime, ...] = (
        TurnTime(max_party=2, minutes=90),
        TurnTime(max_party=4, minutes=105),
        TurnTime(max_party=99, minutes=120),
    )
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    max_tables_per_combination: int = Field(default=3, ge=1, le=MAX_TABLES_PER_COMBINATION)
    adjacency_mode: AdjacencyMode = AdjacencyMode.CONNECTED
    slack_budget: int = Field(default=4, ge=0)
    hold_ttl_seconds: int = Field(default=180, ge=1)
    hold_ttl_min_seconds: int = Field(default=60, ge=1)
    hold_ttl_max_seconds: int = Field(default=900, ge=1)
    hold_rate_limit: HoldRateLimit = HoldRateLimit()
    pacing: Pacing | None = None

    @field_validator("turn_times")
    @classmethod
    def _bands(cls, bands: tuple[TurnTime, ...]) -> tuple[TurnTime, ...]:
        if not bands:
            raise ValueError("at least one turn time band is required")
        return _check_turn_bands(bands)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not (self.hold_ttl_min_seconds <= self.hold_ttl_seconds <= self.hold_ttl_max_seconds):
            raise ValueError("hold TTLs must satisfy min <= default <= max")
        names = [service.name for service in self.services]
        if len(set(names)) != len(names):
            raise ValueError("service names must be unique")
        return self

    def service_named(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def turn_minutes(self, party_size: int, service: Service | None = None) -> int:
        """Minutes a party occupies its table, by the service's bands if it has its own.

        A party larger than every band takes the last band's time.
        """
        bands = service.turn_times if service and service.turn_times else self.turn_times
        for band in bands:
            if party_size <= band.max_party:
                return band.minutes
        return bands[-1].minutes


def effective_policy(defaults: dict[str, Any], document: dict[str, Any]) -> Policy:
    """Overlay a restaurant's policy document on the global defaults and validate the whole.

    Raises PolicyInvalid listing every problem (with its field path).
    """
    try:
        return Policy.model_validate({**defaults, **document})
    except ValidationError as exc:
        raise PolicyInvalid([(tuple(err["loc"]), err["msg"]) for err in exc.errors()]) from exc
