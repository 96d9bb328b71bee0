"""Across processes: the live event stream and the venue cache, against a real server process."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from maitred.benchmarks.process import serve_process
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services import venue_setup
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
from maitred.settings import Settings
from support.api import Tenant
from support.floors import SMALL_FLOOR


@pytest.fixture
def server(test_db: Any) -> Iterator[str]:
    """`maitred serve` in its own process over the test database."""
    with serve_process(test_db.owner_conninfo) as base:
        yield base


@pytest.fixture
def local(test_db: Any) -> Iterator[Database]:
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=2)
    target = DatabaseTarget(test_db.owner_conninfo, test_db.app_conninfo, embedded=False)
    with Database(target, settings) as db:
        yield db


def tenant(db: Database, name: str) -> Tenant:
    rid = import_floorplan(db, parse_floorplan(SMALL_FLOOR % {"name": name}))
    return Tenant(rid, {role: create_key(db, rid, role, role.value).plaintext for role in Role})


def listen(
    base: str,
    who: Tenant,
    received: list[dict[str, Any]],
    ready: threading.Event,
    stop: threading.Event,
) -> None:
    url, headers = who.url("/events"), who.auth(Role.HOST)
    try:
        with (
            httpx.Client(base_url=base, timeout=httpx.Timeout(5, read=20)) as client,
            client.stream("GET", url, headers=headers) as stream,
        ):
            ready.set()
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                if stop.is_set():
                    return
    except httpx.HTTPError:
        if not stop.is_set():  # the server going away after the test is not a failure
            raise


def test_a_client_gets_its_restaurants_events_and_never_anothers(
    server: str, local: Database
) -> None:
    a, b = tenant(local, "A"), tenant(local, "B")
    received: list[dict[str, Any]] = []
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=listen, args=(server, a, received, ready, stop), daemon=True)
    thread.start()
    assert ready.wait(10)
    time.sleep(0.3)
    booked: dict[str, str] = {}
    with httpx.Client(base_url=server, timeout=10) as client:
        for who, name in ((b, "B"), (a, "A")):
            booking = client.post(
                who.url("/bookings"),
                headers=who.auth(),
                json={"party_size": 2, "date": "2026-11-27", "time": "19:00"},
            ).json()
            hold = client.post(
                who.url(f"/bookings/{booking['id']}/quote"), headers=who.auth()
            ).json()["hold"]
            booked[name] = booking["id"]
            assert hold is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(received) < 2:
        time.sleep(0.1)
    stop.set()
    assert [e["event_type"] for e in received[:2]] == ["booking.created", "hold.created"]
    assert {e["aggregate_id"] for e in received[:1]} == {booked["A"]}
    assert all(e["aggregate_id"] != booked["B"] for e in received)


def test_a_table_edit_in_one_process_is_planned_with_in_another(
    server: str, local: Database
) -> None:
    a = tenant(local, "A")
    with httpx.Client(base_url=server, timeout=10) as client:
        booking = client.post(
            a.url("/bookings"),
            headers=a.auth(),
            json={"party_size": 5, "date": "2026-11-27", "time": "19:00"},
        ).json()
        validate = a.url(f"/bookings/{booking['id']}/validate")
        tables = {
            t["label"]: t["id"] for t in client.get(a.url("/tables"), headers=a.auth()).json()
        }
        before = client.post(validate, headers=a.auth(), json={"table_ids": [tables["P1"]]})
        assert before.json()["ok"] is False  # P1 seats four
        venue_setup.update_table(
            local, a.id, uuid.UUID(tables["P1"]), {"capacity": 6, "max_party": 6}
        )
        changed_at = time.monotonic()
        while True:
            after = client.post(validate, headers=a.auth(), json={"table_ids": [tables["P1"]]})
            if after.json()["ok"]:
                break
            assert time.monotonic() - changed_at < 1.0, "the server planned on a stale floor"
            time.sleep(0.05)
