"""The screen's live feed: the restaurant's events relayed as server-sent events, each with the
shown day's context version, so the page can tell whether its open selection went stale.

The key is checked again for every batch of events and every keep-alive: a revoked key ends
the stream. A burst of events (an auto-assign writes one per booking) is relayed as one message
with the version read once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date as Date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from maitred.api.permissions import Permission
from maitred.db.database import Database
from maitred.domain.errors import Forbidden, Unauthenticated
from maitred.services.holds import require_context
from maitred.web.routing import OpsRoute
from maitred.web.session import DB, KEY_COOKIE, Session, staff_principal

router = APIRouter(route_class=OpsRoute, include_in_schema=False)

KEEPALIVE_SECONDS = 15.0
BURST_SECONDS = 0.15
BURST_MAX = 500


def day_version(db: Database, restaurant_id: UUID, key: str, service_date: Date) -> int | None:
    """The day's context version now, or None when the key no longer opens the screen."""
    try:
        staff_principal(db, key)
    except (Unauthenticated, Forbidden):
        return None
    with db.tenant(restaurant_id) as conn:
        return require_context(conn, restaurant_id, {"service_date": service_date}, None)


async def _burst(queue: asyncio.Queue[Any], first: dict[str, Any]) -> list[dict[str, Any]]:
    """The first event and whatever follows within a moment."""
    events = [first]
    loop = asyncio.get_running_loop()
    until = loop.time() + BURST_SECONDS
    while len(events) < BURST_MAX and (left := until - loop.time()) > 0:
        try:
            events.append(await asyncio.wait_for(queue.get(), left))
        except TimeoutError:
            break
    return events


def message(events: list[dict[str, Any]], version: int) -> str:
    data = {
        "types": sorted({str(e.get("event_type")) for e in events}),
        "aggregates": [str(e.get("aggregate_id")) for e in events],
        "context_version": version,
    }
    return f"data: {json.dumps(data)}\n\n"


@router.get("/events")
async def events(
    request: Request,
    db: DB,
    session: Session,
    date: Annotated[Date, Query(description="The day the screen shows.")],
) -> StreamingResponse:
    """Server-sent events: `{types, aggregates, context_version}` per burst of changes."""
    session.require(Permission.EVENTS)
    key = request.cookies[KEY_COOKIE]
    rid = session.restaurant_id
    hub = request.app.state.events
    queue = hub.subscribe(rid)

    async def stream() -> AsyncIterator[str]:
        try:
            version = await run_in_threadpool(day_version, db, rid, key, date)
            yield f"retry: 2000\ndata: {json.dumps({'context_version': version})}\n\n"
            while not await request.is_disconnected():
                try:
                    first = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    if await run_in_threadpool(day_version, db, rid, key, date) is None:
                        return
                    yield ": keep-alive\n\n"
                    continue
                burst = await _burst(queue, first)
                version = await run_in_threadpool(day_version, db, rid, key, date)
                if version is None:
                    return
                yield message(burst, version)
        finally:
            hub.unsubscribe(rid, queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
