"""The error contract over HTTP: statuses, stable codes, field paths, headers, no leaks."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from support.api import Tenant

FRIDAY = {"date": "2026-11-27", "time": "19:00"}


def book(client: TestClient, tenant: Tenant, party: int = 2, **kw: Any) -> dict[str, Any]:
    response = client.post(
        tenant.url("/bookings"), headers=tenant.auth(), json={"party_size": party, **FRIDAY, **kw}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def table_ids(client: TestClient, tenant: Tenant, booking: dict[str, Any]) -> dict[str, str]:
    context = client.get(tenant.url(f"/bookings/{booking['id']}/context"), headers=tenant.auth())
    return {t["label"]: t["id"] for t in context.json()["tables"]}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == code
    assert body["error"]
    return body


def test_a_malformed_body_is_400_with_field_paths(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": 0, "date": "2026-13-01", "time": "19:00"},
    )
    body = assert_error(response, 400, "INVALID_REQUEST")
    paths = {p["path"] for p in body["details"]["problems"]}
    assert paths == {"party_size", "date"}


def test_text_with_a_nul_character_is_400_not_500(client: TestClient, tenant: Tenant) -> None:
    # PostgreSQL text cannot hold NUL; the stateful API run once found it answered as a 500.
    response = client.post(
        tenant.url("/zones"), headers=tenant.auth(), json={"name": "Pa\u0000tio"}
    )
    body = assert_error(response, 400, "INVALID_REQUEST")
    assert "name" in {p["path"] for p in body["details"]["problems"]}
    response = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": 2, **FRIDAY, "ref": "B\u00001"},
    )
    assert_error(response, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("field", ["id", "restaurant_id", "created_at", "expires_at"])
def test_server_owned_fields_are_refused(client: TestClient, tenant: Tenant, field: str) -> None:
    response = client.post(
        tenant.url("/bookings"), headers=tenant.auth(), json={"party_size": 2, **FRIDAY, field: "x"}
    )
    body = assert_error(response, 400, "INVALID_REQUEST")
    assert body["details"]["problems"][0] == {
        "path": field,
        "message": "is set by the server and cannot be sent",
        "type": "extra_forbidden",
    }


def test_status_is_not_a_field_of_a_change(client: TestClient, tenant: Tenant) -> None:
    booking = book(client, tenant)
    response = client.patch(
        tenant.url(f"/bookings/{booking['id']}"), headers=tenant.auth(), json={"status": "seated"}
    )
    assert_error(response, 400, "INVALID_REQUEST")


def test_outside_service_hours_is_422(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": 2, "date": "2026-11-27", "time": "16:00"},
    )
    assert_error(response, 422, "OUTSIDE_SERVICE_HOURS")


def test_unknown_ids_and_routes_are_404(client: TestClient, tenant: Tenant) -> None:
    assert_error(
        client.get(tenant.url(f"/bookings/{uuid.uuid4()}"), headers=tenant.auth()), 404, "NOT_FOUND"
    )
    assert_error(client.get(tenant.url("/nowhere"), headers=tenant.auth()), 404, "NOT_FOUND")
    assert_error(
        client.post(
            tenant.url(f"/holds/{uuid.uuid4()}/confirm"),
            headers={**tenant.auth(), "Idempotency-Key": "k"},
        ),
        404,
        "HOLD_NOT_FOUND",
    )


def test_keys_are_required_and_checked(client: TestClient, tenant: Tenant) -> None:
    url = tenant.url("/bookings?date=2026-11-27")
    assert_error(client.get(url), 401, "UNAUTHENTICATED")
    assert_error(
        client.get(url, headers={"Authorization": "Bearer mtd_nope"}), 401, "UNAUTHENTICATED"
    )
    assert_error(client.get(url, headers={"Authorization": "Basic abc"}), 401, "UNAUTHENTICATED")
    keys = client.get(tenant.url("/api-keys"), headers=tenant.auth()).json()
    host = next(k for k in keys if k["role"] == "host")
    assert client.get(url, headers=tenant.auth(Role.HOST)).status_code == 200
    revoked = client.delete(tenant.url(f"/api-keys/{host['id']}"), headers=tenant.auth())
    assert revoked.status_code == 204
    assert_error(client.get(url, headers=tenant.auth(Role.HOST)), 401, "UNAUTHENTICATED")


def test_confirm_needs_an_idempotency_key(client: TestClient, tenant: Tenant) -> None:
    booking = book(client, tenant)
    hold = client.post(
        tenant.url(f"/bookings/{booking['id']}/quote"), headers=tenant.auth()
    ).json()["hold"]
    assert_error(
        client.post(tenant.url(f"/holds/{hold['id']}/confirm"), headers=tenant.auth()),
        400,
        "IDEMPOTENCY_KEY_MISSING",
    )
    headers = {**tenant.auth(), "Idempotency-Key": "k1"}
    first = client.post(tenant.url(f"/holds/{hold['id']}/confirm"), headers=headers)
    assert first.status_code == 200
    other = client.post(
        tenant.url(f"/holds/{hold['id']}/confirm"), headers=headers, json={"context_version": 1}
    )
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")


def test_a_taken_table_is_409_with_windows_and_alternatives(
    client: TestClient, tenant: Tenant
) -> None:
    first = book(client, tenant, 6, guest_name="Grace Hopper", ref="PRIVATE-1")
    tables = table_ids(client, tenant, first)
    held = client.post(
        tenant.url(f"/bookings/{first['id']}/holds"),
        headers=tenant.auth(),
        json={"table_ids": [tables["B1"]]},
    )
    assert held.status_code == 201, held.text
    second = book(client, tenant, 5)
    response = client.post(
        tenant.url(f"/bookings/{second['id']}/holds"),
        headers=tenant.auth(),
        json={"table_ids": [tables["B1"]]},
    )
    body = assert_error(response, 409, "TABLE_CONFLICT")
    assert body["details"]["tables"] == ["B1"]
    assert body["details"]["conflicts"][0]["kind"] == "hold"
    assert "alternatives" in body["details"]
    assert "Grace" not in response.text
    assert "PRIVATE-1" not in response.text
    assert "allocations_no_overlap" not in response.text


def test_rate_limits_carry_retry_after(client: TestClient, tenant: Tenant) -> None:
    booking = book(client, tenant)
    tables = table_ids(client, tenant, booking)
    url = tenant.url(f"/bookings/{booking['id']}/holds")
    for _ in range(5):
        ok = client.post(url, headers=tenant.auth(), json={"table_ids": [tables["T1"]]})
        assert ok.status_code == 201
    limited = client.post(url, headers=tenant.auth(), json={"table_ids": [tables["T1"]]})
    assert_error(limited, 429, "RATE_LIMITED")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_an_unexpected_failure_is_500_with_only_a_request_id(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maitred.services import bookings

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals: relation allocations")

    monkeypatch.setattr(bookings, "list_bookings", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get(tenant.url("/bookings?date=2026-11-27"), headers=tenant.auth())
    body = assert_error(response, 500, "INTERNAL")
    assert list(body["details"]) == ["request_id"]
    assert body["details"]["request_id"] == response.headers["X-Request-ID"]
    assert "secret" not in response.text


def _count(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def test_health_readiness_and_metrics(client: TestClient, tenant: Tenant) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "database": True}
    series = (
        'maitred_http_request_duration_seconds_count{method="POST",'
        'route="/v1/restaurants/{rid}/bookings",status="201"}'
    )
    before = _count(client.get("/metrics").text, series)
    book(client, tenant)
    book(client, tenant)
    text = client.get("/metrics").text
    assert _count(text, series) == before + 2
    assert "maitred_pool_pool_size" in text
