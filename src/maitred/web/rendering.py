"""Templates and the responses built from them."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from maitred.domain.errors import MaitredError
from maitred.web.board import clock, countdown

environment = Environment(
    loader=PackageLoader("maitred.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["clock"] = clock
environment.filters["countdown"] = countdown

# The screen is never framed by another site (clickjacking) and never cached by a proxy.
PAGE_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS | (headers or {}))


def problem(error: MaitredError) -> dict[str, Any]:
    """A domain error for people: its sentence, and every failed check's sentence."""
    checks = error.details.get("checks") or []
    lines = [str(check["message"]) for check in checks if check.get("message")]
    alternatives = [
        "+".join(plan.get("tables", [])) for plan in error.details.get("alternatives") or []
    ]
    return {
        "code": error.code,
        "message": error.message,
        "checks": [line for line in lines if line != error.message] if len(lines) == 1 else lines,
        "alternatives": [a for a in alternatives if a],
    }
