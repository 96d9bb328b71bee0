"""The error contract (DESIGN §5): one table from stable codes to HTTP statuses, and the
handlers that turn every failure into `{"error", "code", "details"}`.

No PostgreSQL text, constraint name or stack trace ever reaches a body: a domain error carries
only what its code promises, and anything unexpected becomes a 500 with a request id alone.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from maitred.api import metrics
from maitred.domain.errors import MaitredError, path_text

STATUS: dict[str, int] = {
    "INVALID_REQUEST": 400,
    "IDEMPOTENCY_KEY_MISSING": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "HOLD_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "TABLE_CONFLICT": 409,
    "HOLD_EXPIRED": 409,
    "HOLD_ALREADY_EXTENDED": 409,
    "STALE_CONTEXT": 409,
    "IDEMPOTENCY_KEY_IN_USE": 409,
    "BOOKING_NOT_ASSIGNABLE": 409,
    "BOOKING_STATE_INVALID": 409,
    "ZONE_NOT_EMPTY": 409,
    "TABLE_IN_USE": 409,
    "CAPACITY_INSUFFICIENT": 422,
    "SLACK_BUDGET_EXCEEDED": 422,
    "ADJACENCY_REQUIRED": 422,
    "ZONE_MISMATCH": 422,
    "TOO_MANY_TABLES": 422,
    "TABLE_INACTIVE": 422,
    "PARTY_SIZE_OUT_OF_RANGE": 422,
    "NOT_MERGEABLE": 422,
    "OUTSIDE_SERVICE_HOURS": 422,
    "HOLD_BOOKING_MISMATCH": 422,
    "POLICY_DRIFT": 422,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "RATE_LIMITED": 429,
    "DATABASE_UNAVAILABLE": 503,
    "INTERNAL": 500,
}

# Fields the server owns: a request that tries to set one is refused, never silently ignored.
SERVER_OWNED = frozenset(
    {
        "id",
        "restaurant_id",
        "booking_id",
        "hold_id",
        "expires_at",
        "created_at",
        "updated_at",
        "version",
        "venue_version",
        "tables",
        "service",
        "service_date",
        "start",
        "end",
    }
)

log = structlog.get_logger("maitred.api")


def status_of(code: str) -> int:
    return STATUS.get(code, 500)


def error_response(
    code: str,
    message: str,
    details: dict[str, Any],
    status: int,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": message, "code": code, "details": jsonable_encoder(details)}
    return JSONResponse(body, status_code=status, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MaitredError)
    status = status_of(exc.code)
    headers = None
    if exc.code == "RATE_LIMITED":
        headers = {"Retry-After": str(int(exc.details.get("retry_after_seconds", 1)))}
    if status >= 409:
        metrics.CONFLICTS.labels(code=exc.code).inc()
    if status >= 500:
        log.warning("request_failed", code=exc.code)
    return error_response(exc.code, exc.message, exc.details, status, headers)


def _field_problem(error: dict[str, Any]) -> dict[str, Any]:
    location = [part for part in error.get("loc", ()) if part != "body"]
    field = str(location[-1]) if location else ""
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        message = (
            "is set by the server and cannot be sent"
            if field in SERVER_OWNED
            else "is not a field of this request"
        )
    return {"path": path_text(location), "message": message, "type": error.get("type")}


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_field_problem(dict(error)) for error in exc.errors()]
    message = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:3])
    return error_response(
        "INVALID_REQUEST", f"The request is invalid ({message}).", {"problems": problems}, 400
    )


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response("NOT_FOUND", "Not found.", {}, 404)
    if exc.status_code == 405:
        return error_response("METHOD_NOT_ALLOWED", "Method not allowed.", {}, 405)
    code = "INVALID_REQUEST" if exc.status_code < 500 else "INTERNAL"
    return error_response(code, str(exc.detail), {}, exc.status_code)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.error("unhandled_error", error_type=type(exc).__name__, request_id=request_id, exc_info=exc)
    headers = {"X-Request-ID": request_id} if request_id else None
    return error_response("INTERNAL", "Internal error.", {"request_id": request_id}, 500, headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(MaitredError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
