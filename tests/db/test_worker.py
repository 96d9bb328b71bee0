"""The worker's jobs on a real database: sweeper, relay and webhooks, archival, retention."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from maitred.db.database import Database
from maitred.db.repositories import worker as rows
from maitred.db.target import DatabaseTarget
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.jobs.archiver import archive_allocations
from maitred.jobs.relay import relay_batch, relay_until_idle
from maitred.jobs.retention import purge
from maitred.jobs.signing import SIGNATURE_HEADER, verify
from maitred.jobs.sweeper import sweep_holds
from maitred.services import holds, webhooks
from maitred.settings import WORKER_ROLE, Settings, WorkerSettings
from support.lifecycle import HOST, book, ids


@pytest.fixture
def worker_db(test_db: Any) -> Iterator[Database]:
    conninfo = psycopg.conninfo.make_conninfo(test_db.owner_conninfo, user=WORKER_ROLE, password="")
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=4)
    with Database(DatabaseTarget(test_db.owner_conninfo, conninfo, False), settings) as db:
        yield db


@pytest.fixture
def rid(make_restaurant: Callable[[str], UUID]) -> UUID:
    return make_restaurant("Corner House")


def expire(test_db: Any, hold_ids: list[str]) -> None:
    with test_db.owner() as conn:
        conn.execute(
            "UPDATE holds SET created_at = now() - interval '1 hour',"
            " expires_at = now() - interval '5 seconds' WHERE hold_id = ANY(%s)",
            [[UUID(h) for h in hold_ids]],
        )


def count(test_db: Any, sql: str) -> int:
    with test_db.owner() as conn:
        return int(conn.execute(sql).fetchone()[0])


class Receiver:
    """A webhook consumer: records deliveries, applies each event id once."""

    def __init__(self, fail: bool = False) -> None:
        self.deliveries: list[tuple[str, bytes, dict[str, str]]] = []
        self.applied: dict[str, dict[str, Any]] = {}
        self.fail = fail
        self.lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            self.deliveries.append((url, body, headers))
            if self.fail:
                return 500
            event = json.loads(body)
            self.applied.setdefault(event["id"], event)  # dedupe on the event id
        return 204


def test_the_sweeper_removes_expired_holds_only(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    t = ids(db, rid)
    kept = holds.hold_tables(db, rid, book(db, rid, 2), [t["T1"]], HOST, {})
    gone = [
        holds.hold_tables(db, rid, book(db, rid, 2), [t[label]], HOST, {})["id"]
        for label in ("T2", "P1")
    ]
    expire(test_db, gone)
    counts = sweep_holds(worker_db, batch=1)
    assert (counts.swept, counts.batches) == (2, 2)
    assert counts.max_lag_seconds >= 5
    with test_db.owner() as conn:
        left = conn.execute("SELECT hold_id::text FROM holds").fetchall()
        events = conn.execute(
            "SELECT dedupe_key FROM capacity_outbox WHERE event_type = 'hold.expired' ORDER BY 1"
        ).fetchall()
        assert conn.execute("SELECT count(*) FROM allocations").fetchone() == (1,)
    assert left == [(kept["id"],)]
    assert sorted(e for (e,) in events) == sorted(f"hold.expired:{h}" for h in gone)
    assert sweep_holds(worker_db, batch=10).swept == 0


def test_a_sweeper_killed_mid_batch_leaves_nothing_half_done(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    t = ids(db, rid)
    expired = [
        holds.hold_tables(db, rid, book(db, rid, 2), [t[label]], HOST, {})["id"]
        for label in ("T1", "T2")
    ]
    expire(test_db, expired)
    victim = psycopg.connect(worker_db.target.app_conninfo)
    victim.execute("SELECT 1")
    pid = victim.info.backend_pid
    victim.execute(rows.SWEEP, {"batch": 10})  # the batch runs, uncommitted
    with test_db.owner() as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", [pid])  # the worker dies
    with pytest.raises(psycopg.OperationalError):
        victim.commit()
    victim.close()
    assert count(test_db, "SELECT count(*) FROM holds") == 2
    assert sweep_holds(worker_db, batch=10).swept == 2  # the restarted sweeper finishes
    assert (
        count(test_db, "SELECT count(*) FROM capacity_outbox WHERE event_type = 'hold.expired'")
        == 2
    )


def subscribe(db: Database, rid: UUID, types: list[str] | None = None) -> dict[str, Any]:
    return webhooks.create_subscription(db, rid, "http://127.0.0.1:9/hooks", types or [])


def test_the_relay_delivers_signed_events_once_each(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    subscription = subscribe(db, rid)
    book(db, rid, 2)
    book(db, rid, 4)
    receiver = Receiver()
    counts = relay_until_idle(worker_db, WorkerSettings(), receiver.post)
    assert counts.delivered == 2
    assert len(receiver.applied) == 2
    _url, body, headers = receiver.deliveries[0]
    event_id = headers["Maitred-Event-Id"]
    assert verify(subscription["secret"], headers[SIGNATURE_HEADER], event_id, body)
    tampered = body.replace(b"booking.created", b"booking.cancelled")
    assert not verify(subscription["secret"], headers[SIGNATURE_HEADER], event_id, tampered)
    assert not verify("whsec_another_secret_entirely", headers[SIGNATURE_HEADER], event_id, body)
    assert count(test_db, "SELECT count(*) FROM capacity_outbox WHERE status = 'delivered'") == 2


def test_a_relay_killed_between_sending_and_marking_sends_again(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    subscribe(db, rid)
    book(db, rid, 2)
    receiver = Receiver()

    class Killed(BaseException):
        pass

    def send_then_die(url: str, body: bytes, headers: dict[str, str]) -> int:
        receiver.post(url, body, headers)
        raise Killed  # the process dies before the row is marked

    with pytest.raises(Killed):
        relay_batch(worker_db, WorkerSettings(), send_then_die)
    assert count(test_db, "SELECT count(*) FROM capacity_outbox WHERE status = 'pending'") == 1
    relay_until_idle(worker_db, WorkerSettings(), receiver.post)
    assert len(receiver.deliveries) == 2  # delivered twice ...
    assert len(receiver.applied) == 1  # ... applied once by the consumer's dedupe
    assert count(test_db, "SELECT count(*) FROM capacity_outbox WHERE status = 'delivered'") == 1


def test_a_poison_event_is_dead_after_exactly_n_attempts(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    subscribe(db, rid)
    book(db, rid, 2)
    settings = WorkerSettings(max_attempts=4, backoff_base_seconds=0.5, backoff_cap_seconds=60)
    receiver = Receiver(fail=True)
    rng = random.Random(7)
    for attempt in range(1, 5):
        with test_db.owner() as conn:  # make the retry due now
            conn.execute("UPDATE capacity_outbox SET next_attempt_at = now()")
        started = datetime.now(UTC)
        assert relay_batch(worker_db, settings, receiver.post, rng).claimed == 1
        with test_db.owner() as conn:
            status, attempts, due = conn.execute(
                "SELECT status, attempts, next_attempt_at FROM capacity_outbox"
            ).fetchone()
        assert attempts == attempt
        envelope = min(60, 0.5 * 2 ** (attempt - 1))
        assert timedelta(0) <= due - started <= timedelta(seconds=envelope + 1)
        assert status == ("dead" if attempt == 4 else "pending")
    with test_db.owner() as conn:
        conn.execute("UPDATE capacity_outbox SET next_attempt_at = now()")
    assert relay_batch(worker_db, settings, receiver.post).claimed == 0  # dead stays dead
    assert count(test_db, "SELECT count(*) FROM webhook_attempts WHERE NOT succeeded") == 4
    event = webhooks.list_events(db, rid, status="dead")[0]
    webhooks.redeliver(db, rid, UUID(event["id"]))
    assert relay_until_idle(worker_db, settings, Receiver().post).delivered == 1


def test_three_relays_keep_each_bookings_events_in_order(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    subscribe(db, rid)
    bookings = [uuid.uuid4() for _ in range(6)]
    with db.tenant(rid) as conn:
        for n in range(60):
            aggregate = bookings[n % len(bookings)]
            conn.execute(
                "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type,"
                " dedupe_key, payload) VALUES (%s, %s, 'booking.changed', %s, %s)",
                [rid, aggregate, f"e{n}", json.dumps({"n": n})],
            )
    receiver = Receiver()
    settings = WorkerSettings(batch_size=4)
    relays = [
        threading.Thread(target=relay_until_idle, args=(worker_db, settings, receiver.post))
        for _ in range(3)
    ]
    for relay in relays:
        relay.start()
    for relay in relays:
        relay.join()
    relay_until_idle(worker_db, settings, receiver.post)  # anything a relay skipped as locked
    seen: dict[str, list[int]] = {}
    for _, body, _ in receiver.deliveries:
        event = json.loads(body)
        n = event["data"]["n"]
        seen.setdefault(str(bookings[n % len(bookings)]), []).append(n)
    assert sum(len(ns) for ns in seen.values()) == 60
    assert all(ns == sorted(ns) for ns in seen.values())


def test_archival_moves_only_ended_assignments_and_loses_nothing(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    t = ids(db, rid)
    with test_db.owner() as conn:
        for days_ago in (40, 35, 31, 29, 1):
            start = datetime.now(UTC) - timedelta(days=days_ago)
            booking = uuid.uuid4()
            conn.execute(
                "INSERT INTO bookings (restaurant_id, booking_id, party_size, local_date,"
                " local_time, service, service_date, time_window, status) VALUES (%s, %s, 2,"
                " %s, '19:00', 'dinner', %s, tstzrange(%s, %s, '[)'), 'completed')",
                [rid, booking, start.date(), start.date(), start, start + timedelta(hours=2)],
            )
            conn.execute(
                "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id,"
                " booking_id, service_date) VALUES (%s, %s, 'assignment',"
                " tstzrange(%s, %s, '[)'), %s, %s, %s)",
                [
                    rid,
                    UUID(t["T1"]),
                    start,
                    start + timedelta(hours=2),
                    booking,
                    booking,
                    start.date(),
                ],
            )
    checksum = (
        "SELECT count(*), md5(string_agg(allocation_id::text || time_window::text, ','"
        " ORDER BY allocation_id)) FROM (SELECT allocation_id, time_window FROM"
        " allocations UNION ALL SELECT allocation_id, time_window FROM"
        " allocations_archive) everything"
    )
    with test_db.owner() as conn:
        before = conn.execute(checksum).fetchone()
    counts = archive_allocations(worker_db, batch=2, after_days=30, pause_seconds=0)
    assert (counts.moved, counts.batches) == (3, 2)
    with test_db.owner() as conn:
        assert conn.execute(checksum).fetchone() == before
        left = conn.execute("SELECT count(*) FROM allocations").fetchone()
        newest_moved = conn.execute(
            "SELECT max(upper(time_window)) < now() - interval '30 days' FROM allocations_archive"
        ).fetchone()
    assert left == (2,)
    assert newest_moved == (True,)


def test_retention_purges_what_it_should_and_keeps_the_rest(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    with test_db.owner() as conn:
        conn.execute(
            "INSERT INTO idempotency_keys (restaurant_id, idempotency_key, request_fingerprint,"
            " outcome, response_body, created_at) VALUES (%s, 'old', 'f', 'ok', '{}',"
            " now() - interval '25 hours'), (%s, 'new', 'f', 'ok', '{}', now())",
            [rid, rid],
        )
        for key, status, age in (
            ("d-old", "delivered", 8),
            ("d-new", "delivered", 1),
            ("x-old", "dead", 31),
            ("x-new", "dead", 3),
        ):
            conn.execute(
                "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type,"
                " dedupe_key, payload, status, created_at, delivered_at) VALUES (%s, %s, 't',"
                " %s, '{}', %s, now() - make_interval(days => %s),"
                " now() - make_interval(days => %s))",
                [rid, rid, key, status, age, age],
            )
    removed = purge(worker_db, WorkerSettings())
    assert (removed["idempotency_keys"], removed["delivered_events"], removed["dead_events"]) == (
        1,
        1,
        1,
    )
    with test_db.owner() as conn:
        keys = conn.execute("SELECT idempotency_key FROM idempotency_keys").fetchall()
        events = conn.execute("SELECT dedupe_key FROM capacity_outbox ORDER BY 1").fetchall()
    assert keys == [("new",)]
    assert events == [("d-new",), ("x-new",)]


def test_the_worker_role_reads_only_what_its_jobs_need(test_db: Any) -> None:
    with test_db.owner() as conn:
        flags = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [WORKER_ROLE]
        ).fetchone()
        granted = conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.role_table_grants"
            " WHERE grantee = %s ORDER BY 1",
            [WORKER_ROLE],
        ).fetchall()
    assert flags == (False, False)
    assert {name for (name,) in granted}.isdisjoint(
        {"bookings", "dining_tables", "restaurants", "api_keys", "policies", "zones"}
    )


def test_archival_killed_midway_under_traffic_loses_and_duplicates_nothing(
    db: Database, worker_db: Database, test_db: Any, rid: UUID
) -> None:
    from maitred.benchmarks.worker import ARCHIVE_ROWS

    with test_db.owner() as conn:
        conn.execute(ARCHIVE_ROWS, {"rid": rid, "rows": 600})
    checksum = (
        "SELECT count(*), md5(string_agg(allocation_id::text || time_window::text, ','"
        " ORDER BY allocation_id)) FROM (SELECT allocation_id, time_window FROM"
        " allocations WHERE booking_id IN (SELECT booking_id FROM bookings"
        " WHERE status = 'completed') UNION ALL SELECT allocation_id, time_window"
        " FROM allocations_archive) everything"
    )
    with test_db.owner() as conn:
        before = conn.execute(checksum).fetchone()
    stop = threading.Event()

    def traffic() -> None:  # bookings and holds keep arriving meanwhile
        n = 0
        while not stop.is_set():
            booking = book(db, rid, 2, day=datetime(2026, 12, 1 + n % 28).date())
            holds.quote_and_hold(db, rid, booking, Actor(f"traffic-{n}", Role.HOST), {})
            n += 1

    busy = threading.Thread(target=traffic)
    busy.start()
    victim = psycopg.connect(worker_db.target.app_conninfo, autocommit=True)
    victim.execute("SELECT move_expired_allocations(100, now() - interval '30 days')")
    victim.execute("BEGIN")
    victim.execute("SELECT move_expired_allocations(100, now() - interval '30 days')")
    with test_db.owner() as conn:  # the archiver dies inside its second batch
        conn.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
    victim.close()
    with test_db.owner() as conn:
        assert conn.execute("SELECT count(*) FROM allocations_archive").fetchone() == (100,)
    counts = archive_allocations(worker_db, batch=64, after_days=30, pause_seconds=0.001)
    stop.set()
    busy.join()
    assert counts.moved == 500
    with test_db.owner() as conn:
        assert conn.execute(checksum).fetchone() == before
        live = conn.execute(
            "SELECT count(*) FROM allocations_archive"
            " WHERE upper(time_window) > now() - interval '30 days'"
        ).fetchone()
    assert live == (0,)


def test_switched_off_jobs_never_run(worker_db: Database) -> None:
    from maitred.jobs.worker import build_jobs

    settings = WorkerSettings(relay_outbox=False, archive_allocations=False)
    names = [job.name for job in build_jobs(worker_db, settings, Receiver().post)]
    assert names == ["sweep-holds", "purge"]
