"""The /ops pages over a real database: sign-in, the session cookie, CSRF, the day view and the
manual flow as the page drives it (htmx requests answered with HTML)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from maitred.web.live import day_version, message
from support.api import Tenant

DAY = "2026-11-27"


def sign_in(client: TestClient, tenant: Tenant, role: Role = Role.HOST) -> str:
    """Sign in; the CSRF token the page carries."""
    response = client.post("/ops/sign-in", data={"key": tenant.keys[role]})
    assert response.status_code == 303, response.text
    page = client.get(f"/ops/day?date={DAY}")
    assert page.status_code == 200, page.text
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert found
    return found.group(1)


def htmx(token: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": token}


def new_booking(client: TestClient, tenant: Tenant, party: int, time: str = "19:00") -> Any:
    response = client.post(
        tenant.url("/bookings"),
        headers=tenant.auth(),
        json={"party_size": party, "date": DAY, "time": time, "ref": f"R{party}-{time}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def table_ids(client: TestClient, tenant: Tenant) -> dict[str, str]:
    tables = client.get(tenant.url("/tables"), headers=tenant.auth()).json()
    return {t["label"]: t["id"] for t in tables}


def test_sign_in_sets_a_strict_http_only_cookie_for_ops_only(
    client: TestClient, tenant: Tenant
) -> None:
    assert "API key" in client.get("/ops/sign-in").text
    response = client.post("/ops/sign-in", data={"key": tenant.keys[Role.HOST]})
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/day"
    cookies = response.headers.get_list("set-cookie")
    key_cookie = next(c for c in cookies if c.startswith("maitred_ops_key="))
    assert tenant.keys[Role.HOST] in key_cookie
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert "Path=/ops" in cookie
        assert "Secure" not in cookie  # plain http here; https gets Secure


def test_bad_and_widget_keys_are_refused_in_words(client: TestClient, tenant: Tenant) -> None:
    bad = client.post("/ops/sign-in", data={"key": "mtd_not-a-key"})
    assert bad.status_code == 401
    assert "not valid" in bad.text
    assert "set-cookie" not in bad.headers
    online = client.post("/ops/sign-in", data={"key": tenant.keys[Role.ONLINE]})
    assert online.status_code == 403
    assert "booking widget" in online.text
    assert "set-cookie" not in online.headers


def test_pages_need_a_session_and_a_revoked_key_stops_at_once(
    client: TestClient, tenant: Tenant
) -> None:
    assert client.get("/ops/day").headers["location"] == "/ops/sign-in"
    answer = client.get("/ops/day/board", headers={"HX-Request": "true"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/ops/sign-in"
    sign_in(client, tenant)
    keys = client.get(tenant.url("/api-keys"), headers=tenant.auth()).json()
    host = next(k for k in keys if k["role"] == "host")
    client.delete(tenant.url(f"/api-keys/{host['id']}"), headers=tenant.auth())
    assert client.get(f"/ops/day?date={DAY}").headers["location"] == "/ops/sign-in"


def test_sign_out_forgets_the_key(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    response = client.post("/ops/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert any(
        c.startswith("maitred_ops_key=") and "Max-Age=0" in c
        for c in response.headers.get_list("set-cookie")
    )
    client.cookies.clear()
    assert client.get("/ops/day").status_code == 303


def test_posts_without_the_csrf_token_are_refused(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    booking = new_booking(client, tenant, 2)
    url = f"/ops/bookings/{booking['id']}/validate"
    form = {"date": DAY, "table_id": table_ids(client, tenant)["T1"]}
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data=form, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(url, data={**form, "csrf_token": token}).status_code == 200
    assert client.post(url, data=form, headers=htmx(token)).status_code == 200


def test_the_day_view_shows_zones_tables_bars_and_the_waiting_list(
    client: TestClient, tenant: Tenant
) -> None:
    ids = table_ids(client, tenant)
    seated = new_booking(client, tenant, 2, "19:00")
    waiting = new_booking(client, tenant, 4, "20:00")
    client.put(
        tenant.url(f"/bookings/{seated['id']}/tables"),
        headers=tenant.auth(),
        json={"table_ids": [ids["T1"]]},
    )
    sign_in(client, tenant)
    page = client.get(f"/ops/day?date={DAY}&service=dinner").text
    assert "Main" in page
    assert "Patio" in page
    assert page.count('class="row') == len(ids)
    assert 'class="bar assignment status-confirmed' in page
    assert f'data-booking="{waiting["id"]}"' in page
    assert "Waiting for a table" in page
    assert "17:00" in page  # the hour marks of dinner
    assert "21:00" in page


def test_an_unknown_service_is_named_and_the_whole_day_shown(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant)
    page = client.get(f"/ops/day?date={DAY}&service=breakfast")
    assert page.status_code == 200
    assert "No service named" in page.text


def test_manual_flow_check_hold_confirm(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    ids = table_ids(client, tenant)
    booking = new_booking(client, tenant, 4)
    bid = booking["id"]
    opened = client.get(f"/ops/day/selection?date={DAY}&booking={bid}", headers=htmx(token))
    version = int(re.search(r'data-context-version="(\d+)"', opened.text).group(1))  # type: ignore[union-attr]

    refused = client.post(
        f"/ops/bookings/{bid}/validate",
        data={"date": DAY, "table_id": [ids["T1"], ids["P1"]]},
        headers=htmx(token),
    )
    assert refused.status_code == 200
    assert "cannot seat the booking" in refused.text
    assert refused.text.count("<li>") >= 2  # every failed check, in words

    held = client.post(
        f"/ops/bookings/{bid}/hold",
        data={"date": DAY, "table_id": [ids["T1"], ids["T2"]], "context_version": version},
        headers=htmx(token),
    )
    assert held.status_code == 200, held.text
    assert "Held T1+T2" in held.text
    assert 'hx-swap-oob="true"' in held.text  # the board comes along
    hold_id = re.search(r"/ops/holds/([0-9a-f-]+)/confirm", held.text).group(1)  # type: ignore[union-attr]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', held.text).group(1)  # type: ignore[union-attr]
    version = int(re.search(r'data-context-version="(\d+)"', held.text).group(1))  # type: ignore[union-attr]

    form = {"date": DAY, "booking_id": bid, "idempotency_key": key, "context_version": version}
    confirmed = client.post(f"/ops/holds/{hold_id}/confirm", data=form, headers=htmx(token))
    assert confirmed.status_code == 200, confirmed.text
    assert "Confirmed at T1+T2" in confirmed.text
    assert ">confirmed<" in confirmed.text
    again = client.post(f"/ops/holds/{hold_id}/confirm", data=form, headers=htmx(token))
    assert "Confirmed at T1+T2" in again.text  # a double click replays the same answer
    api = client.get(tenant.url(f"/bookings/{bid}"), headers=tenant.auth()).json()
    assert [t["label"] for t in api["tables"]] == ["T1", "T2"]


def test_a_stale_selection_raises_the_banner_not_an_error(
    client: TestClient, tenant: Tenant
) -> None:
    token = sign_in(client, tenant)
    ids = table_ids(client, tenant)
    mine, theirs = new_booking(client, tenant, 2), new_booking(client, tenant, 2, "19:30")
    opened = client.get(f"/ops/day/selection?date={DAY}&booking={mine['id']}", headers=htmx(token))
    version = int(re.search(r'data-context-version="(\d+)"', opened.text).group(1))  # type: ignore[union-attr]
    client.post(
        tenant.url(f"/bookings/{theirs['id']}/holds"),
        headers=tenant.auth(Role.MANAGER),
        json={"table_ids": [ids["P1"]]},
    )
    stale = client.post(
        f"/ops/bookings/{mine['id']}/hold",
        data={"date": DAY, "table_id": [ids["T1"]], "context_version": version},
        headers=htmx(token),
    )
    assert stale.status_code == 409
    assert stale.headers["HX-Trigger"] == "staleContext"
    assert stale.headers["HX-Reswap"] == "none"


def test_a_taken_table_is_refused_in_words_with_alternatives(
    client: TestClient, tenant: Tenant
) -> None:
    token = sign_in(client, tenant)
    ids = table_ids(client, tenant)
    first, second = new_booking(client, tenant, 2), new_booking(client, tenant, 2, "19:15")
    client.put(
        tenant.url(f"/bookings/{first['id']}/tables"),
        headers=tenant.auth(),
        json={"table_ids": [ids["T1"]]},
    )
    refused = client.post(
        f"/ops/bookings/{second['id']}/hold",
        data={"date": DAY, "table_id": [ids["T1"]]},
        headers=htmx(token),
    )
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text
    assert "These would fit" in refused.text


def test_move_and_unassign(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    ids = table_ids(client, tenant)
    bid = new_booking(client, tenant, 2)["id"]
    form = {"date": DAY, "table_id": ids["T1"]}
    moved = client.post(f"/ops/bookings/{bid}/assign", data=form, headers=htmx(token))
    assert "Seated at T1" in moved.text
    form = {"date": DAY, "table_id": ids["P1"]}
    moved = client.post(f"/ops/bookings/{bid}/assign", data=form, headers=htmx(token))
    assert "Seated at P1" in moved.text
    freed = client.post(f"/ops/bookings/{bid}/unassign", data={"date": DAY}, headers=htmx(token))
    assert "the booking waits" in freed.text
    api = client.get(tenant.url(f"/bookings/{bid}"), headers=tenant.auth()).json()
    assert api["tables"] == []


def test_a_booking_from_the_stand_opens_ready_to_seat(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    created = client.post(
        "/ops/bookings",
        data={"date": DAY, "time": "19:45", "party_size": "3", "guest_name": "Ada"},
        headers=htmx(token),
    )
    assert created.status_code == 200, created.text
    assert "Booked a party of 3 at 19:45" in created.text
    assert "party of 3" in created.text
    closed = client.post(
        "/ops/bookings",
        data={"date": DAY, "time": "04:00", "party_size": "3"},
        headers=htmx(token),
    )
    assert closed.status_code == 422
    assert closed.headers["HX-Retarget"] == "#new-booking-result"


def test_auto_assign_previews_then_applies(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant)
    for time in ("18:00", "19:00", "20:00"):
        new_booking(client, tenant, 2, time)
    url = f"/ops/days/{DAY}/auto-assign"
    preview = client.post(url, data={"apply": "no"}, headers=htmx(token))
    assert "Would seat <strong>3</strong>" in preview.text
    listed = client.get(tenant.url(f"/days/{DAY}"), headers=tenant.auth()).json()
    assert len(listed["unassigned"]) == 3
    applied = client.post(url, data={"apply": "yes"}, headers=htmx(token))
    assert "Seated <strong>3</strong>" in applied.text
    assert "Every booking has a table." in applied.text


@pytest.mark.parametrize("name", ["htmx.min.js", "ops.js", "ops.css"])
def test_static_files_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/ops/static/{name}")
    assert response.status_code == 200
    assert len(response.content) > 1000


def test_unknown_static_files_are_not_found(client: TestClient) -> None:
    assert client.get("/ops/static/../app.py").status_code == 404
    assert client.get("/ops/static/secrets.txt").status_code == 404


def test_a_refused_action_is_shown_in_the_pages_alert_slot(
    client: TestClient, tenant: Tenant
) -> None:
    token = sign_in(client, tenant)
    answer = client.post(
        f"/ops/days/{DAY}/auto-assign", data={"strategy": "psychic"}, headers=htmx(token)
    )
    assert answer.status_code == 400
    assert answer.headers["HX-Retarget"] == "#banner"
    assert "Unknown strategy" in answer.text


def test_the_live_feed_reads_the_days_version_and_stops_for_a_revoked_key(
    client: TestClient, tenant: Tenant
) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    key, day = tenant.keys[Role.HOST], date.fromisoformat(DAY)
    before = day_version(db, tenant.id, key, day)
    assert before is not None
    booking = new_booking(client, tenant, 2)
    client.post(tenant.url(f"/bookings/{booking['id']}/quote"), headers=tenant.auth())
    after = day_version(db, tenant.id, key, day)
    assert after is not None
    assert after > before
    assert day_version(db, tenant.id, key, date(2026, 11, 28)) == 0  # another day: untouched
    keys = client.get(tenant.url("/api-keys"), headers=tenant.auth()).json()
    host = next(k for k in keys if k["role"] == "host")
    client.delete(tenant.url(f"/api-keys/{host['id']}"), headers=tenant.auth())
    assert day_version(db, tenant.id, key, day) is None
    events = [{"event_type": "hold.created", "aggregate_id": "h"}] * 2
    assert message(events, 9) == (
        'data: {"types": ["hold.created"], "aggregates": ["h", "h"], "context_version": 9}\n\n'
    )


def test_another_site_cannot_sign_the_host_in_or_frame_the_screen(
    client: TestClient, tenant: Tenant
) -> None:
    forged = client.post(
        "/ops/sign-in",
        data={"key": tenant.keys[Role.HOST]},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403
    assert "set-cookie" not in forged.headers
    page = client.get("/ops/sign-in")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
