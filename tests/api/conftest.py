"""The ASGI app over a real database, with a key of every role for two restaurants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import Tenant, app_client, make_tenant


@pytest.fixture
def client(test_db: Any) -> Iterator[TestClient]:
    with app_client(test_db) as api:
        yield api


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return make_tenant(client, "Corner House")


@pytest.fixture
def other(client: TestClient) -> Tenant:
    return make_tenant(client, "Across The Road")
