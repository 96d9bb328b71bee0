"""Routers by area, all under /v1/restaurants/{rid}."""

from __future__ import annotations

from typing import Any

from maitred.api.schemas import ErrorBody

PREFIX = "/v1/restaurants/{rid}"

_DESCRIPTIONS = {
    400: "Invalid request (`INVALID_REQUEST`, `IDEMPOTENCY_KEY_MISSING`).",
    401: "No valid API key.",
    403: "The key's role may not do this.",
    404: "Not found (also another restaurant's ids).",
    409: "Conflict with the current state.",
    422: "Refused by a seating rule or the policy.",
    429: "Rate limited; see `Retry-After`.",
    503: "The database is unavailable; retry.",
}

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}
