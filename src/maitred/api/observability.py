"""Request ids, structured JSON logs and request metrics."""

from __future__ import annotations

import logging
import sys
import time
import uuid

import structlog
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maitred.api import metrics

REQUEST_ID_HEADER = "X-Request-ID"


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr; every line of a request carries its request id."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def _route(scope: Scope) -> str:
    """The route's template (`/v1/restaurants/{rid}/bookings`), never the raw path, so metrics
    do not grow a series per id."""
    return str(getattr(scope.get("route"), "path", "unmatched"))


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if 0 < len(given) <= 64 and given.isprintable():
                return given
    return uuid.uuid4().hex


class Observe:
    """Pure ASGI middleware: a request id on the response and on every log line, the request's
    latency in the route's histogram, one JSON log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger("maitred.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            method = scope.get("method", "")
            metrics.REQUEST_SECONDS.labels(method, route, str(status)).observe(elapsed)
            self.log.info(
                "request", method=method, route=route, status=status, ms=round(elapsed * 1000, 2)
            )


def install(app: FastAPI) -> None:
    app.add_middleware(Observe)
