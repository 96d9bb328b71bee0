"""Schemathesis against the app's own OpenAPI schema: no 5xx, every response as documented.

Bounded for CI: a handful of generated requests per operation, derandomised, with the
restaurant id fixed to a real restaurant (random ids would only ever meet 404).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from maitred.domain.api_keys import Role
from support.api import Tenant

EXAMPLES_PER_OPERATION = 10


def exercise(operation: Any, tenant: Tenant) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if "rid" in (case.path_parameters or {}):
            case.path_parameters["rid"] = str(tenant.id)
        headers = {**tenant.auth(Role.OWNER), "Idempotency-Key": "schema-key"}
        # Business refusals (422 outside service hours, 400 for a date out of range) answer
        # schema-valid requests by design, so "valid data is accepted" is not checked.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    run()


def test_api_conforms_to_its_schema(client: TestClient, tenant: Tenant) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    # The event stream never ends by design; it is tested against a real server instead.
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if not op.path.endswith("/events")
    ]
    assert len(operations) >= 20
    for operation in operations:
        exercise(operation, tenant)
