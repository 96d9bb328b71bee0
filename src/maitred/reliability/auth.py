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

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from maitred.api.app import ROUTERS
from maitred.api.auth import principal
from maitred.api.permissions import Permission, allows
from maitred.api.routers import PREFIX
from maitred.domain.api_keys import Role, generate_key
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.history import History
from maitred.reliability.report import latencies
from maitred.reliability.stage import Restaurant, Stage, running

FIRST_DAY = date(2027, 9, 1)
ERROR_SHAPE = {"error", "code", "details"}
NOT_FOUND = ("NOT_FOUND", "HOLD_NOT_FOUND")
QUERY = "?date=2027-09-03&party_size=2"
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


Ids = tuple[dict[str, str], dict[str, str]]  # the ids a request named, and its reference's


@dataclass(frozen=True)
class Plan:
    rounds: int  # sweeps of every route, each with fresh ids and a freshly revoked key

    @classmethod
    def ci(cls) -> Plan:
        return cls(rounds=1)

    @classmethod
    def soak(cls) -> Plan:
        return cls(rounds=25)


@dataclass(frozen=True)
class Route:
    """A route that reads an API key, and the permission it asks for (None: any valid key)."""

    method: str
    path: str
    permission: Permission | None

    @property
    def ids(self) -> list[str]:
        names = re.findall(r"\{(\w+)\}", self.path.removeprefix(PREFIX))
        return [name for name in names if name != "date"]

    def url(self, rid: uuid.UUID | str, ids: dict[str, str] | None = None) -> str:
        """The path with this restaurant id, the ids given, and random ids for the rest."""
        path = self.path.replace("{rid}", str(rid)).replace("{date}", "2027-09-03")
        given = ids or {}
        return re.sub(r"\{(\w+)\}", lambda m: given.get(m[1], str(uuid.uuid4())), path) + QUERY

    def body(self, table_id: str) -> dict[str, Any] | None:
        """A body the route accepts, so that only the key and the ids decide the answer."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        if self.path.endswith("/bookings/{bid}") and self.method == "PATCH":
            return {"party_size": 3}
        if self.path.endswith("/zones/{zid}"):
            return {"name": "Renamed"}
        if self.path.endswith("/tables/{tid}") and self.method == "PATCH":
            return {"priority": 1}
        if self.path.endswith(("/validate", "/holds", "/tables")):
            return {"table_ids": [table_id]}
        return {}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def keyed_routes() -> list[Route]:
    """Every route of the app that authenticates an API key."""
    routes = []
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = list(_calls(route.dependant))
        if principal not in calls:
            continue
        permissions = [getattr(call, "permission", None) for call in calls]
        permission = next((p for p in permissions if p is not None), None)
        routes += [
            Route(m, route.path, permission) for m in sorted((route.methods or set()) - {"HEAD"})
        ]
    return routes


def normalised(body: Any, ids: dict[str, str]) -> str:
    """A body with the ids of the request replaced, to compare with a random id's answer."""
    text = json.dumps(body, sort_keys=True)
    for name, value in ids.items():
        text = text.replace(value, "{" + name + "}")
    return text


def bearer(key: str) -> str:
    return f"Bearer {key}"


def credentials(real_key: str, revoked_key: str) -> dict[str, list[str | None]]:
    """Authorization headers that must not authenticate, by kind."""
    tampered = real_key[:-1] + ("B" if real_key.endswith("A") else "A")
    return {
        "no_key": [None],
        "malformed_key": [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearer not-a-key",
            f"Token {real_key}",
            bearer(tampered),
        ],
        "unknown_key": [bearer(generate_key().plaintext)],
        "revoked_key": [bearer(revoked_key)],
    }


@dataclass
class Sweep:
    """Sends requests and counts, per kind, the requests and the answers that were not the
    expected refusal."""

    client: RecordingClient
    requests: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)

    def send(
        self, kind: str, route: Route, url: str, authorization: str | None, table: str = ""
    ) -> Reply:
        headers = {"Idempotency-Key": f"auth-{uuid.uuid4()}"}
        if authorization is not None:
            headers["Authorization"] = authorization
        self.requests[kind] += 1
        return self.client.call(
            kind,
            route.method,
            url,
            json_body=route.body(table) if table else None,
            headers=headers,
            value={"route": f"{route.method} {route.path}"},
            keep_body=True,
        )

    def expect(self, kind: str, route: Route, reply: Reply, status: int, *codes: str) -> None:
        """The refusal must have this status, one of these codes, and exactly the error shape."""
        body = reply.body
        shaped = isinstance(body, dict) and set(body) == ERROR_SHAPE
        shaped = shaped and isinstance(body["error"], str) and isinstance(body["details"], dict)
        if reply.status != status or reply.code not in codes or not shaped:
            self.miss(kind, route, f"{reply.status} {body}")

    def same(self, kind: str, route: Route, reply: Reply, reference: Reply, ids: Ids) -> None:
        """The refusal must be the one a random id gets, but for the ids each request named."""
        if normalised(reply.body, ids[0]) != normalised(reference.body, ids[1]):
            self.miss(kind, route, f"{reply.body} differs from a random id's {reference.body}")

    def miss(self, kind: str, route: Route, what: str) -> None:
        self.mismatches.append(f"{kind} {route.method} {route.path}: {what}")


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


@dataclass
class Round:
    """One sweep of every route with every kind of refusal."""

    sweep: Sweep
    routes: list[Route]
    a: Restaurant
    b: Restaurant
    revoked: str
    theirs: dict[str, str]  # B's real ids
    others: list[dict[str, str]]  # A's bookings and holds made by keys other than A's online key

    @property
    def tenant_routes(self) -> list[Route]:
        return [route for route in self.routes if route.path.startswith(PREFIX)]

    def unauthenticated(self) -> None:
        for kind, values in credentials(self.a.keys[Role.OWNER], self.revoked).items():
            for route in self.routes:
                for value in values:
                    reply = self.sweep.send(kind, route, route.url(self.a.id), value)
                    self.sweep.expect(kind, route, reply, 401, "UNAUTHENTICATED")

    def other_restaurant(self) -> None:
        kind, send = "other_restaurant", self.sweep.send
        for route in self.tenant_routes:
            reference = send(kind, route, route.url(uuid.uuid4()), bearer(self.b.keys[Role.OWNER]))
            self.sweep.expect(kind, route, reference, 404, "NOT_FOUND")
            for role in Role:
                reply = send(kind, route, route.url(self.a.id), bearer(self.b.keys[role]))
                self.sweep.expect(kind, route, reply, 404, "NOT_FOUND")
                self.sweep.same(kind, route, reply, reference, ({}, {}))

    def forbidden(self) -> None:
        for route in self.tenant_routes:
            for role in Role:
                if route.permission is None or allows(role, route.permission):
                    continue
                reply = self.sweep.send(
                    "forbidden", route, route.url(self.a.id), bearer(self.a.keys[role])
                )
                self.sweep.expect("forbidden", route, reply, 403, "FORBIDDEN")

    def not_theirs(self, kind: str, route: Route, ids: dict[str, str], key: str) -> None:
        """With these real ids and with random ones: the same 404."""
        table = self.theirs["tid"]
        random = {name: str(uuid.uuid4()) for name in ids}
        reply = self.sweep.send(kind, route, route.url(self.a.id, ids), bearer(key), table)
        reference = self.sweep.send(kind, route, route.url(self.a.id, random), bearer(key), table)
        for answer in (reply, reference):
            self.sweep.expect(kind, route, answer, 404, *NOT_FOUND)
        self.sweep.same(kind, route, reply, reference, (ids, random))

    def foreign_ids(self) -> None:
        owner = self.a.keys[Role.OWNER]
        for route in (r for r in self.tenant_routes if r.ids):
            unknown = set(route.ids) - set(self.theirs)
            if unknown:
                self.sweep.miss("foreign_ids", route, f"no real id for {sorted(unknown)}")
                continue
            ids = {name: self.theirs[name] for name in route.ids}
            self.not_theirs("foreign_ids", route, ids, owner)
            url = route.url(self.b.id, ids)
            reply = self.sweep.send("foreign_ids", route, url, bearer(owner), self.theirs["tid"])
            self.sweep.expect("foreign_ids", route, reply, 404, "NOT_FOUND")

    def other_key_booking(self) -> None:
        online = self.a.keys[Role.ONLINE]
        for route in self.tenant_routes:
            allowed = route.permission is not None and allows(Role.ONLINE, route.permission)
            if not allowed or not {"bid", "hid"} & set(route.ids):
                continue
            for theirs in self.others:
                ids = {name: theirs[name] for name in route.ids}
                self.not_theirs("other_key_booking", route, ids, online)


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
