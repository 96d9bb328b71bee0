"""A schemathesis stateful run over the whole API, following its OpenAPI links.

Schemathesis builds a state machine from the links of `/openapi.json` (`maitred.api.links`):
it creates bookings, quotes and holds them, confirms, extends and releases holds, reads and
changes what it made, sets up zones, tables, edges and blocks, subscribes webhooks and makes
keys, with generated (and sometimes deliberately invalid) data at every step. Every answer is
checked: no 5xx, and every status, header and body as the schema documents it.

Each scenario works on a restaurant of its own, made for it, with its owner key: hypothesis
replays the beginnings of earlier scenarios and expects the same answers, which leftovers of
other scenarios (a table taken, a zone name used) would change. Each confirm carries a fresh
`Idempotency-Key` unless a link replays an earlier one. Failures do not stop the run: each
distinct one is kept with a curl command that reproduces it and the scenario's steps up to it.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.reliability.stage import Stage, floor_text, running
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
from maitred.services.webhooks import EVENT_TYPES

# "Valid data is accepted" does not hold here by design: business refusals (422 outside service
# hours, 409 a table taken) answer requests that are valid against the schema.
EXCLUDED_CHECKS = ("positive_data_acceptance",)
EXCLUDED_FOR = {
    # Unassigning all tables (DELETE .../tables) empties the booking's list of tables; the list
    # itself remains, so reading it afterwards is 200 and [] by design, not a use after free.
    "GET /v1/restaurants/{rid}/bookings/{bid}/tables": ("use_after_free",),
}
CONFORMANCE = "_conformance"  # the checks whose failures are schema violations
TRAIL_LENGTH = 12
REQUEST_TIMEOUT = 30.0  # seconds: a request still unanswered by then aborts the run
CONFIG: dict[str, Any] = {
    # Mostly parties and start times that a floor can seat, and event types that exist: generated
    # ones (a party of 400 at 04:17) are refused before anything can follow from them.
    "dictionaries": {
        "event_types": {"values": sorted(EVENT_TYPES)},
        "parties": {"values": [1, 2, 3, 4, 5, 6, 8]},
        "dinner_times": {"values": ["18:00", "19:00", "19:30", "20:15", "21:00"]},
        "block_ends": {"values": ["19:30", "20:30", "22:00"]},
    },
    "parameters": {
        "body.party_size": {"dictionary": "parties", "probability": 0.8},
        "body.time": {"dictionary": "dinner_times", "probability": 0.7},
        "body.start": {"dictionary": "dinner_times", "probability": 0.7},
        "body.end": {"dictionary": "block_ends", "probability": 0.7},
        "body.event_types[*]": {"dictionary": "event_types", "probability": 0.9},
    },
    # Only the declared links: inferred ones guess from field names (a new booking's id sent as
    # the `booking_id` of a random hold) and would dilute them.
    "phases": {"stateful": {"inference": {"algorithms": []}}},
}


@dataclass(frozen=True)
class Plan:
    """How much to explore: `scenarios` sequences of up to `steps` calls each."""

    scenarios: int
    steps: int

    @classmethod
    def ci(cls) -> Plan:
        return cls(scenarios=10, steps=40)

    @classmethod
    def soak(cls) -> Plan:
        return cls(scenarios=300, steps=50)


@dataclass
class Tally:
    """What a run did and what it found."""

    scenarios: int = 0
    steps: int = 0
    operations: dict[str, Counter[str]] = field(default_factory=dict)
    links: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    trail: list[str] = field(default_factory=list)
    keys: itertools.count[int] = field(default_factory=itertools.count)

    def start(self) -> None:
        self.scenarios += 1
        self.trail = []

    def record(self, case: Any, response: Any) -> None:
        """One call and its answer."""
        self.steps += 1
        answer = f"{response.status_code} {error_code(response)}".strip()
        self.operations.setdefault(case.operation.label, Counter())[answer] += 1
        self.statuses[response.status_code] += 1
        line = f"{case.operation.method.upper()} {case.formatted_path} -> {answer}"
        self.trail = [*self.trail, line][-TRAIL_LENGTH:]

    def fail(self, case: Any, response: Any, failure: Any, call_headers: dict[str, str]) -> None:
        """A check that failed: kept once per kind and operation, with its reproduction."""
        key = (type(failure).__name__, str(case.operation.label), str(failure.title))
        if key in self.failures:
            self.failures[key]["times"] += 1
            return
        self.failures[key] = {
            "failure": key[0],
            "checks": list(failure.checks),
            "operation": key[1],
            "title": key[2],
            "status": response.status_code,
            "message": str(failure.message)[:2000],
            "reproduce": case.as_curl_command(headers=call_headers),
            "steps": list(self.trail),
            "times": 1,
        }

    def figures(self) -> dict[str, Any]:
        failures = list(self.failures.values())
        server_errors = sum(n for status, n in self.statuses.items() if status >= 500)
        violations = sum(
            f["times"] for f in failures if any(c.endswith(CONFORMANCE) for c in f["checks"])
        )
        return {
            "scenarios": self.scenarios,
            "steps": self.steps,
            "operations_exercised": len(self.operations),
            "operations": {
                label: dict(sorted(answers.items()))
                for label, answers in sorted(self.operations.items())
            },
            "links_followed": sum(self.links.values()),
            "distinct_links_followed": len(self.links),
            "links": dict(sorted(self.links.items())),
            "statuses": {str(s): n for s, n in sorted(self.statuses.items())},
            "server_errors": server_errors,
            "schema_violations": violations,
            "failures": failures,
            "valid": server_errors == 0 and not failures,
        }


def error_code(response: Any) -> str:
    """The stable code of an error answer (DESIGN §5), or "" for any other answer."""
    if response.status_code < 400:
        return ""
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def schemathesis_config() -> Any:
    """The schemathesis configuration of the run (see CONFIG)."""
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(CONFIG)


NewRestaurant = Callable[[], tuple[UUID, str]]  # a fresh restaurant: its id and an owner key


def workflow(schema: Any, new_restaurant: NewRestaurant, tally: Tally) -> type[Any]:
    """The schema's state machine, on a new restaurant per scenario, recording into `tally`."""
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.parameters import ParameterLocation

    replayed = (ParameterLocation.HEADER, "Idempotency-Key")

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.restaurant_id, key = new_restaurant()
            self.auth = {"Authorization": f"Bearer {key}"}
            tally.start()

        def step(self, input: Any) -> Any:
            if input.transition is not None and input.is_applied:
                tally.links[input.transition.id] += 1
            if replayed not in input.applied_parameters and not negated(input.case, "HEADER"):
                fresh_key(input.case, tally)
            return super().step(input)

        def before_call(self, case: Any) -> None:
            # Every operation is under /v1/restaurants/{rid}: random ids would only meet 404.
            # A deliberately invalid path is sent as generated, so that it stays invalid.
            if not negated(case, "PATH"):
                case.path_parameters = {
                    **(case.path_parameters or {}),
                    "rid": str(self.restaurant_id),
                }

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            # Invalid headers may be a missing Authorization: the key would make them valid.
            return {} if negated(case, "HEADER") else {"headers": self.auth}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            tally.record(case, response)

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(
                    response,
                    excluded_checks=excluded_checks(case),
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except FailureGroup as group:
                for failure in group.exceptions:
                    tally.fail(
                        case, response, failure, self.get_call_kwargs(case).get("headers", {})
                    )

    prune_roots(Workflow)
    return Workflow


def excluded_checks(case: Any) -> list[Any]:
    """The checks not run on this case's answer (EXCLUDED_CHECKS and EXCLUDED_FOR)."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    names = [*EXCLUDED_CHECKS, *EXCLUDED_FOR.get(case.operation.label, ())]
    return list(CHECKS.get_by_names(names))


def negated(case: Any, location: str) -> bool:
    """Whether the case's data at `location` (PATH, HEADER, ...) was generated invalid."""
    from schemathesis.core.parameters import ParameterLocation

    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    component = meta.components.get(ParameterLocation[location])
    return component is not None and bool(component.mode.is_negative)


def prune_roots(machine: type[Any]) -> None:
    """Start scenarios only from operations that no link leads to (creating a booking, zone,
    webhook or key). Schemathesis also starts from any POST that has links, so it would confirm
    random hold ids and join random tables, spending the run on 404s."""
    from schemathesis.generation.stateful.state_machine import normalize_name

    linked = {label for label, ops in machine._transitions.operations.items() if ops.incoming}
    dropped = {normalize_name(f"RANDOM -> {label}") for label in linked}
    for name in dropped & machine.root_rules:
        setattr(machine, name, None)  # no longer a rule
    machine.root_rules = machine.root_rules - dropped
    machine._root_labels = machine._root_labels - linked


def fresh_key(case: Any, tally: Tally) -> None:
    """A new Idempotency-Key for a confirm (a run's keys are never reused by accident)."""
    if "Idempotency-Key" in {p.name for p in case.operation.headers}:
        case.headers = {**(case.headers or {}), "Idempotency-Key": f"fuzz-{next(tally.keys)}"}


def explore(schema: Any, new_restaurant: NewRestaurant, plan: Plan) -> dict[str, Any]:
    """Run the state machine for the plan (derandomised); the figures of what happened.

    A run that stops early says why: `flaky` when hypothesis saw a replayed scenario answered
    differently (time passed: a hold expired), `aborted` for anything else (the server went
    away), which makes the run invalid."""
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.errors import Flaky

    tally = Tally()
    machine = workflow(schema, new_restaurant, tally)
    started = time.perf_counter()
    stopped: dict[str, str] = {}
    try:
        machine.run(
            settings=settings(
                max_examples=plan.scenarios,
                stateful_step_count=plan.steps,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
    except Flaky as exc:
        stopped["flaky"] = str(exc)[:2000]
    except Exception as exc:
        stopped["aborted"] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    figures = tally.figures() | stopped
    figures["valid"] = figures["valid"] and "aborted" not in stopped
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def restaurants(db: Database) -> NewRestaurant:
    """Restaurants with the stage's floor, one per call, each with an owner key."""
    numbers = itertools.count(1)

    def new_restaurant() -> tuple[UUID, str]:
        rid = import_floorplan(db, parse_floorplan(floor_text(f"Fuzz {next(numbers)}")))
        return rid, create_key(db, rid, Role.OWNER, "fuzz owner").plaintext

    return new_restaurant


def run(stage: Stage, plan: Plan, out: Path | None = None) -> dict[str, Any]:
    """Run the scenario against `maitred serve` on a prepared stage; the checked figures."""
    import schemathesis

    # No worker: it would deliver to the generated webhook URLs.
    with stage.database() as db, running(stage, out, worker=False) as processes:
        url = f"{processes.base_url}/openapi.json"
        schema = schemathesis.openapi.from_url(url, config=schemathesis_config())
        schema.config.update(base_url=processes.base_url, request_timeout=REQUEST_TIMEOUT)
        figures = explore(schema, restaurants(db), plan)
    figures |= {"plan": {"scenarios": plan.scenarios, "steps": plan.steps}}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "fuzz.json").write_text(json.dumps(figures, indent=2) + "\n")
    return figures
