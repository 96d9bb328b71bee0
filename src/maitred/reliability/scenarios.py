"""Every scenario of the harness, with its CI and soak sizes and the stage it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maitred.benchmarks.scratch import scratch_database
from maitred.domain.api_keys import Role
from maitred.reliability import (
    abuse,
    auth,
    contention,
    fuzz,
    idempotency,
    isolation,
    leakage,
    sweeper_race,
)
from maitred.reliability.report import write_summary
from maitred.reliability.stage import prepare
from maitred.settings import Settings

SIZES = ("ci", "soak")


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    plans: Callable[[str], Any]  # size -> plan
    run: Callable[[Any, Any, Path | None], dict[str, Any]]  # (stage, plan, out) -> figures
    stage: Callable[[Any], dict[str, Any]]  # plan -> keyword arguments of `prepare`


def _contention_plan(faults: bool) -> Callable[[str], Any]:
    def plan(size: str) -> contention.Plan:
        return contention.Plan.ci(faults) if size == "ci" else contention.Plan.soak(faults)

    return plan


def _sized(plan_class: Any) -> Callable[[str], Any]:
    return lambda size: plan_class.ci() if size == "ci" else plan_class.soak()


def _two_restaurants(plan: Any) -> dict[str, Any]:
    return {"restaurants": 2}


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "contention",
            "Contention over HTTP",
            _contention_plan(faults=False),
            contention.run,
            lambda plan: {"client_keys": plan.clients},
        ),
        Scenario(
            "faults",
            "Contention with faults",
            _contention_plan(faults=True),
            contention.run,
            lambda plan: {"client_keys": plan.clients},
        ),
        Scenario(
            "sweeper-race",
            "Confirms racing the sweeper",
            _sized(sweeper_race.Plan),
            sweeper_race.run,
            lambda plan: {"client_keys": plan.lanes},
        ),
        Scenario(
            "idempotency",
            "The Idempotency-Key protocol",
            _sized(idempotency.Plan),
            idempotency.run,
            _two_restaurants,
        ),
        Scenario(
            "isolation",
            "Tenant isolation",
            _sized(isolation.Plan),
            isolation.run,
            lambda plan: {"restaurants": 3},
        ),
        Scenario("auth", "The auth matrix", _sized(auth.Plan), auth.run, _two_restaurants),
        Scenario(
            "abuse",
            "Hold abuse",
            _sized(abuse.Plan),
            abuse.run,
            lambda plan: {"client_keys": plan.keys, "client_role": Role.ONLINE},
        ),
        Scenario("leakage", "Error leakage", _sized(leakage.Plan), leakage.run, _two_restaurants),
        Scenario("stateful", "Stateful API run", _sized(fuzz.Plan), fuzz.run, lambda plan: {}),
    )
}


def run_scenario(
    scenario: Scenario, size: str, settings: Settings, out: Path | None
) -> dict[str, Any]:
    """Run one scenario in a scratch database of its own; its figures (and summary file)."""
    plan = scenario.plans(size)
    prefix = f"maitred_rel_{scenario.name.replace('-', '_')}"
    with scratch_database(settings, prefix) as scratch:
        stage = prepare(scratch.owner_conninfo, scratch.app_conninfo, **scenario.stage(plan))
        figures = scenario.run(stage, plan, out)
        scratch.keep = not figures.get("valid")
    figures = {"scenario": scenario.name, "size": size, **figures}
    if out is not None:
        write_summary(out, figures)
    return figures
