"""Who may call what: the role matrix over every tenant route, and the isolation sweep.

Both walk the app's own route table, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from maitred.api.app import ROUTERS
from maitred.api.permissions import Permission, allows
from maitred.api.routers import PREFIX
from maitred.domain.api_keys import Role
from support.api import Tenant

QUERY = {"date": "2026-11-27", "party_size": "2"}


def tenant_routes(client: TestClient) -> Iterator[tuple[str, str, Permission]]:
    """(method, path template, permission) of every route under the tenant prefix."""
    routes = [route for router in ROUTERS for route in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(PREFIX):
            continue
        permission = next(
            (
                dep.call.permission
                for dep in route.dependant.dependencies
                if hasattr(dep.call, "permission")
            ),
            None,
        )
        assert permission is not None, f"{route.path} declares no permission"
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path, permission


NOT_IDS = {"date": "2026-11-27"}


def fill(path: str, rid: uuid.UUID, ids: dict[str, str] | None = None) -> str:
    """The path with the restaurant id and every other id filled in (random unless given)."""
    path = path.replace("{rid}", str(rid))
    for name, value in NOT_IDS.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{(\w+)\}", lambda m: (ids or {}).get(m.group(1), str(uuid.uuid4())), path)


def valid_body(method: str, path: str, table_id: str) -> dict[str, Any] | None:
    """A body the route accepts, so that only the ids in the path decide the answer."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    if path.endswith("/bookings/{bid}") and method == "PATCH":
        return {"party_size": 3}
    if path.endswith("/zones/{zid}"):
        return {"name": "Renamed"}
    if path.endswith("/tables/{tid}") and method == "PATCH":
        return {"priority": 1}
    if path.endswith(("/validate", "/holds", "/tables")):
        return {"table_ids": [table_id]}
    return {}


# A stream that stays open (server-sent events) cannot be read to its end by the test client;
# for them only the refusals, which answer before any streaming, are checked.
STREAMS = {"/v1/restaurants/{rid}/events"}


def call(
    client: TestClient, method: str, url: str, headers: dict[str, str], body: Any = None
) -> Any:
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = {}
    headers = {**headers, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    return client.request(method, url, params=QUERY, json=body, headers=headers)


def test_every_route_needs_a_key(client: TestClient, tenant: Tenant) -> None:
    routes = list(tenant_routes(client))
    assert len(routes) >= 15
    for method, path, _ in routes:
        response = call(client, method, fill(path, tenant.id), {})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(client: TestClient, tenant: Tenant, role: Role) -> None:
    """Every route with every role: 403 exactly where the permission table says no."""
    for method, path, permission in tenant_routes(client):
        if path in STREAMS and allows(role, permission):
            continue
        response = call(client, method, fill(path, tenant.id), tenant.auth(role))
        if allows(role, permission):
            assert response.status_code != 403, (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["code"] == "FORBIDDEN"


def test_online_keys_act_on_their_own_bookings_only(client: TestClient, tenant: Tenant) -> None:
    staff = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(Role.HOST),
        json={"party_size": 2, "date": "2026-11-27", "time": "19:00"},
    ).json()
    quote = client.post(
        tenant.url(f"/bookings/{staff['id']}/quote"), headers=tenant.auth(Role.ONLINE)
    )
    assert quote.status_code == 404
    mine = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(Role.ONLINE),
        json={"party_size": 2, "date": "2026-11-27", "time": "19:00"},
    ).json()
    hold = client.post(
        tenant.url(f"/bookings/{mine['id']}/quote"), headers=tenant.auth(Role.ONLINE)
    ).json()["hold"]
    staff_hold = client.post(
        tenant.url(f"/bookings/{staff['id']}/quote"), headers=tenant.auth(Role.HOST)
    ).json()["hold"]
    online = {**tenant.auth(Role.ONLINE), "Idempotency-Key": "online-1"}
    refused = client.post(tenant.url(f"/holds/{staff_hold['id']}/confirm"), headers=online)
    assert refused.json()["code"] == "HOLD_NOT_FOUND"
    online["Idempotency-Key"] = "online-2"
    confirmed = client.post(tenant.url(f"/holds/{hold['id']}/confirm"), headers=online)
    assert confirmed.status_code == 200, confirmed.text
    release = client.delete(
        tenant.url(f"/holds/{staff_hold['id']}"), headers=tenant.auth(Role.ONLINE)
    )
    assert release.json()["code"] == "HOLD_NOT_FOUND"


def real_ids(client: TestClient, tenant: Tenant) -> dict[str, str]:
    """Real ids of one restaurant, by the name routes give their path parameter."""
    booking = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": 2, "date": "2026-11-27", "time": "19:00"},
    ).json()
    hold = client.post(
        tenant.url(f"/bookings/{booking['id']}/quote"), headers=tenant.auth()
    ).json()["hold"]
    keys = client.get(tenant.url("/api-keys"), headers=tenant.auth()).json()
    online = next(k for k in keys if k["role"] == "online")
    tables = client.get(tenant.url("/tables"), headers=tenant.auth()).json()
    other_table = next(t for t in tables if t["id"] != hold["tables"][0]["id"])
    webhook = client.post(
        tenant.url("/webhooks"),
        headers=tenant.auth(),
        json={"url": "https://example.invalid/hooks"},
    ).json()
    event = client.get(tenant.url("/webhooks/events"), headers=tenant.auth()).json()[0]
    block = client.post(
        tenant.url("/blocks"),
        headers=tenant.auth(),
        json={
            "table_ids": [other_table["id"]],
            "date": "2026-11-28",
            "start": "12:00",
            "end": "13:00",
            "reason": "repair",
        },
    ).json()
    return {
        "bid": booking["id"],
        "hid": hold["id"],
        "tid": hold["tables"][0]["id"],
        "other_tid": other_table["id"],
        "zid": tables[0]["zone_id"],
        "kid": online["id"],
        "wid": webhook["id"],
        "eid": event["id"],
        "block_id": block["id"],
    }


def snapshot(test_db: Any, rid: uuid.UUID) -> list[Any]:
    with test_db.owner() as conn:
        return conn.execute(
            "SELECT (SELECT venue_version FROM restaurants WHERE restaurant_id = %(r)s),"
            " (SELECT array_agg((booking_id, status, party_size, time_window)::text ORDER BY"
            "  booking_id) FROM bookings WHERE restaurant_id = %(r)s),"
            " (SELECT array_agg((allocation_id, kind, expires_at)::text ORDER BY allocation_id)"
            "  FROM allocations WHERE restaurant_id = %(r)s),"
            " (SELECT array_agg((key_id, revoked_at)::text ORDER BY key_id) FROM api_keys"
            "  WHERE restaurant_id = %(r)s)",
            {"r": rid},
        ).fetchone()


def test_isolation_sweep(client: TestClient, tenant: Tenant, other: Tenant, test_db: Any) -> None:
    """Every route that takes an id: another restaurant's real id and a random id are both 404,
    and the other restaurant is left exactly as it was."""
    theirs = real_ids(client, other)
    before = snapshot(test_db, other.id)
    checked = 0
    for method, path, _ in tenant_routes(client):
        names = [
            name
            for name in re.findall(r"\{(\w+)\}", path.removeprefix(PREFIX))
            if name not in NOT_IDS
        ]
        if not names:
            continue
        assert set(names) <= set(theirs), f"no real id for {names} in {path}"
        body = valid_body(method, path, theirs["tid"])
        for ids in (theirs, {}):
            url = fill(path, tenant.id, ids)
            response = call(client, method, url, tenant.auth(), body)
            assert response.status_code == 404, (method, path, ids, response.text)
            assert response.json()["code"] in ("NOT_FOUND", "HOLD_NOT_FOUND")
        # And their own restaurant id, with our key.
        response = call(client, method, fill(path, other.id, theirs), tenant.auth(), body)
        assert response.status_code == 404, (method, path, response.text)
        checked += 1
    assert checked >= 10
    assert snapshot(test_db, other.id) == before
