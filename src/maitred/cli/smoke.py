"""`maitred smoke`: a deployment check against a running server.

Create a booking, quote it, confirm the hold, replay the confirm, cancel; each step with its
latency. Cleans up after itself (the booking is cancelled whatever happened) and exits non-zero
on any failure.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from maitred.cli.runtime import console, errors

SEARCH_DAYS = 14


class SmokeFailed(Exception):
    """A step answered something other than what a healthy deployment answers."""


@dataclass
class Smoke:
    client: httpx.Client
    steps: list[tuple[str, int, float, str]] = field(default_factory=list)
    base: str = ""
    booking_id: str | None = None  # set as soon as the booking exists, for the clean-up

    def call(self, step: str, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        started = time.perf_counter()
        response = self.client.request(method, path, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json() if response.content else None
        note = "" if response.status_code == expect else str(body)[:120]
        self.steps.append((step, response.status_code, elapsed, note))
        if response.status_code != expect:
            raise SmokeFailed(f"{step}: expected {expect}, got {response.status_code}")
        return body

    def report(self) -> Table:
        table = Table("step", "status", "ms", "note", title="maitred smoke")
        for step, status, elapsed, note in self.steps:
            table.add_row(step, str(status), f"{elapsed:.1f}", note)
        return table


def _slot(smoke: Smoke, party: int, start: date) -> tuple[date, str]:
    for offset in range(SEARCH_DAYS):
        day = start + timedelta(days=offset)
        found = smoke.call(
            "availability",
            "GET",
            f"{smoke.base}/availability",
            200,
            params={"date": day.isoformat(), "party_size": party},
        )
        if found["times"]:
            return day, found["times"][len(found["times"]) // 2]
    raise SmokeFailed(f"no free table for {party} in the next {SEARCH_DAYS} days")


def _flow(smoke: Smoke, party: int, start: date) -> None:
    """The booking flow, up to the replayed confirm."""
    who = smoke.call("whoami", "GET", "/v1/whoami", 200)
    smoke.base = f"/v1/restaurants/{who['restaurant_id']}"
    day, at = _slot(smoke, party, start)
    booking = smoke.call(
        "create booking",
        "POST",
        f"{smoke.base}/bookings",
        201,
        json={
            "party_size": party,
            "date": day.isoformat(),
            "time": at,
            "ref": f"smoke-{uuid.uuid4()}",
        },
    )
    smoke.booking_id = str(booking["id"])
    quote = smoke.call("quote", "POST", f"{smoke.base}/bookings/{booking['id']}/quote", 200)
    if quote["hold"] is None:
        raise SmokeFailed(f"quote held nothing: {quote['reason']}")
    headers = {"Idempotency-Key": f"smoke-{uuid.uuid4()}"}
    url = f"{smoke.base}/holds/{quote['hold']['id']}/confirm"
    first = smoke.call("confirm", "POST", url, 200, headers=headers)
    replay = smoke.call("replay confirm", "POST", url, 200, headers=headers)
    if replay != first:
        raise SmokeFailed("the replayed confirm answered differently")


def smoke_command(
    url: Annotated[str, typer.Option("--url", help="The server, e.g. http://127.0.0.1:8000")],
    key: Annotated[str, typer.Option("--key", help="An API key of role host or above.")],
    party: Annotated[int, typer.Option("--party", min=1, help="Party size to book.")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per request.")] = 10.0,
) -> None:
    """Book, quote, confirm, replay and cancel against a running server."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=timeout) as client:
        smoke = Smoke(client)
        failure: Exception | None = None
        try:
            _flow(smoke, party, date.today() + timedelta(days=1))
        except (SmokeFailed, httpx.HTTPError, ValueError, KeyError) as exc:
            failure = exc
        if smoke.booking_id is not None:
            try:
                smoke.call(
                    "cancel", "POST", f"{smoke.base}/bookings/{smoke.booking_id}/cancel", 200
                )
            except (SmokeFailed, httpx.HTTPError) as exc:
                failure = failure or exc
    console.print(smoke.report())
    if failure is not None:
        errors.print(f"[bold red]smoke failed[/]: {failure}")
        raise typer.Exit(code=1)
    console.print("[bold green]smoke passed[/]")
