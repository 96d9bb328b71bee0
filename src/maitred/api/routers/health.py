"""Health, readiness and metrics, outside the tenant prefix and without a key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from maitred.api import metrics
from maitred.api.auth import DB
from maitred.db.migrate import schema_is_current
from maitred.domain.errors import MaitredError

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready."}})
def readyz(db: DB) -> JSONResponse:
    """The database answers and its schema is at this code's revision."""
    try:
        with db.transaction() as conn:
            current = schema_is_current(conn)
    except MaitredError:
        return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
    if not current:
        return JSONResponse({"status": "migrations pending", "database": True}, status_code=503)
    return JSONResponse({"status": "ready", "database": True})


@router.get("/metrics", response_class=Response)
def prometheus() -> Response:
    """Prometheus metrics (of every worker process when several serve together)."""
    return Response(generate_latest(metrics.registry_to_expose()), media_type=CONTENT_TYPE_LATEST)
