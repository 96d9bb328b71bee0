"""The host's screen at /ops: server-rendered pages over the same services as the API."""

from __future__ import annotations

from fastapi import APIRouter

from maitred.web import actions, live, pages

router = APIRouter(prefix="/ops", include_in_schema=False)
router.include_router(pages.router)
router.include_router(actions.router)
router.include_router(live.router)

__all__ = ["router"]
