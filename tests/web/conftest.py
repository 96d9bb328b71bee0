"""The app over a real database, and a signed-in host's client for the /ops pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maitred.api.app import create_app
from maitred.db.target import DatabaseTarget
from maitred.settings import Settings
from support.api import Tenant, make_tenant


@pytest.fixture
def client(test_db: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=4)
    target = DatabaseTarget(test_db.owner_conninfo, test_db.app_conninfo, embedded=False)
    with TestClient(create_app(settings, target), follow_redirects=False) as web:
        yield web


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return make_tenant(client, "Corner House")
