"""The floor-plan file (DESIGN §8): restaurant, policy, zones with tables and adjacency.

`parse_floorplan` validates the whole document and reports every problem with its line and
path before anything is used; `floorplan_document` is its inverse, for export.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from maitred.domain.errors import PolicyInvalid
from maitred.domain.policy import Policy, effective_policy
from maitred.domain.venue import Table, Venue, Zone, edge
from maitred.formats.documents import DocumentSyntaxError, LocatedDocument, parse_document
from maitred.formats.problems import FileInvalid, Problem


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TableSpec(_Spec):
    label: str = Field(min_length=1, max_length=40)
    capacity: int = Field(ge=1, le=100)
    min_party: int = Field(default=1, ge=1)
    max_party: int | None = Field(default=None, ge=1)
    mergeable: bool = True
    active: bool = True
    priority: int = 0


class ZoneSpec(_Spec):
    name: str = Field(min_length=1, max_length=60)
    tables: tuple[TableSpec, ...] = ()
    adjacency: tuple[tuple[str, str], ...] = ()


class RestaurantSpec(_Spec):
    name: str = Field(min_length=1, max_length=120)
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class FloorPlanSpec(_Spec):
    restaurant: RestaurantSpec
    policy: dict[str, Any] = Field(default_factory=dict)
    zones: tuple[ZoneSpec, ...] = ()

    def canonical(self) -> FloorPlanSpec:
        """The same floor with each edge written once, smaller label first, edges sorted.

        Adjacency is a set of undirected edges: two files that differ only in how they list
        it describe the same floor, and their canonical forms are equal.
        """
        zones = tuple(
            zone.model_copy(
                update={"adjacency": tuple(sorted({edge(a, b) for a, b in zone.adjacency}))}
            )
            for zone in self.zones
        )
        return self.model_copy(update={"zones": zones})


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """A validated floor plan. Its `venue` uses labels as table ids and names as zone ids."""

    spec: FloorPlanSpec
    policy: Policy
    venue: Venue

    @property
    def restaurant_name(self) -> str:
        return self.spec.restaurant.name

    @property
    def timezone(self) -> str:
        return self.spec.restaurant.timezone


def _schema_problems(exc: ValidationError, doc: LocatedDocument) -> list[Problem]:
    return [
        Problem(doc.locate(tuple(err["loc"])), "INVALID_VALUE", err["msg"]) for err in exc.errors()
    ]


def _table_problems(spec: FloorPlanSpec, doc: LocatedDocument) -> list[Problem]:
    problems: list[Problem] = []
    labels = Counter(t.label for z in spec.zones for t in z.tables)
    zone_names = Counter(z.name for z in spec.zones)
    for zi, zone in enumerate(spec.zones):
        if zone_names[zone.name] > 1:
            where = doc.locate(("zones", zi, "name"))
            problems.append(Problem(where, "DUPLICATE_ZONE", f"zone {zone.name!r} repeats"))
        for ti, table in enumerate(zone.tables):
            where = doc.locate(("zones", zi, "tables", ti))
            if labels[table.label] > 1:
                message = f"table label {table.label!r} is used more than once"
                problems.append(Problem(where, "DUPLICATE_LABEL", message))
            top = table.capacity if table.max_party is None else table.max_party
            if table.min_party > top:
                message = f"{table.label}: min_party {table.min_party} exceeds max_party {top}"
                problems.append(Problem(where, "PARTY_LIMITS_INVALID", message))
            if top > table.capacity:
                message = f"{table.label}: max_party {top} exceeds capacity {table.capacity}"
                problems.append(Problem(where, "PARTY_LIMITS_INVALID", message))
    return problems


def _edge_problems(spec: FloorPlanSpec, doc: LocatedDocument) -> list[Problem]:
    problems: list[Problem] = []
    zone_of = {t.label: z.name for z in spec.zones for t in z.tables}
    seen: set[tuple[str, str]] = set()
    for zi, zone in enumerate(spec.zones):
        for ei, (a, b) in enumerate(zone.adjacency):
            where = doc.locate(("zones", zi, "adjacency", ei))
            unknown = [label for label in (a, b) if label not in zone_of]
            if unknown:
                message = f"adjacency names unknown table {', '.join(unknown)}"
                problems.append(Problem(where, "UNKNOWN_TABLE", message))
            elif a == b:
                problems.append(Problem(where, "SELF_ADJACENCY", f"{a} cannot touch itself"))
            elif zone_of[a] != zone.name or zone_of[b] != zone.name:
                message = f"{a} and {b} must both be tables of zone {zone.name!r}"
                problems.append(Problem(where, "ZONE_MISMATCH", message))
            elif edge(a, b) in seen:
                problems.append(Problem(where, "DUPLICATE_ADJACENCY", f"{a}-{b} repeats"))
            seen.add(edge(a, b))
    return problems


def _policy_or_problems(
    spec: FloorPlanSpec, doc: LocatedDocument, defaults: dict[str, Any]
) -> tuple[Policy | None, list[Problem]]:
    try:
        return effective_policy(defaults, spec.policy), []
    except PolicyInvalid as exc:
        problems = [
            Problem(doc.locate(("policy", *loc)), "INVALID_POLICY", problem["message"])
            for loc, problem in zip(exc.locations, exc.details["problems"], strict=True)
        ]
        return None, problems


def _venue(spec: FloorPlanSpec, policy: Policy) -> Venue:
    zones = tuple(Zone(id=z.name, name=z.name) for z in spec.zones)
    tables = tuple(
        Table(
            id=t.label,
            label=t.label,
            zone_id=z.name,
            capacity=t.capacity,
            min_party=t.min_party,
            max_party=t.max_party,
            mergeable=t.mergeable,
            active=t.active,
            priority=t.priority,
        )
        for z in spec.zones
        for t in z.tables
    )
    adjacency = frozenset(edge(a, b) for z in spec.zones for a, b in z.adjacency)
    return Venue(
        zones, tables, adjacency, policy, spec.restaurant.timezone, 0, spec.restaurant.name
    )


def parse_floorplan(text: str, policy_defaults: dict[str, Any] | None = None) -> FloorPlan:
    """Validate a floor-plan document (YAML or JSON); raise FileInvalid with every problem."""
    try:
        doc = parse_document(text)
    except DocumentSyntaxError as exc:
        raise FileInvalid([Problem(f"line {exc.line}", "SYNTAX_ERROR", str(exc))]) from exc
    try:
        spec = FloorPlanSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise FileInvalid(sorted(_schema_problems(exc, doc), key=_line_order)) from exc
    policy, problems = _policy_or_problems(spec, doc, policy_defaults or {})
    problems += _table_problems(spec, doc) + _edge_problems(spec, doc)
    if problems or policy is None:
        raise FileInvalid(sorted(problems, key=_line_order))
    return FloorPlan(spec, policy, _venue(spec, policy))


def _line_order(problem: Problem) -> tuple[int, str]:
    head = problem.location.split(",")[0]
    return (int(head.removeprefix("line ")) if head.startswith("line ") else 0, problem.location)


def load_floorplan(path: Path, policy_defaults: dict[str, Any] | None = None) -> FloorPlan:
    """Read and validate a floor-plan file."""
    return parse_floorplan(path.read_text(encoding="utf-8"), policy_defaults)


def floorplan_document(spec: FloorPlanSpec) -> dict[str, Any]:
    """The file form of a floor plan, with default-valued table fields left out."""
    document: dict[str, Any] = {"restaurant": spec.restaurant.model_dump()}
    if spec.policy:
        document["policy"] = spec.policy
    document["zones"] = [
        {
            "name": zone.name,
            "tables": [t.model_dump(exclude_defaults=True) for t in zone.tables],
            "adjacency": [list(pair) for pair in zone.adjacency],
        }
        for zone in spec.zones
    ]
    return document


def dump_floorplan(spec: FloorPlanSpec, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Serialise a floor plan as YAML or JSON text."""
    document = floorplan_document(spec)
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=None)
