"""The routes that read an API key, from the app's own route table, and how to call each."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from maitred.api.app import ROUTERS
from maitred.api.auth import principal
from maitred.api.permissions import Permission
from maitred.api.routers import PREFIX

QUERY = "?date=2027-09-03&party_size=2"


@dataclass(frozen=True)
class Route:
    """A route that reads an API key, and the permission it asks for (None: any valid key)."""

    method: str
    path: str
    permission: Permission | None

    @property
    def ids(self) -> list[str]:
        names = re.findall(r"\{(\w+)\}", self.path.removeprefix(PREFIX))
        return [name for name in names if name != "date"]

    def url(self, rid: uuid.UUID | str, ids: dict[str, str] | None = None) -> str:
        """The path with this restaurant id, the ids given, and random ids for the rest."""
        path = self.path.replace("{rid}", str(rid)).replace("{date}", "2027-09-03")
        given = ids or {}
        return re.sub(r"\{(\w+)\}", lambda m: given.get(m[1], str(uuid.uuid4())), path) + QUERY

    def body(self, table_id: str) -> dict[str, Any] | None:
        """A body the route accepts, so that only the key and the ids decide the answer."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        if self.path.endswith("/bookings/{bid}") and self.method == "PATCH":
            return {"party_size": 3}
        if self.path.endswith("/zones/{zid}"):
            return {"name": "Renamed"}
        if self.path.endswith("/tables/{tid}") and self.method == "PATCH":
            return {"priority": 1}
        if self.path.endswith(("/validate", "/holds", "/tables")):
            return {"table_ids": [table_id]}
        return {}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def keyed_routes() -> list[Route]:
    """Every route of the app that authenticates an API key."""
    routes = []
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = list(_calls(route.dependant))
        if principal not in calls:
            continue
        permissions = [getattr(call, "permission", None) for call in calls]
        permission = next((p for p in permissions if p is not None), None)
        routes += [
            Route(m, route.path, permission) for m in sorted((route.methods or set()) - {"HEAD"})
        ]
    return routes
