"""API key use cases: create (the key is shown once), list, revoke, authenticate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.db.repositories import api_keys as repo
from maitred.domain.api_keys import Role, generate_key, hash_key
from maitred.domain.errors import NotFound, Unauthenticated
from maitred.services.venues import require_restaurant


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key_id: UUID
    role: Role
    plaintext: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a restaurant, a role and the key that proved it."""

    restaurant_id: UUID
    role: Role
    key_id: UUID


def create_key(db: Database, restaurant_id: UUID, role: Role, name: str | None) -> CreatedKey:
    new = generate_key()
    with db.tenant(restaurant_id) as conn:
        require_restaurant(conn, restaurant_id)
        row = repo.insert_key(conn, restaurant_id, new.key_hash, new.prefix, role.value, name)
    return CreatedKey(row["key_id"], role, new.plaintext)


def list_keys(db: Database, restaurant_id: UUID) -> list[dict[str, Any]]:
    with db.tenant(restaurant_id) as conn:
        return repo.list_keys(conn, restaurant_id)


def revoke_key(db: Database, restaurant_id: UUID, key_id: UUID) -> None:
    with db.tenant(restaurant_id) as conn:
        if not repo.revoke_key(conn, restaurant_id, key_id):
            raise NotFound("No such live key.")


def authenticate(db: Database, plaintext: str) -> Principal:
    """The principal a key stands for; Unauthenticated for unknown or revoked keys."""
    with db.transaction() as conn:
        row = repo.find_by_hash(conn, hash_key(plaintext))
    if row is None:
        raise Unauthenticated()
    return Principal(row["restaurant_id"], Role(row["role"]), row["key_id"])
