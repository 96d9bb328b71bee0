"""A stateful schemathesis run through the ASGI app over a fresh database: operations chained by
the schema's OpenAPI links, with no 5xx and every answer as the schema documents it.

CI-sized (`fuzz.Plan.ci()`) and derandomised; `maitred.reliability.fuzz.run` is the same run
against a real `maitred serve` at soak size.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from fastapi.testclient import TestClient

from maitred.domain.api_keys import Role
from maitred.reliability import fuzz
from support.api import app_client, make_tenant


@pytest.fixture
def client(test_db: Any) -> Iterator[TestClient]:
    with app_client(test_db) as api:
        yield api


CONFIRM = "POST /v1/restaurants/{rid}/holds/{hid}/confirm"


def _show(capsys: Any, figures: dict[str, Any]) -> None:
    with capsys.disabled():
        summary = {k: v for k, v in figures.items() if k not in ("operations", "links")}
        summary["confirm"] = figures["operations"].get(CONFIRM, {})
        print(f"\nstateful run: {json.dumps(summary, indent=1)}")


def test_stateful_run_follows_links_without_errors(client: TestClient, capsys: Any) -> None:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", client.app, config=fuzz.schemathesis_config()
    )
    numbers = itertools.count(1)

    def new_restaurant() -> tuple[UUID, str]:
        tenant = make_tenant(client, f"Fuzz {next(numbers)}")
        return tenant.id, tenant.keys[Role.OWNER]

    figures = fuzz.explore(schema, new_restaurant, fuzz.Plan.ci())
    _show(capsys, figures)
    assert figures["server_errors"] == 0
    assert figures["schema_violations"] == 0
    assert figures["failures"] == []
    assert "aborted" not in figures
    assert "flaky" not in figures
    assert figures["valid"]
    # Enough happened for the run to mean something: most operations, reached through links.
    assert figures["steps"] >= 350
    assert figures["operations_exercised"] >= 30
    assert figures["links_followed"] >= 200
    assert figures["distinct_links_followed"] >= 30
    # The booking flow reached confirm with holds it had been given (whether the hold was
    # still there by then depends on the steps before it and on time: holds expire).
    into_confirm = sum(n for link, n in figures["links"].items() if link.endswith(f"-> {CONFIRM}"))
    assert into_confirm >= 1
