"""The host's screen in a real browser: sign in, seat a booking by hand from creation to
confirmed, see another client's hold turn the open selection stale, auto-assign the day."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from e2e.scene import DESKTOP, FRIDAY, TABLET, Restaurant, Shot, sign_in
from maitred.domain.api_keys import Role


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser tab, closed before the server stops (its event stream would hold the
    server's graceful shutdown open)."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def pick_state(page: Any, label: str) -> str:
    """The state the open booking's table list gives a table ("free", "held", …)."""
    return str(page.locator("label.pick", has=page.get_by_text(label, exact=True)).inner_text())


def test_sign_in_refuses_bad_keys_and_opens_the_day(
    page: Any, server: str, restaurant: Restaurant, shot: Shot
) -> None:
    page.goto(f"{server}/ops/day")
    expect(page).to_have_url(re.compile(r"/ops/sign-in$"))
    page.get_by_label("API key").fill("mtd_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    shot(page, "bad-key")
    page.get_by_label("API key").fill(restaurant.keys[Role.ONLINE])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("booking widget")

    page.get_by_label("API key").fill(restaurant.keys[Role.HOST])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Corner House")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "maitred_ops_key")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/ops"
    assert page.evaluate("document.cookie") == ""  # nothing the page's scripts can read
    expect(page.locator("#live")).to_have_text("live")
    shot(page, "signed-in")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ops/sign-in$"))
    page.goto(f"{server}/ops/day")
    expect(page).to_have_url(re.compile(r"/ops/sign-in$"))


def free_table(page: Any, seats: int) -> str:
    """The id of a table the open booking's list shows free, with these seats."""
    seats_text = re.compile(rf"^{seats}$")
    pick = page.locator("label.pick.state-free").filter(
        has=page.locator(".seats", has_text=seats_text)
    )
    return str(pick.first.locator("input").get_attribute("value"))


def test_manual_flow_from_a_booking_at_the_stand_to_confirmed(
    page: Any, server: str, busy_friday: Restaurant, shot: Shot
) -> None:
    owner = busy_friday.auth()
    url = f"{server}{busy_friday.url(f'/days/{FRIDAY}/auto-assign')}"
    assert httpx.post(url, headers=owner, json={}, timeout=30).status_code == 200
    sign_in(page, server, busy_friday.keys[Role.HOST], f"date={FRIDAY}&service=dinner")
    panel = page.locator("#selection")

    page.get_by_text("New booking", exact=True).click()
    form = page.get_by_role("form", name="New booking")
    form.get_by_label("Party size").fill("4")
    form.get_by_label("Time").fill("21:45")
    form.get_by_label("Name").fill("Ada Lovelace")
    form.get_by_label("Reference").fill("STAND-1")
    form.get_by_role("button", name="Create booking").click()
    expect(panel.get_by_role("status")).to_have_text("Booked STAND-1 of 4 at 21:45.")
    expect(panel.locator("#booking-status")).to_have_text("pending")
    expect(panel.get_by_role("status")).to_be_focused()  # what happened, read out first
    shot(page, "booking-from-the-stand")

    two_top = free_table(page, 2)
    page.locator(f'#timeline .row[data-table="{two_top}"] .head').click()  # pick on the timeline
    expect(page.locator(f"#pick-{two_top}")).to_be_checked()
    expect(page.locator(f'#timeline .row[data-table="{two_top}"]')).to_have_class(
        re.compile("picked")
    )
    panel.get_by_role("button", name="Check").click()
    problem = panel.get_by_role("alert")
    expect(problem).to_contain_text("cannot seat the booking")
    expect(problem.locator("li").first).to_contain_text("seat")
    shot(page, "checks-in-words")

    page.locator(f'#timeline .row[data-table="{two_top}"] .head').click()
    expect(page.locator(f"#pick-{two_top}")).not_to_be_checked()
    four_top = free_table(page, 4)
    page.locator(f"#pick-{four_top}").check()  # or in the list
    panel.get_by_role("button", name="Check").click()
    expect(panel.get_by_role("status")).to_contain_text("Every check passes")
    panel.get_by_role("button", name="Hold").click()
    expect(panel.get_by_role("status")).to_contain_text("Held")
    booking_id = panel.get_attribute("data-booking")
    hold_bar = page.locator(f'#timeline .bar.hold[data-booking="{booking_id}"]')
    expect(hold_bar).to_be_visible()
    expect(hold_bar.locator(".countdown")).to_have_text(re.compile(r"^[0-3]:\d\d$"))
    expect(panel.locator(".state-box.held .countdown")).to_have_text(re.compile(r"^[0-3]:\d\d$"))
    shot(page, "held")

    panel.get_by_role("button", name="Confirm").click()
    expect(panel.get_by_role("status")).to_contain_text("Confirmed at")
    expect(panel.locator("#booking-status")).to_have_text("confirmed")
    bar = page.locator(f'#timeline .bar.assignment[data-booking="{booking_id}"]')
    expect(bar).to_have_count(1)
    expect(bar).to_contain_text("STAND-1")
    expect(page.locator(f'#waiting [data-booking="{booking_id}"]')).to_have_count(0)
    shot(page, "confirmed")

    other_four = free_table(page, 4)
    page.locator(f"#pick-{four_top}").uncheck()
    page.locator(f"#pick-{other_four}").check()
    panel.get_by_role("button", name="Move here").click()
    expect(panel.get_by_role("status")).to_contain_text("Seated at")
    moved = page.locator(f'#timeline .row[data-table="{other_four}"] [data-booking="{booking_id}"]')
    expect(moved).to_contain_text("STAND-1")
    panel.get_by_role("button", name="Unassign").click()
    expect(panel.get_by_role("status")).to_have_text("Unassigned; the booking waits.")
    expect(page.locator(f'#waiting [data-booking="{booking_id}"]')).to_have_count(1)


def test_another_clients_hold_on_the_same_table_raises_the_banner(
    page: Any, browser: Any, server: str, restaurant: Restaurant, shot: Shot
) -> None:
    refs = []
    for ref in ("MINE", "THEIRS"):
        created = httpx.post(
            f"{server}{restaurant.url('/bookings')}",
            headers=restaurant.auth(),
            json={"party_size": 2, "date": FRIDAY, "time": "20:00", "ref": ref},
        )
        assert created.status_code == 201
        refs.append(created.json()["id"])
    mine, theirs = refs
    sign_in(page, server, restaurant.keys[Role.HOST])
    page.locator(f'#waiting [data-booking="{mine}"]').focus()
    page.keyboard.press("Enter")  # the keyboard opens a booking
    expect(page.locator("#selection-title")).to_be_focused()
    table = page.locator("label.pick", has=page.get_by_text("M1", exact=True))
    table.locator("input").focus()
    page.keyboard.press("Space")
    expect(table.locator("input")).to_be_checked()

    second = browser.new_context(viewport=DESKTOP)
    try:
        other = second.new_page()
        sign_in(other, server, restaurant.keys[Role.MANAGER])
        other.locator(f'#waiting [data-booking="{theirs}"]').click()
        other.locator("label.pick", has=other.get_by_text("M1", exact=True)).click()
        other.locator("#selection").get_by_role("button", name="Hold").click()
        expect(other.locator("#selection").get_by_role("status")).to_contain_text("Held M1")
    finally:
        second.close()

    banner = page.locator("#banner")
    expect(banner).to_contain_text("This changed — refresh")
    shot(page, "stale-banner")
    page.locator("#selection").get_by_role("button", name="Hold").click()  # anyway
    expect(banner).to_contain_text("This changed — refresh")
    expect(page.locator("#selection .problem")).to_have_count(0)  # the banner, not an error

    banner.get_by_role("button", name="Refresh").click()
    expect(banner).to_be_empty()
    expect(table).to_contain_text("held")
    expect(table.locator("input")).to_be_checked()  # the host's selection survives
    page.locator("#selection").get_by_role("button", name="Check").click()
    expect(page.locator("#selection").get_by_role("alert")).to_contain_text("M1")
    shot(page, "refreshed")


def test_auto_assign_previews_then_fills_the_timeline(
    page: Any, server: str, busy_friday: Restaurant, shot: Shot
) -> None:
    sign_in(page, server, busy_friday.keys[Role.HOST], f"date={FRIDAY}&service=dinner")
    waiting = page.locator("#waiting")
    timeline = httpx.get(
        f"{server}{busy_friday.url(f'/days/{FRIDAY}')}", headers=busy_friday.auth()
    ).json()
    unassigned = len(timeline["unassigned"])
    assert unassigned > 100
    expect(waiting.locator("h2")).to_contain_text(f"{unassigned} bookings")
    expect(page.locator("#timeline .bar.assignment")).to_have_count(4)  # B7+B8 is one booking
    shot(page, "before")

    page.get_by_role("button", name="Auto-assign…").click()
    report = page.locator("#report")
    expect(report.locator("#report-title")).to_contain_text("Auto-assign preview")
    expect(report).to_contain_text("nothing is written yet")
    expect(page.locator("#timeline .bar.assignment")).to_have_count(4)
    shot(page, "preview")

    report.get_by_role("button", name=re.compile(r"^Apply: seat \d+$")).click()
    expect(report.locator("#report-title")).to_contain_text("Auto-assign done")
    seated = int(report.locator(".summary strong").inner_text())
    assert seated > 50
    groups = page.evaluate(
        "new Set([...document.querySelectorAll('#timeline .bar.assignment')]"
        ".map(b => b.dataset.booking)).size"
    )
    assert groups == seated + 3
    expect(waiting.locator("h2")).to_contain_text(f"{unassigned - seated} bookings")
    report.get_by_role("button", name="Dismiss").click()
    shot(page, "applied")

    page.set_viewport_size(TABLET)
    page.reload()
    page.locator("body[data-live=yes]").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the tablet view scrolls sideways"
    expect(page.locator("#timeline")).to_be_visible()
    expect(waiting).to_be_in_viewport()
    shot(page, "tablet")
