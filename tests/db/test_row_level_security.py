"""Row-level security through the application role: one restaurant never sees another's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.types.json import Jsonb

from maitred.db.database import Database
from maitred.domain.api_keys import Role
from maitred.services.api_keys import authenticate, create_key
from support.rows import allocate, at, public_tables, table_id


def populate(db: Database, rid: UUID) -> str:
    """Rows in every tenant table for one restaurant; returns its API key."""
    with db.tenant(rid) as conn:
        allocate(conn, rid, table_id(conn, rid, "T1"), "hold", at(0), at(60))
        allocate(conn, rid, table_id(conn, rid, "T2"), "assignment", at(0), at(60))
        allocate(conn, rid, table_id(conn, rid, "T3"), "block", at(0), at(60))
        conn.execute(
            "INSERT INTO hold_log (restaurant_id, actor, booking_id) VALUES (%s, 'test', %s)",
            [rid, rid],
        )
        conn.execute(
            "INSERT INTO idempotency_keys (restaurant_id, idempotency_key, request_fingerprint,"
            " outcome, response_body) VALUES (%s, 'k1', 'f', 'ok', '{}')",
            [rid],
        )
        event = conn.execute(
            "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type, dedupe_key,"
            " payload) VALUES (%s, %s, 'test.event', 'd1', '{}') RETURNING event_id",
            [rid, rid],
        ).fetchone()
        subscription = conn.execute(
            "INSERT INTO webhook_subscriptions (restaurant_id, url, secret)"
            " VALUES (%s, 'https://example.invalid/hook', 'whsec_0123456789abcdef')"
            " RETURNING subscription_id",
            [rid],
        ).fetchone()
        assert event is not None
        assert subscription is not None
        conn.execute(
            "INSERT INTO webhook_attempts (restaurant_id, event_id, subscription_id, succeeded)"
            " VALUES (%s, %s, %s, true)",
            [rid, event["event_id"], subscription["subscription_id"]],
        )
        conn.execute(
            "INSERT INTO allocations_archive (restaurant_id, allocation_id, table_id, kind,"
            " time_window, group_id, created_at, service_date)"
            " SELECT restaurant_id, gen_random_uuid(), table_id, kind, time_window, group_id,"
            " created_at, service_date FROM allocations WHERE kind = 'block'",
        )
    return create_key(db, rid, Role.OWNER, "test").plaintext


@pytest.fixture
def two_restaurants(
    db: Database, make_restaurant: Callable[[str], UUID]
) -> tuple[UUID, UUID, str, str]:
    a, b = make_restaurant("A"), make_restaurant("B")
    return a, b, populate(db, a), populate(db, b)


def app_transaction(test_db: Any, tenant: UUID | None) -> psycopg.Connection[Any]:
    conn = psycopg.connect(test_db.app_conninfo)
    if tenant is not None:
        conn.execute("SELECT set_config('app.restaurant_id', %s, true)", [str(tenant)])
    return conn


def owner_count(test_db: Any, table: str, rid: UUID) -> int:
    with test_db.owner() as conn:
        (n,) = conn.execute(
            f"SELECT count(*) FROM {table} WHERE restaurant_id = %s", [rid]
        ).fetchone()
    return int(n)


def test_every_table_has_rows_for_both_restaurants(test_db: Any, two_restaurants: Any) -> None:
    a, b, _, _ = two_restaurants
    with test_db.owner() as conn:
        tables = public_tables(conn)
    for table in tables:
        assert owner_count(test_db, table, a) > 0, table
        assert owner_count(test_db, table, b) > 0, table


def test_another_restaurants_rows_are_invisible_and_untouchable(
    test_db: Any, two_restaurants: Any
) -> None:
    a, b, _, _ = two_restaurants
    with test_db.owner() as conn:
        tables = public_tables(conn)
    before = {t: owner_count(test_db, t, b) for t in tables}
    for table in tables:
        with app_transaction(test_db, a) as conn:
            (mine,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert mine == owner_count(test_db, table, a), table
            (theirs,) = conn.execute(
                f"SELECT count(*) FROM {table} WHERE restaurant_id = %s", [b]
            ).fetchone()
            assert theirs == 0, table
            updated = conn.execute(
                f"UPDATE {table} SET restaurant_id = restaurant_id WHERE restaurant_id = %s", [b]
            ).rowcount
            deleted = conn.execute(f"DELETE FROM {table} WHERE restaurant_id = %s", [b]).rowcount
            assert (updated, deleted) == (0, 0), table
    assert {t: owner_count(test_db, t, b) for t in tables} == before


def test_an_insert_carrying_another_restaurants_id_is_refused(
    test_db: Any, two_restaurants: Any
) -> None:
    a, b, _, _ = two_restaurants
    with test_db.owner() as conn:
        tables = public_tables(conn)
        samples = {
            t: conn.execute(
                f"SELECT to_jsonb(x) FROM {t} x WHERE restaurant_id = %s LIMIT 1", [a]
            ).fetchone()[0]
            for t in tables
        }
    for table, row in samples.items():
        forged = {**row, "restaurant_id": str(b)}
        with (
            app_transaction(test_db, a) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        ):
            conn.execute(
                f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, %s)).*",
                [Jsonb(forged)],
            )


def test_moving_a_row_to_another_restaurant_is_refused(test_db: Any, two_restaurants: Any) -> None:
    a, b, _, _ = two_restaurants
    with app_transaction(test_db, a) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE bookings SET restaurant_id = %s", [b])


def test_with_no_tenant_set_no_rows_at_all(test_db: Any, two_restaurants: Any) -> None:
    with test_db.owner() as conn:
        tables = public_tables(conn)
    with app_transaction(test_db, None) as conn:
        for table in tables:
            (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert n == 0, table


def test_the_tenant_setting_never_survives_its_transaction(
    db: Database, two_restaurants: Any
) -> None:
    a, _b, _, _ = two_restaurants
    for _ in range(3):  # the pool hands back the same connections
        with db.tenant(a) as conn:
            assert conn.execute("SELECT count(*) AS n FROM restaurants").fetchone() == {"n": 1}
        with db.transaction() as conn:
            row = conn.execute(
                "SELECT coalesce(current_setting('app.restaurant_id', true), '') AS tenant,"
                " (SELECT count(*) FROM bookings) AS bookings"
            ).fetchone()
            assert row == {"tenant": "", "bookings": 0}


def test_a_key_lookup_sees_only_the_key_it_names(
    db: Database, test_db: Any, two_restaurants: Any
) -> None:
    a, b, key_a, key_b = two_restaurants
    assert authenticate(db, key_a).restaurant_id == a
    assert authenticate(db, key_b).restaurant_id == b
    with app_transaction(test_db, None) as conn:
        conn.execute("SELECT set_config('app.api_key_hash', 'not-a-real-hash', true)")
        assert conn.execute("SELECT count(*) FROM api_keys").fetchone() == (0,)
    with app_transaction(test_db, None) as conn:
        from maitred.domain.api_keys import hash_key

        conn.execute("SELECT set_config('app.api_key_hash', %s, true)", [hash_key(key_a)])
        rows = conn.execute("SELECT restaurant_id FROM api_keys").fetchall()
        assert rows == [(a,)]
