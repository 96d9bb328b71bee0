"""Webhook subscriptions, event delivery status and redelivery, and the live event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from maitred.api.auth import DB, Caller, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import CreatedWebhook, OutboxEvent, Webhook, WebhookCreate
from maitred.services import webhooks

router = APIRouter(prefix=PREFIX, tags=["webhooks and events"], responses=ERRORS)

Manager = Annotated[Caller, Depends(allow(Permission.WEBHOOKS))]
KEEPALIVE_SECONDS = 15.0


@router.get("/webhooks", response_model=list[Webhook])
def list_webhooks(db: DB, caller: Manager) -> list[dict[str, Any]]:
    return webhooks.list_subscriptions(db, caller.restaurant_id)


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, response_model=CreatedWebhook)
def create_webhook(body: WebhookCreate, db: DB, caller: Manager) -> dict[str, Any]:
    """Subscribe a URL to event types (all when empty). Deliveries are signed with the secret
    in this answer: header `Maitred-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
    "{t}.{event id}.{body}">`; dedupe on `Maitred-Event-Id`."""
    return webhooks.create_subscription(
        db, caller.restaurant_id, body.url, body.event_types, body.secret
    )


@router.delete("/webhooks/{wid}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(wid: UUID, db: DB, caller: Manager) -> Response:
    webhooks.delete_subscription(db, caller.restaurant_id, wid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/events", response_model=list[OutboxEvent])
def list_events(
    db: DB,
    caller: Manager,
    event_status: Annotated[
        Literal["pending", "delivered", "dead"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The restaurant's events, newest first, with how their delivery went."""
    return webhooks.list_events(db, caller.restaurant_id, event_status, limit)


@router.post(
    "/webhooks/events/{eid}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=dict[str, str],
)
def redeliver(eid: UUID, db: DB, caller: Manager) -> dict[str, str]:
    """Queue an event (a dead one included) for delivery again."""
    webhooks.redeliver(db, caller.restaurant_id, eid)
    return {"status": "queued"}


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    request: Request, caller: Annotated[Caller, Depends(allow(Permission.EVENTS))]
) -> StreamingResponse:
    """Server-sent events of this restaurant's holds, assignments, bookings and venue changes
    (`id`, `event`, `data: {event_id, event_type, aggregate_id}`), as they commit."""
    hub = request.app.state.events
    queue = hub.subscribe(caller.restaurant_id)

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                data = {k: event[k] for k in ("event_id", "event_type", "aggregate_id")}
                yield (
                    f"id: {event['event_id']}\nevent: {event['event_type']}\n"
                    f"data: {json.dumps(data)}\n\n"
                )
        finally:
            hub.unsubscribe(caller.restaurant_id, queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
