"""Tenants with a key of every role, for API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from maitred.api.app import create_app
from maitred.db.target import DatabaseTarget
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
from maitred.settings import Settings
from support.floors import SMALL_FLOOR


@dataclass
class Tenant:
    """A restaurant and a key of each role for it."""

    id: UUID
    keys: dict[Role, str]

    def auth(self, role: Role = Role.OWNER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def url(self, path: str) -> str:
        return f"/v1/restaurants/{self.id}{path}"


def make_tenant(client: TestClient, name: str) -> Tenant:
    db = client.app.state.db  # type: ignore[attr-defined]
    rid = import_floorplan(db, parse_floorplan(SMALL_FLOOR % {"name": name}))
    keys = {role: create_key(db, rid, role, role.value).plaintext for role in Role}
    return Tenant(rid, keys)


@contextmanager
def app_client(test_db: Any) -> Iterator[TestClient]:
    """The ASGI app over a test database, through a test client."""
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=4)
    target = DatabaseTarget(test_db.owner_conninfo, test_db.app_conninfo, embedded=False)
    with TestClient(create_app(settings, target)) as api:
        yield api
