"""Ranking plans, deterministically and with reasons a host can read.

The order, most important first:
1. fewest empty seats;
2. fewest tables (so an equal-slack single always beats a merge);
3. least damage to the rest of the day: first the day's waiting bookings the plan would leave
   unseatable, then the scarcity of the table sizes it uses (the sum, over its tables, of one
   over the number of free tables of that size in the window: using the last free 8-top costs
   1, one of four free 2-tops costs 1/4);
4. the guest's zone preference;
5. table priority (a higher sum of priorities first);
6. the tables' labels in natural order, so no two plans ever tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from maitred.planning.combinations import Combination, CombinationIndex
from maitred.planning.damage import Threat, threats, unseatable_count
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.request import PlanRequest
from maitred.planning.rules import LabelKey
from maitred.planning.search import FreeGroup, blocked_mask, free_in


@dataclass(frozen=True, slots=True)
class Score:
    """A plan's score breakdown; lower is better on every term but priority."""

    empty_seats: int
    tables: int
    unseatable_bookings: int
    scarcity: Fraction
    zone_preference_missed: bool
    priority: int

    def to_json(self) -> dict[str, Any]:
        return {
            "empty_seats": self.empty_seats,
            "tables": self.tables,
            "unseatable_bookings": self.unseatable_bookings,
            "scarcity": round(float(self.scarcity), 3),
            "zone_preference_missed": self.zone_preference_missed,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """A candidate combination for a request, with its score and why."""

    combination: Combination
    party_size: int
    score: Score
    explanation: str

    @property
    def table_ids(self) -> tuple[str, ...]:
        return self.combination.table_ids

    @property
    def labels(self) -> tuple[str, ...]:
        return self.combination.labels

    @property
    def empty_seats(self) -> int:
        return self.combination.capacity - self.party_size

    def to_json(self) -> dict[str, Any]:
        """The plan as in DESIGN §8: tables by label, empty seats, score, explanation."""
        return {
            "tables": list(self.labels),
            "empty_seats": self.empty_seats,
            "score": self.score.to_json(),
            "explanation": self.explanation,
        }


SortKey = tuple[int, int, int, int, bool, int, tuple[LabelKey, ...], int]


@dataclass(frozen=True, slots=True)
class _Scorer:
    """What scoring one request's plans needs, computed once per request.

    Scarcity is kept exact as an integer over a common denominator (`scarcity_scale`, the
    least common multiple of the free counts), so ranking never meets a rounding tie.
    """

    index: CombinationIndex
    request: PlanRequest
    scarcity_weight: dict[int, int]  # by capacity: scarcity_scale // free tables of that size
    scarcity_scale: int
    threats: list[Threat] | None

    def key(self, combination: Combination) -> SortKey:
        """The plan's rank, cheap enough to compute for every plan of the leading groups."""
        preferred = self.request.zone_preference
        weight = self.scarcity_weight
        return (
            combination.capacity - self.request.party_size,
            combination.size,
            unseatable_count(self.threats, combination.mask) if self.threats else 0,
            sum(weight[capacity] for capacity in combination.capacities),
            preferred is not None and combination.zone_id != preferred,
            -combination.priority,
            combination.order_key,
            combination.mask,
        )

    def plan(self, combination: Combination, key: SortKey) -> Plan:
        score = Score(
            empty_seats=key[0],
            tables=key[1],
            unseatable_bookings=key[2],
            scarcity=Fraction(key[3], self.scarcity_scale),
            zone_preference_missed=key[4],
            priority=combination.priority,
        )
        return Plan(combination, self.request.party_size, score, self.explain(combination, score))

    def explain(self, combination: Combination, score: Score) -> str:
        """One sentence: what the plan is and what it costs the rest of the day."""
        party = self.request.party_size
        where = "at one table" if score.tables == 1 else f"at {score.tables} tables pushed together"
        seats = _count(score.empty_seats, "empty seat")
        sentence = f"{'+'.join(combination.labels)} seats {party} {where} with {seats}"
        if self.threats is not None:
            harm = score.unseatable_bookings
            sentence += (
                f", leaves {_count(harm, 'other waiting booking')} without a table"
                if harm
                else ", leaves every other waiting booking a table"
            )
        preferred = self.request.zone_preference
        if preferred is not None:
            side = "outside" if score.zone_preference_missed else "in"
            sentence += f", {side} the preferred zone {self.index.zone_name(preferred)}"
        return sentence + "."


def _count(number: int, noun: str) -> str:
    if number == 0:
        return f"no {noun}s"
    return f"{number} {noun}" + ("" if number == 1 else "s")


def rank_plans(
    index: CombinationIndex,
    occupancy: Occupancy,
    request: PlanRequest,
    day: DayBookings | None = None,
    top: int | None = None,
) -> list[Plan]:
    """The request's feasible plans, best first (all of them when `top` is None).

    Only as many (empty seats, table count) groups are ranked as the top plans come from, since
    a later group can never outrank an earlier one; only the plans returned are written out
    with their breakdown and explanation.
    """
    blocked = blocked_mask(index, occupancy, request)
    groups = _leading_groups(index, request.party_size, blocked, top)
    if not groups:
        return []
    scorer = _scorer(index, occupancy, request, day, blocked, groups)
    keyed = [(scorer.key(c), c) for group in groups for c in group.combinations]
    keyed.sort(key=lambda item: item[0])
    chosen = keyed if top is None else keyed[:top]
    return [scorer.plan(combination, key) for key, combination in chosen]


def _leading_groups(
    index: CombinationIndex, party_size: int, blocked: int, top: int | None
) -> list[FreeGroup]:
    groups, found = [], 0
    for group in index.candidates(party_size):
        if top is not None and found >= top:
            break
        free = free_in(group, blocked)
        if free:
            groups.append(FreeGroup(group.empty_seats, group.size, free))
            found += len(free)
    return groups


def _scorer(
    index: CombinationIndex,
    occupancy: Occupancy,
    request: PlanRequest,
    day: DayBookings | None,
    blocked: int,
    groups: list[FreeGroup],
) -> _Scorer:
    free_of_capacity = {
        capacity: (mask & ~blocked).bit_count() for capacity, mask in index.capacity_masks.items()
    }
    free_of_capacity = {capacity: count for capacity, count in free_of_capacity.items() if count}
    scale = math.lcm(*free_of_capacity.values()) if free_of_capacity else 1
    weight = {capacity: scale // count for capacity, count in free_of_capacity.items()}
    found = None
    if day is not None:
        largest = max(group.size for group in groups)
        tables = 0
        for group in groups:
            for combination in group.combinations:
                tables |= combination.mask
        window = span(request.window)
        found = threats(index, occupancy, day, window, request.booking_id, largest, tables)
    return _Scorer(index, request, weight, scale, found)
