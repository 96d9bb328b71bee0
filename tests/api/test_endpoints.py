"""Every endpoint's main success path, and its characteristic refusals, over HTTP."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from support.api import Tenant

DAY = "2026-11-27"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def code(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["code"])


def booking(client: TestClient, tenant: Tenant, party: int = 2, time: str = "19:00") -> Any:
    return ok(
        client.post(
            tenant.url("/bookings"),
            headers=tenant.auth(),
            json={"party_size": party, "date": DAY, "time": time},
        ),
        201,
    )


def labels_to_ids(client: TestClient, tenant: Tenant) -> dict[str, str]:
    tables = ok(client.get(tenant.url("/tables"), headers=tenant.auth()))
    return {t["label"]: t["id"] for t in tables}


def test_zones_tables_and_adjacency(client: TestClient, tenant: Tenant) -> None:
    h = tenant.auth()
    zone = ok(client.post(tenant.url("/zones"), headers=h, json={"name": "Terrace"}), 201)
    assert zone["tables"] == 0
    t1 = ok(
        client.post(
            tenant.url("/tables"),
            headers=h,
            json={"label": "X1", "zone_id": zone["id"], "capacity": 4},
        ),
        201,
    )
    t2 = ok(
        client.post(
            tenant.url("/tables"),
            headers=h,
            json={"label": "X2", "zone_id": zone["id"], "capacity": 2},
        ),
        201,
    )
    assert (
        code(
            client.post(
                tenant.url("/tables"),
                headers=h,
                json={"label": "X1", "zone_id": zone["id"], "capacity": 4},
            ),
            409,
        )
        == "CONFLICT"
    )
    assert code(
        client.post(
            tenant.url("/tables"),
            headers=h,
            json={"label": "X3", "zone_id": zone["id"], "capacity": 2, "min_party": 3},
        ),
        400,
    ) == ("INVALID_REQUEST")
    edge = ok(
        client.post(
            tenant.url("/adjacency"), headers=h, json={"table_a": t2["id"], "table_b": t1["id"]}
        ),
        201,
    )
    assert sorted(edge["labels"]) == ["X1", "X2"]
    main = next(z for z in ok(client.get(tenant.url("/zones"), headers=h)) if z["name"] == "Main")
    assert code(
        client.post(
            tenant.url("/adjacency"),
            headers=h,
            json={"table_a": t1["id"], "table_b": labels_to_ids(client, tenant)["T1"]},
        ),
        422,
    ) == ("ZONE_MISMATCH")
    moved = ok(
        client.patch(tenant.url(f"/tables/{t1['id']}"), headers=h, json={"zone_id": main["id"]})
    )
    assert [e["labels"] for e in moved["removed_edges"]] == [edge["labels"]]
    assert code(client.delete(tenant.url(f"/zones/{zone['id']}"), headers=h), 409) == (
        "ZONE_NOT_EMPTY"
    )
    ok(client.delete(tenant.url(f"/tables/{t2['id']}"), headers=h), 204)
    ok(client.delete(tenant.url(f"/zones/{zone['id']}"), headers=h), 204)
    assert ok(client.get(tenant.url(f"/tables/{t1['id']}"), headers=h))["zone"] == "Main"


def test_a_table_in_use_is_not_deleted(client: TestClient, tenant: Tenant) -> None:
    b = booking(client, tenant, 6)
    hold = ok(client.post(tenant.url(f"/bookings/{b['id']}/quote"), headers=tenant.auth()))
    table = hold["hold"]["tables"][0]["id"]
    assert code(client.delete(tenant.url(f"/tables/{table}"), headers=tenant.auth()), 409) == (
        "TABLE_IN_USE"
    )


def test_policy_read_replace_and_refuse(client: TestClient, tenant: Tenant) -> None:
    h = tenant.auth()
    policy = ok(client.get(tenant.url("/policy"), headers=h))
    assert policy["effective"]["slack_budget"] == 4
    document = {**policy["document"], "slack_budget": 2}
    replaced = ok(client.put(tenant.url("/policy"), headers=h, json=document))
    assert (replaced["version"], replaced["effective"]["slack_budget"]) == (2, 2)
    bad = client.put(
        tenant.url("/policy"),
        headers=h,
        json={**document, "buffer_minutes": -1, "adjacency_mode": "diagonal"},
    )
    assert code(bad, 400) == "INVALID_REQUEST"
    assert {p["path"] for p in bad.json()["details"]["problems"]} == {
        "buffer_minutes",
        "adjacency_mode",
    }
    versions = ok(client.get(tenant.url("/policy/versions"), headers=h))
    assert [v["version"] for v in versions] == [2, 1]


def test_floorplan_export_and_import_in_json_and_yaml(client: TestClient, tenant: Tenant) -> None:
    h = tenant.auth()
    exported = ok(client.get(tenant.url("/floorplan"), headers=h))
    assert exported["restaurant"]["name"] == "Corner House"
    as_yaml = client.get(tenant.url("/floorplan?format=yaml"), headers=h)
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text) == exported
    exported["zones"][0]["tables"].append({"label": "T9", "capacity": 2})
    summary = ok(client.put(tenant.url("/floorplan"), headers=h, json=exported))
    assert summary["tables"]["created"] == ["T9"]
    text = yaml.safe_dump(exported).replace("label: T9", "label: T1")
    refused = client.put(
        tenant.url("/floorplan"), content=text, headers={**h, "Content-Type": "application/yaml"}
    )
    assert code(refused, 400) == "INVALID_REQUEST"
    problems = refused.json()["details"]["problems"]
    assert {p["code"] for p in problems} == {"DUPLICATE_LABEL"}
    assert all(p["location"].startswith("line ") for p in problems)


def test_manual_flow_context_validate_hold_extend_release(
    client: TestClient, tenant: Tenant
) -> None:
    h = tenant.auth(Role.HOST)
    b = booking(client, tenant, 4)
    context = ok(client.get(tenant.url(f"/bookings/{b['id']}/context"), headers=h))
    ids = {t["label"]: t["id"] for t in context["tables"]}
    check = ok(
        client.post(
            tenant.url(f"/bookings/{b['id']}/validate"), headers=h, json={"table_ids": [ids["T1"]]}
        )
    )
    assert not check["ok"]
    assert [c["code"] for c in check["checks"]] == ["CAPACITY_INSUFFICIENT"]
    assert (
        code(
            client.post(
                tenant.url(f"/bookings/{b['id']}/holds"), headers=h, json={"table_ids": [ids["T1"]]}
            ),
            422,
        )
        == "CAPACITY_INSUFFICIENT"
    )
    stale = client.post(
        tenant.url(f"/bookings/{b['id']}/holds"),
        headers=h,
        json={
            "table_ids": [ids["T1"], ids["T2"]],
            "context_version": context["context_version"] + 5,
        },
    )
    assert code(stale, 409) == "STALE_CONTEXT"
    hold = ok(
        client.post(
            tenant.url(f"/bookings/{b['id']}/holds"),
            headers=h,
            json={
                "table_ids": [ids["T1"], ids["T2"]],
                "context_version": context["context_version"],
                "ttl_seconds": 120,
            },
        ),
        201,
    )
    extended = ok(
        client.patch(tenant.url(f"/holds/{hold['id']}"), headers=h, json={"seconds": 600})
    )
    assert extended["extended"]
    assert code(client.patch(tenant.url(f"/holds/{hold['id']}"), headers=h), 409) == (
        "HOLD_ALREADY_EXTENDED"
    )
    ok(client.delete(tenant.url(f"/holds/{hold['id']}"), headers=h), 204)
    assert code(client.delete(tenant.url(f"/holds/{hold['id']}"), headers=h), 404) == (
        "HOLD_NOT_FOUND"
    )


def test_ops_assign_move_unassign_and_change(client: TestClient, tenant: Tenant) -> None:
    h = tenant.auth(Role.HOST)
    ids = labels_to_ids(client, tenant)
    b = booking(client, tenant, 4)
    assigned = ok(
        client.put(
            tenant.url(f"/bookings/{b['id']}/tables"),
            headers=h,
            json={"table_ids": [ids["T1"], ids["T2"]]},
        )
    )
    assert [t["label"] for t in assigned["tables"]] == ["T1", "T2"]
    assert assigned["status"] == "confirmed"
    moved = ok(
        client.put(
            tenant.url(f"/bookings/{b['id']}/tables"), headers=h, json={"table_ids": [ids["T3"]]}
        )
    )
    assert [t["label"] for t in moved["tables"]] == ["T3"]
    listed = ok(client.get(tenant.url(f"/bookings/{b['id']}/tables"), headers=h))
    assert [t["label"] for t in listed] == ["T3"]
    squeezed = client.put(
        tenant.url(f"/bookings/{b['id']}/tables"),
        headers=h,
        json={"table_ids": [ids["T1"]], "override_reason": "they insist"},
    )
    assert code(squeezed, 403) == "FORBIDDEN"
    manager = ok(
        client.put(
            tenant.url(f"/bookings/{b['id']}/tables"),
            headers=tenant.auth(Role.MANAGER),
            json={"table_ids": [ids["T1"]], "override_reason": "they insist"},
        )
    )
    assert [t["label"] for t in manager["tables"]] == ["T1"]
    changed = ok(
        client.patch(tenant.url(f"/bookings/{b['id']}"), headers=h, json={"party_size": 6})
    )
    assert (changed["party_size"], [t["label"] for t in changed["tables"]]) == (6, ["B1"])
    gone = ok(client.delete(tenant.url(f"/bookings/{b['id']}/tables/{ids['B1']}"), headers=h))
    assert gone["tables"] == []
    assert (
        code(client.delete(tenant.url(f"/bookings/{b['id']}/tables/{ids['B1']}"), headers=h), 404)
        == "NOT_FOUND"
    )


def test_bookings_list_by_date_and_status(client: TestClient, tenant: Tenant) -> None:
    first, second = booking(client, tenant), booking(client, tenant, time="20:00")
    ok(client.post(tenant.url(f"/bookings/{second['id']}/cancel"), headers=tenant.auth()))
    everyone = ok(client.get(tenant.url(f"/bookings?date={DAY}"), headers=tenant.auth()))
    assert [b["id"] for b in everyone] == [first["id"], second["id"]]
    pending = ok(
        client.get(tenant.url(f"/bookings?date={DAY}&status=pending"), headers=tenant.auth())
    )
    assert [b["id"] for b in pending] == [first["id"]]
    assert ok(client.get(tenant.url(f"/bookings/{first['id']}"), headers=tenant.auth())) == first


def test_service_day_timeline_auto_assign_blocks_availability(
    client: TestClient, tenant: Tenant
) -> None:
    h = tenant.auth(Role.HOST)
    ids = labels_to_ids(client, tenant)
    for party, time in ((2, "18:00"), (4, "18:30"), (6, "19:00"), (3, "19:00")):
        booking(client, tenant, party, time)
    block = ok(
        client.post(
            tenant.url("/blocks"),
            headers=h,
            json={
                "table_ids": [ids["P1"]],
                "date": DAY,
                "start": "17:00",
                "end": "22:00",
                "reason": "wobbly leg",
            },
        ),
        201,
    )
    preview = ok(
        client.post(tenant.url(f"/days/{DAY}/auto-assign"), headers=h, json={"dry_run": True})
    )
    assert preview["written"] == 0
    report = ok(client.post(tenant.url(f"/days/{DAY}/auto-assign"), headers=h, json={}))
    # The two of 18:00 (on T1 or T2 until 19:40) and the three of 19:00 (on T1+T2) exclude
    # each other; the planner seats the larger party.
    assert report["metrics"]["seated_bookings"] == preview["metrics"]["seated_bookings"] == 3
    assert report["written"] == 3
    assert [(u["party_size"], u["reason"]) for u in report["unseated"]] == [
        (2, "ALL_FITTING_TABLES_BUSY")
    ]
    timeline = ok(client.get(tenant.url(f"/days/{DAY}"), headers=h))
    bars = [bar for zone in timeline["zones"] for t in zone["tables"] for bar in t["bars"]]
    assert len({bar["booking_id"] for bar in bars if bar["kind"] == "assignment"}) == 3
    assert any(bar["kind"] == "block" for bar in bars)
    assert [b["party_size"] for b in timeline["unassigned"]] == [2]
    times = ok(
        client.get(
            tenant.url(f"/availability?date={DAY}&party_size=6"), headers=tenant.auth(Role.ONLINE)
        )
    )["times"]
    assert "19:00" not in times  # B1 is taken then, P1 blocked, T1+T2+T3 seat 8 but are busy
    assert "12:00" in times  # lunch is free
    assert ok(client.get(tenant.url(f"/blocks?date={DAY}"), headers=h))[0]["id"] == block["id"]
    ok(client.delete(tenant.url(f"/blocks/{block['id']}"), headers=h), 204)
    assert (
        code(
            client.post(
                tenant.url(f"/days/{DAY}/auto-assign"), headers=h, json={"strategy": "psychic"}
            ),
            400,
        )
        == "INVALID_REQUEST"
    )


def test_api_keys_are_shown_once(client: TestClient, tenant: Tenant) -> None:
    created = ok(
        client.post(
            tenant.url("/api-keys"), headers=tenant.auth(), json={"role": "host", "name": "stand"}
        ),
        201,
    )
    assert created["key"].startswith("mtd_")
    listed = client.get(tenant.url("/api-keys"), headers=tenant.auth())
    assert created["key"] not in listed.text
    assert created["id"] in listed.text
    whoami = ok(client.get("/v1/whoami", headers={"Authorization": f"Bearer {created['key']}"}))
    assert whoami == {"restaurant_id": str(tenant.id), "role": "host", "key_id": created["id"]}
