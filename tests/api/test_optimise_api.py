"""The service-day endpoint with the optimiser: strategy, re-optimisation, the what-if."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from support.api import Tenant

DAY = "2026-11-27"


def post(client: TestClient, tenant: Tenant, body: dict[str, Any]) -> Any:
    return client.post(
        tenant.url(f"/days/{DAY}/auto-assign"), headers=tenant.auth(Role.HOST), json=body
    )


def test_optimal_auto_assign_reports_the_optimiser(client: TestClient, tenant: Tenant) -> None:
    for party, time in ((3, "18:30"), (6, "18:30"), (4, "19:00"), (5, "20:30"), (5, "19:00")):
        response = client.post(
            tenant.url("/bookings"),
            headers=tenant.auth(),
            json={"party_size": party, "date": DAY, "time": time},
        )
        assert response.status_code == 201, response.text
    body = {
        "strategy": "optimal",
        "time_limit_seconds": 5,
        "dry_run": True,
        "reoptimise": True,
        "what_if_tolerance_minutes": 30,
    }
    preview = post(client, tenant, body)
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert (report["strategy"], report["reoptimise"], report["written"]) == ("optimal", True, 0)
    assert report["metrics"]["seated_covers"] == 18
    assert report["optimiser"]["greedy_metrics"]["seated_covers"] == 15
    assert report["optimiser"]["optimal_covers"] is True
    assert report["flexible_times"]["tolerance_minutes"] == 30
    assert all(u["reason"] for u in report["unseated"])
    written = post(client, tenant, {"strategy": "optimal", "time_limit_seconds": 5}).json()
    assert written["written"] == written["metrics"]["seated_bookings"] == 4


def test_bad_optimiser_options_are_400(client: TestClient, tenant: Tenant) -> None:
    for body in (
        {"strategy": "greedy", "reoptimise": True},
        {"strategy": "optimal", "what_if_tolerance_minutes": 20},
        {"strategy": "optimal", "what_if_tolerance_minutes": 0},
        {"strategy": "optimal", "time_limit_seconds": 0},
    ):
        response = post(client, tenant, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "INVALID_REQUEST"
