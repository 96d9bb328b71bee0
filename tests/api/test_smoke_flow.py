"""The booking flow over HTTP: create, quote, confirm, replay, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support.api import Tenant


def test_create_quote_confirm_replay_cancel(client: TestClient, tenant: Tenant) -> None:
    created = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": 4, "date": "2026-11-27", "time": "19:00"},
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["start"] == "2026-11-27T19:00:00+00:00"
    quoted = client.post(tenant.url(f"/bookings/{booking['id']}/quote"), headers=tenant.auth())
    assert quoted.status_code == 200, quoted.text
    hold = quoted.json()["hold"]
    headers = {**tenant.auth(), "Idempotency-Key": "abc-1"}
    confirmed = client.post(tenant.url(f"/holds/{hold['id']}/confirm"), headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    replay = client.post(tenant.url(f"/holds/{hold['id']}/confirm"), headers=headers)
    assert replay.json() == confirmed.json()
    cancelled = client.post(tenant.url(f"/bookings/{booking['id']}/cancel"), headers=tenant.auth())
    assert cancelled.json()["status"] == "cancelled"
