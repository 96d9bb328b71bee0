"""Tenants with a key of every role, for API tests."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
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
