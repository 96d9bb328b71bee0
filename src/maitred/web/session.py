"""The host's session: an API key in an HttpOnly cookie, checked again on every request, and a
per-session CSRF token that every state-changing request must echo.

The key cookie is HttpOnly, SameSite=Strict and scoped to `/ops`; the CSRF token lives in a second
cookie and is rendered into the page, which sends it back as a header (htmx) or a form field.
A cookie-authenticated form without such a token could be posted by any page the host visits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Response

from maitred.api.permissions import Permission, allows
from maitred.db.database import Database
from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.domain.errors import Forbidden, Unauthenticated
from maitred.services.api_keys import authenticate

KEY_COOKIE = "maitred_ops_key"
CSRF_COOKIE = "maitred_ops_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/ops"
SIGN_IN_PATH = "/ops/sign-in"
# The widget's role cannot work the floor; every other role may sign in.
STAFF_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.HOST})


class SignInRequired(Exception):
    """No session, or its key is unknown or revoked: the host must sign in again."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class HostSession:
    """A signed-in member of staff: the key's restaurant, role and actor, and the CSRF token."""

    restaurant_id: UUID
    role: Role
    actor: Actor
    csrf_token: str

    def require(self, permission: Permission) -> None:
        if not allows(self.role, permission):
            raise Forbidden(f"A {self.role.value} key may not do that.")

    @property
    def may_override(self) -> bool:
        return self.actor.may_override


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def defaults(request: Request) -> dict[str, Any]:
    policy: dict[str, Any] = request.app.state.settings.policy_defaults()
    return policy


DB = Annotated[Database, Depends(database)]
Defaults = Annotated[dict[str, Any], Depends(defaults)]


def staff_principal(db: Database, key: str) -> tuple[UUID, Role, UUID]:
    """The key's restaurant, role and id; Unauthenticated or Forbidden otherwise."""
    who = authenticate(db, key)
    if who.role not in STAFF_ROLES:
        raise Forbidden("The booking widget's key cannot open the host's screen.")
    return who.restaurant_id, who.role, who.key_id


def host_session(request: Request, db: DB) -> HostSession:
    """The session of the request, re-authenticated now: a revoked key stops at once."""
    key = request.cookies.get(KEY_COOKIE)
    token = request.cookies.get(CSRF_COOKIE)
    if not key or not token:
        raise SignInRequired("Sign in with your API key.")
    try:
        restaurant_id, role, key_id = staff_principal(db, key)
    except Unauthenticated as exc:
        raise SignInRequired("Your key is no longer valid; sign in again.") from exc
    except Forbidden as exc:
        raise SignInRequired(exc.message) from exc
    return HostSession(restaurant_id, role, Actor(f"key:{key_id}", role), token)


Session = Annotated[HostSession, Depends(host_session)]


async def checked_session(request: Request, session: Session) -> HostSession:
    """The session of a state-changing request, whose CSRF token must match the cookie's."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not secrets.compare_digest(sent, session.csrf_token):
        raise CsrfRefused()
    return session


Posting = Annotated[HostSession, Depends(checked_session)]


def start_session(request: Request, response: Response, key: str) -> None:
    """Set the key and a fresh CSRF token as cookies only the /ops pages receive."""
    secure = request.url.scheme == "https"
    for name, value in ((KEY_COOKIE, key), (CSRF_COOKIE, secrets.token_urlsafe(32))):
        response.set_cookie(
            name, value, path=COOKIE_PATH, httponly=True, samesite="strict", secure=secure
        )


def end_session(response: Response) -> None:
    for name in (KEY_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="strict")
