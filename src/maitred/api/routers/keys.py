"""API keys: create (shown once), list, revoke. Owner keys only."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from maitred.api.auth import DB, Caller, allow
from maitred.api.permissions import Permission
from maitred.api.routers import ERRORS, PREFIX
from maitred.api.schemas import ApiKey, CreatedKey, KeyCreate
from maitred.services import api_keys

router = APIRouter(prefix=PREFIX, tags=["api keys"], responses=ERRORS)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["key_id"]),
        "prefix": row["prefix"],
        "role": row["role"],
        "name": row["name"],
        "created_at": row["created_at"].isoformat(),
        "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=CreatedKey)
def create_key(
    body: KeyCreate, db: DB, caller: Annotated[Caller, Depends(allow(Permission.KEYS))]
) -> dict[str, Any]:
    created = api_keys.create_key(db, caller.restaurant_id, body.role, body.name)
    rows = api_keys.list_keys(db, caller.restaurant_id)
    row = next(r for r in rows if r["key_id"] == created.key_id)
    return {**_view(row), "key": created.plaintext}


@router.get("/api-keys", response_model=list[ApiKey])
def list_keys(
    db: DB, caller: Annotated[Caller, Depends(allow(Permission.KEYS))]
) -> list[dict[str, Any]]:
    return [_view(row) for row in api_keys.list_keys(db, caller.restaurant_id)]


@router.delete("/api-keys/{kid}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(
    kid: UUID, db: DB, caller: Annotated[Caller, Depends(allow(Permission.KEYS))]
) -> Response:
    api_keys.revoke_key(db, caller.restaurant_id, kid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
