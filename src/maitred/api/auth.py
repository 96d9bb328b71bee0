"""API-key authentication and the permission check every tenant route declares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from maitred.api.permissions import OWN_BOOKINGS_ONLY, Permission, allows
from maitred.db.database import Database
from maitred.domain.actors import Actor
from maitred.domain.errors import Forbidden, NotFound, Unauthenticated
from maitred.services import ownership
from maitred.services.api_keys import Principal, authenticate

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer mtd_…`")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def defaults(request: Request) -> dict[str, Any]:
    policy: dict[str, Any] = request.app.state.settings.policy_defaults()
    return policy


DB = Annotated[Database, Depends(database)]
Defaults = Annotated[dict[str, Any], Depends(defaults)]


def principal(
    db: DB, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    return authenticate(db, credentials.credentials)


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller inside its own restaurant, allowed to use the route."""

    restaurant_id: UUID
    actor: Actor
    own_bookings_only: bool

    def check_booking(self, db: Database, booking_id: UUID) -> None:
        if self.own_bookings_only:
            ownership.require_own_booking(db, self.restaurant_id, booking_id, self.actor)

    def check_hold(self, db: Database, hold_id: UUID) -> None:
        if self.own_bookings_only:
            ownership.require_own_hold(db, self.restaurant_id, hold_id, self.actor)


def allow(permission: Permission) -> Callable[..., Caller]:
    """The dependency of a tenant route: the key's restaurant must be the path's (otherwise
    404, exactly as for a random id), and its role must hold the permission (otherwise 403)."""

    def dependency(
        rid: Annotated[UUID, Path(description="The restaurant's id.")],
        who: Annotated[Principal, Depends(principal)],
    ) -> Caller:
        if who.restaurant_id != rid:
            raise NotFound()
        if not allows(who.role, permission):
            raise Forbidden(f"A {who.role.value} key may not do that.")
        actor = Actor(f"key:{who.key_id}", who.role)
        return Caller(rid, actor, who.role in OWN_BOOKINGS_ONLY)

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the role tests
    return dependency
