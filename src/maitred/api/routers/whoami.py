"""Who a key is: its restaurant and role (for tools that hold only a key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from maitred.api.auth import principal
from maitred.api.routers import ERRORS
from maitred.api.schemas import Response
from maitred.services.api_keys import Principal

router = APIRouter(tags=["api keys"], responses=ERRORS)


class WhoAmI(Response):
    restaurant_id: str
    role: str
    key_id: str


@router.get("/v1/whoami", response_model=WhoAmI)
def whoami(who: Annotated[Principal, Depends(principal)]) -> dict[str, str]:
    """The restaurant and role of the calling key."""
    return {
        "restaurant_id": str(who.restaurant_id),
        "role": who.role.value,
        "key_id": str(who.key_id),
    }
