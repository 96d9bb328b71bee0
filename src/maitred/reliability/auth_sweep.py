"""The sweep: every kind of refusal sent to every route, each answer held to the error
contract."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from maitred.api.permissions import allows
from maitred.api.routers import PREFIX
from maitred.domain.api_keys import Role, generate_key
from maitred.reliability.auth_routes import Route
from maitred.reliability.client import RecordingClient, Reply
from maitred.reliability.stage import Restaurant

ERROR_SHAPE = {"error", "code", "details"}
NOT_FOUND = ("NOT_FOUND", "HOLD_NOT_FOUND")

Ids = tuple[dict[str, str], dict[str, str]]  # the ids a request named, and its reference's


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
