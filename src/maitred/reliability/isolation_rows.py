"""The rows an isolation run seeds, and what each restaurant owns as the owner sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import time as clock
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from maitred.db.database import Database
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.reliability.stage import Restaurant, Stage
from maitred.services.bookings import create_booking
from maitred.services.confirm import confirm_hold
from maitred.services.holds import quote_and_hold
from maitred.services.webhooks import create_subscription

SEED_DAY = date(2027, 4, 2)
SEED_ACTOR = Actor("key:seed", Role.HOST)
READ_TABLES = ("bookings", "allocations", "dining_tables")
OwnerConnection = psycopg.Connection[tuple[Any, ...]]
Counts = dict[tuple[str, str], int]  # (table, restaurant id) -> rows


@dataclass(frozen=True)
class Tenant:
    """What one restaurant owns, as the owner saw it after seeding."""

    number: int
    restaurant: Restaurant
    bookings: frozenset[str]
    tables: frozenset[str]

    @property
    def id(self) -> str:
        return str(self.restaurant.id)

    @property
    def prefix(self) -> str:
        return f"R{self.number}-"


def seed(
    db: Database, restaurant: Restaurant, number: int, bookings: int, defaults: dict[str, Any]
) -> None:
    """Rows in every tenant table: bookings (refs prefixed by the restaurant), holds and
    confirmed assignments through the services, a webhook with an attempt, an archived row."""
    rid = restaurant.id
    for i in range(bookings):
        at = clock(17 + i // 2, 30 * (i % 2))
        ref = f"R{number}-{i + 1:03d}"
        view = create_booking(
            db, rid, defaults, party_size=2 + i % 3, local_date=SEED_DAY, local_time=at, ref=ref
        )
        quoted = quote_and_hold(db, rid, UUID(view["id"]), SEED_ACTOR, defaults)
        if quoted["hold"] is not None and i % 3 != 2:
            hold_id = UUID(quoted["hold"]["id"])
            confirm_hold(db, rid, hold_id, f"seed-{i}", SEED_ACTOR, defaults)
    subscription = create_subscription(db, rid, "https://example.invalid/hook", ["hold.created"])
    with db.tenant(rid) as conn:
        conn.execute(
            "INSERT INTO webhook_attempts (restaurant_id, event_id, subscription_id, succeeded)"
            " SELECT %s, event_id, %s, true FROM capacity_outbox LIMIT 1",
            [rid, subscription["id"]],
        )
        conn.execute(
            "INSERT INTO allocations_archive (restaurant_id, allocation_id, table_id, kind,"
            " time_window, group_id, created_at, service_date)"
            " SELECT restaurant_id, gen_random_uuid(), table_id, kind, time_window, group_id,"
            " created_at, service_date FROM allocations WHERE kind = 'assignment' LIMIT 1"
        )


def tenants(owner: OwnerConnection, stage: Stage) -> list[Tenant]:
    def owned(query: str, restaurant: Restaurant) -> frozenset[str]:
        return frozenset(v for (v,) in owner.execute(query, [restaurant.id]).fetchall())

    bookings = "SELECT booking_id::text FROM bookings WHERE restaurant_id = %s"
    tables = "SELECT table_id::text FROM dining_tables WHERE restaurant_id = %s"
    return [
        Tenant(number, restaurant, owned(bookings, restaurant), owned(tables, restaurant))
        for number, restaurant in enumerate(stage.restaurants, start=1)
    ]


def owner_counts(owner: OwnerConnection, tables: list[str]) -> Counts:
    counts: Counts = {}
    for table in tables:
        query = sql.SQL("SELECT restaurant_id::text, count(*) FROM {} GROUP BY 1")
        for rid, n in owner.execute(query.format(sql.Identifier(table))).fetchall():
            counts[(table, rid)] = int(n)
    return counts
