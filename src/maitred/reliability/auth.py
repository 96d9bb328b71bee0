"""The auth matrix: who may call what, over HTTP against `maitred serve`.

The routes are read from the app's own route table (every route that reads an API key), so a
route added later is swept the day it exists. On restaurant A's paths:

- `no_key`, `malformed_key` (a wrong scheme, an empty or garbage bearer, a real key with one
  character changed), `unknown_key` (well formed, never issued) and `revoked_key` (worked until
  revoked through `DELETE /api-keys/{kid}`): 401 UNAUTHENTICATED on every route;
- `other_restaurant`: a key of every role of restaurant B: 404 NOT_FOUND, the very body a
  random restaurant id gets;
- `forbidden`: every role on every route its permissions leave out (the `online` widget on
  staff routes above all): 403 FORBIDDEN;
- `foreign_ids`: A's owner key with B's real ids, on A's paths (404, the body a random id gets)
  and on B's (404 NOT_FOUND);
- `other_key_booking`: an `online` key on a booking, or its hold, that another key created:
  404, the body a random id gets.

Every refusal must be exactly `{"error", "code", "details"}` with the code of its kind; each
difference is a mismatch. Neither restaurant's bookings, allocations, keys or venue may change
during a sweep. The scenario is valid when there is no mismatch, no change and no 500.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from maitred.domain.api_keys import Role
from maitred.reliability.auth_routes import keyed_routes
from maitred.reliability.auth_sweep import Round, Sweep, bearer
from maitred.reliability.client import RecordingClient
from maitred.reliability.history import History
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2027, 9, 1)
KINDS = (
    "no_key",
    "malformed_key",
    "unknown_key",
    "revoked_key",
    "other_restaurant",
    "forbidden",
    "foreign_ids",
    "other_key_booking",
)

B_STATE = """
SELECT (SELECT venue_version FROM restaurants WHERE restaurant_id = %(r)s),
  (SELECT array_agg((booking_id, status, party_size, time_window)::text ORDER BY booking_id)
   FROM bookings WHERE restaurant_id = %(r)s),
  (SELECT array_agg((allocation_id, kind, expires_at)::text ORDER BY allocation_id)
   FROM allocations WHERE restaurant_id = %(r)s),
  (SELECT array_agg((key_id, revoked_at)::text ORDER BY key_id)
   FROM api_keys WHERE restaurant_id = %(r)s)
"""


@dataclass(frozen=True)
class Plan:
    rounds: int  # sweeps of every route, each with fresh ids and a freshly revoked key

    @classmethod
    def ci(cls) -> Plan:
        return cls(rounds=1)

    @classmethod
    def soak(cls) -> Plan:
        return cls(rounds=25)


@dataclass
class Setup:
    """Calls that build what a sweep needs; anything but the expected status stops the run."""

    client: RecordingClient

    def call(
        self, key: str, rid: uuid.UUID, method: str, path: str, body: Any = None, status: int = 200
    ) -> Any:
        reply = self.client.call(
            "setup",
            method,
            f"/v1/restaurants/{rid}{path}",
            json_body=body,
            headers={"Authorization": bearer(key)},
        )
        if reply.status != status:
            raise RuntimeError(f"{method} {path}: {reply.status} {reply.body}")
        return reply.body

    def booking_and_hold(self, key: str, rid: uuid.UUID, day: date) -> dict[str, str]:
        """A booking made with this key, quoted to a hold: {bid, hid, tid}."""
        body = {"party_size": 2, "date": day.isoformat(), "time": "19:00"}
        booking = self.call(key, rid, "POST", "/bookings", body, 201)
        hold = self.call(key, rid, "POST", f"/bookings/{booking['id']}/quote")["hold"]
        return {"bid": booking["id"], "hid": hold["id"], "tid": hold["tables"][0]["id"]}

    def key(self, restaurant: Restaurant, role: Role, name: str) -> dict[str, str]:
        body = {"role": role.value, "name": name}
        return dict(
            self.call(restaurant.keys[Role.OWNER], restaurant.id, "POST", "/api-keys", body, 201)
        )

    def revoked_key(self, restaurant: Restaurant) -> str:
        """A key that worked until it was revoked through the API."""
        created = self.key(restaurant, Role.HOST, "revoked")
        whoami = self.client.call(
            "setup", "GET", "/v1/whoami", headers={"Authorization": bearer(created["key"])}
        )
        if whoami.status != 200:
            raise RuntimeError(f"a new key did not work: {whoami.body}")
        owner = restaurant.keys[Role.OWNER]
        self.call(owner, restaurant.id, "DELETE", f"/api-keys/{created['id']}", status=204)
        return created["key"]

    def real_ids(self, restaurant: Restaurant, day: date) -> dict[str, str]:
        """Real ids of the restaurant, by the name routes give their path parameter."""
        key, rid = restaurant.keys[Role.OWNER], restaurant.id
        ids = self.booking_and_hold(key, rid, day)
        tables = self.call(key, rid, "GET", "/tables")
        ids["other_tid"] = next(t["id"] for t in tables if t["id"] != ids["tid"])
        ids["zid"] = tables[0]["zone_id"]
        keys = self.call(key, rid, "GET", "/api-keys")
        ids["kid"] = next(k["id"] for k in keys if k["role"] == Role.ONLINE.value)
        hook = {"url": "https://example.invalid/hooks"}
        ids["wid"] = self.call(key, rid, "POST", "/webhooks", hook, 201)["id"]
        ids["eid"] = self.call(key, rid, "GET", "/webhooks/events")[0]["id"]
        block = {
            "table_ids": [ids["other_tid"]],
            "date": day.isoformat(),
            "start": "17:00",
            "end": "18:00",
            "reason": "repair",
        }
        ids["block_id"] = self.call(key, rid, "POST", "/blocks", block, 201)["id"]
        return ids


def snapshot(owner_conninfo: str, restaurants: list[Restaurant]) -> list[Any]:
    with psycopg.connect(owner_conninfo) as conn:
        return [conn.execute(B_STATE, {"r": r.id}).fetchone() for r in restaurants]


def one_round(setup: Setup, sweep: Sweep, stage: Stage, number: int) -> int:
    """Build what the round needs, sweep, and count the restaurants whose state changed."""
    a, b = stage.restaurants[:2]
    day = FIRST_DAY + timedelta(days=number)
    online = setup.key(a, Role.ONLINE, f"second widget {number}")["key"]
    others = [setup.booking_and_hold(k, a.id, day) for k in (online, a.keys[Role.HOST])]
    theirs = setup.real_ids(b, day)
    revoked = setup.revoked_key(a)
    before = snapshot(stage.owner_conninfo, [a, b])
    sweeping = Round(sweep, keyed_routes(), a, b, revoked, theirs, others)
    sweeping.unauthenticated()
    sweeping.other_restaurant()
    sweeping.forbidden()
    sweeping.foreign_ids()
    sweeping.other_key_booking()
    after = snapshot(stage.owner_conninfo, [a, b])
    return sum(x != y for x, y in zip(before, after, strict=True))


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Sweep the routes `plan.rounds` times; the figures, `valid` when nothing was answered
    otherwise than the error contract says."""
    if len(stage.restaurants) < 2:
        raise ValueError("the scenario needs a stage of two restaurants")
    changed = 0
    with (
        History(out / "history.jsonl" if out else None) as history,
        running(stage, out, worker=False) as processes,
    ):
        client = RecordingClient(processes.base_url, "", history, "sweep")
        client.http.headers.pop("Authorization")
        sweep = Sweep(client)
        started = time.perf_counter()
        for number in range(plan.rounds):
            changed += one_round(Setup(client), sweep, stage, number)
        seconds = time.perf_counter() - started
        client.close()
    server_errors = sum(r["value"].get("status") == 500 for r in history.completions())
    requests = sum(sweep.requests.values())
    return {
        "rounds": plan.rounds,
        "routes": len(keyed_routes()),
        "requests": requests,
        "requests_by_kind": {kind: sweep.requests[kind] for kind in KINDS},
        "mismatches": len(sweep.mismatches),
        "mismatch_examples": sweep.mismatches[:10],
        "state_changes": changed,
        "server_errors": server_errors,
        "seconds": round(seconds, 1),
        "requests_per_second": round(requests / seconds, 1),
        "latency_ms": latencies(history),
        "valid": not (sweep.mismatches or changed or server_errors),
    }
