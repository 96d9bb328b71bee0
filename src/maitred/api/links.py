"""OpenAPI links: which answer feeds which next call.

A booking's id leads to reading, changing, quoting and cancelling it; a quote's hold leads to
extending, releasing and confirming it; a confirmation leads back to the booking and its tables;
a new zone, table, block, webhook or key leads to its own update and delete. Clients and API
tools (schemathesis follows them in stateful runs) read them from `/openapi.json`.

Operations are named here as `METHOD /path` under `/v1/restaurants/{rid}` (as in DESIGN §6a)
and resolved to the generated operationIds when the schema is built, so a link never names a
stale operationId.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from maitred.api.routers import PREFIX


@dataclass(frozen=True)
class Link:
    """After `source` succeeds, `target` may be called with values taken from the exchange.

    `parameters` maps a target parameter (`path.bid`, `query.date`, ...) to a runtime
    expression; `body` holds the fields of the target's request body to fill the same way.
    """

    source: str
    target: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None


def _fan(
    source: str,
    targets: Iterable[str],
    parameters: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> list[Link]:
    return [Link(source, target, parameters or {}, body) for target in targets]


ID = "$response.body#/id"
SAME_BOOKING = {"path.bid": "$request.path.bid"}
SERVICE_DATE = "$response.body#/service_date"
CONFIRMED_BOOKING = "$response.body#/booking/id"
BOOKING_OPERATIONS = (
    "GET /bookings/{bid}",
    "PATCH /bookings/{bid}",
    "POST /bookings/{bid}/cancel",
    "GET /bookings/{bid}/tables",
    "POST /bookings/{bid}/quote",
    "GET /bookings/{bid}/context",
    "DELETE /bookings/{bid}/tables",
)
HOLD_OPERATIONS = ("PATCH /holds/{hid}", "DELETE /holds/{hid}")

LINKS: tuple[Link, ...] = (
    # A booking just created: everything that can be done to it, and its day.
    *_fan("POST /bookings", BOOKING_OPERATIONS, {"path.bid": ID}),
    *_fan(
        "POST /bookings",
        ("GET /days/{date}", "POST /days/{date}/auto-assign"),
        {"path.date": SERVICE_DATE},
    ),
    Link("POST /bookings", "GET /bookings", {"query.date": SERVICE_DATE}),
    Link("POST /bookings", "GET /webhooks/events"),  # the event the booking recorded
    Link(
        "POST /bookings",
        "GET /availability",
        {"query.date": SERVICE_DATE, "query.party_size": "$response.body#/party_size"},
    ),
    # A quote: its hold, and its best plan checked, held or assigned by hand instead.
    *_fan("POST /bookings/{bid}/quote", HOLD_OPERATIONS, {"path.hid": "$response.body#/hold/id"}),
    Link(
        "POST /bookings/{bid}/quote",
        "POST /holds/{hid}/confirm",
        {"path.hid": "$response.body#/hold/id"},
        {"booking_id": "$request.path.bid"},
    ),
    *_fan(
        "POST /bookings/{bid}/quote",
        (
            "POST /bookings/{bid}/validate",
            "POST /bookings/{bid}/holds",
            "PUT /bookings/{bid}/tables",
        ),
        SAME_BOOKING,
        {"table_ids": "$response.body#/plans/0/table_ids"},
    ),
    # The manual context: one of its tables checked, held or assigned at its version.
    Link(
        "GET /bookings/{bid}/context",
        "POST /bookings/{bid}/validate",
        SAME_BOOKING,
        {"table_ids": ["$response.body#/tables/0/id"]},
    ),
    *_fan(
        "GET /bookings/{bid}/context",
        ("POST /bookings/{bid}/holds", "PUT /bookings/{bid}/tables"),
        SAME_BOOKING,
        {
            "table_ids": ["$response.body#/tables/0/id"],
            "context_version": "$response.body#/context_version",
        },
    ),
    # A manual hold.
    *_fan("POST /bookings/{bid}/holds", HOLD_OPERATIONS, {"path.hid": ID}),
    Link(
        "POST /bookings/{bid}/holds",
        "POST /holds/{hid}/confirm",
        {"path.hid": ID},
        {"booking_id": "$response.body#/booking_id"},
    ),
    # A confirmation: the booking it seated, and the same confirm sent again with its key.
    *_fan(
        "POST /holds/{hid}/confirm",
        (*BOOKING_OPERATIONS[:4], "DELETE /bookings/{bid}/tables"),
        {"path.bid": CONFIRMED_BOOKING},
    ),
    Link(
        "POST /holds/{hid}/confirm",
        "DELETE /bookings/{bid}/tables/{tid}",
        {"path.bid": CONFIRMED_BOOKING, "path.tid": "$response.body#/tables/0/id"},
    ),
    Link(
        "POST /holds/{hid}/confirm",
        "POST /holds/{hid}/confirm",
        {
            "path.hid": "$request.path.hid",
            "header.Idempotency-Key": "$request.header.Idempotency-Key",
        },
        {"booking_id": "$request.body#/booking_id"},
    ),
    # Tables assigned directly.
    Link(
        "PUT /bookings/{bid}/tables",
        "DELETE /bookings/{bid}/tables/{tid}",
        {"path.bid": ID, "path.tid": "$response.body#/tables/0/id"},
    ),
    # Venue: zones, tables, adjacency and blocks.
    *_fan("POST /zones", ("PATCH /zones/{zid}", "DELETE /zones/{zid}"), {"path.zid": ID}),
    Link("POST /zones", "GET /zones"),
    Link("POST /zones", "POST /tables", body={"zone_id": ID}),
    Link("GET /zones", "POST /tables", body={"zone_id": "$response.body#/0/id"}),
    *_fan(
        "POST /tables",
        ("GET /tables/{tid}", "PATCH /tables/{tid}", "DELETE /tables/{tid}"),
        {"path.tid": ID},
    ),
    Link("POST /tables", "GET /tables"),
    Link("GET /tables", "GET /tables/{tid}", {"path.tid": "$response.body#/0/id"}),
    Link(
        "GET /tables",
        "POST /adjacency",
        body={"table_a": "$response.body#/0/id", "table_b": "$response.body#/2/id"},
    ),
    Link(
        "POST /adjacency",
        "DELETE /adjacency/{tid}/{other_tid}",
        {"path.tid": "$response.body#/table_a", "path.other_tid": "$response.body#/table_b"},
    ),
    Link("GET /tables", "POST /blocks", body={"table_ids": ["$response.body#/0/id"]}),
    Link("POST /blocks", "DELETE /blocks/{block_id}", {"path.block_id": ID}),
    # Webhooks, their events, and API keys.
    Link("POST /webhooks", "DELETE /webhooks/{wid}", {"path.wid": ID}),
    Link("POST /webhooks", "GET /webhooks"),
    Link(
        "GET /webhooks/events",
        "POST /webhooks/events/{eid}/redeliver",
        {"path.eid": "$response.body#/0/id"},
    ),
    Link("POST /api-keys", "DELETE /api-keys/{kid}", {"path.kid": ID}),
)


def operation(schema: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The operation `METHOD /path` (under the restaurant prefix) of an OpenAPI schema."""
    method, path = name.split(" ", 1)
    found: dict[str, Any] = schema["paths"][PREFIX + path][method.lower()]
    return found


def success_status(target: Mapping[str, Any]) -> str:
    """The status code of an operation's success answer (the first 2xx it documents)."""
    codes: list[str] = list(target["responses"])
    return next(code for code in codes if code.startswith("2"))


def embedded(value: Any) -> Any:
    """A request body value with its runtime expressions embedded as `{$...}`, as OpenAPI
    wants them inside a literal body (parameters take bare expressions)."""
    if isinstance(value, str) and value.startswith("$"):
        return "{" + value + "}"
    if isinstance(value, list):
        return [embedded(item) for item in value]
    return value


def definition(link: Link, target: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI Link Object of one link."""
    result: dict[str, Any] = {"operationId": target["operationId"]}
    if link.parameters:
        result["parameters"] = dict(link.parameters)
    if link.body is not None:
        result["requestBody"] = {name: embedded(v) for name, v in link.body.items()}
    return result


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """Add every link of `LINKS` to the success answer of its source operation in `schema`.

    A link is named by its target's operationId; adding them again changes nothing."""
    for link in LINKS:
        source, target = operation(schema, link.source), operation(schema, link.target)
        answer = source["responses"][success_status(source)]
        answer.setdefault("links", {})[target["operationId"]] = definition(link, target)
    return schema


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI schema with the links."""
    build = app.openapi  # FastAPI's own: builds the schema once and caches it

    def openapi() -> dict[str, Any]:
        return add_links(build())

    app.openapi = openapi  # type: ignore[method-assign]
