"""A host's own choice of tables: every broken rule is reported, all at once."""

from __future__ import annotations

from maitred.domain.booking import AllocationKind
from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex
from maitred.planning.occupancy import Occupancy
from maitred.planning.selection import CheckCode, SelectionResult, SlackRule, check_selection
from support.floors import at, busy, policy, table, venue

WINDOW = at(19, 0, 120)


def floor() -> Venue:
    return venue(
        [
            table("T1", 2),
            table("T2", 2),
            table("T3", 2),
            table("T4", 4, mergeable=False),
            table("T5", 6, min_party=3, max_party=5),
            table("T6", 2, active=False),
            table("P1", 2, zone="patio"),
        ],
        [("T1", "T2"), ("T2", "T3"), ("T3", "T6"), ("T1", "T4")],
        policy(mode=AdjacencyMode.PAIRWISE, max_tables=3, slack=2),
    )


def check(
    party: int, *ids: str, occupants: tuple = (), rule: SlackRule = SlackRule.SELECTION
) -> SelectionResult:
    index = CombinationIndex.build(floor())
    occupancy = Occupancy.from_allocations(index.positions, occupants)
    return check_selection(index, occupancy, party, WINDOW, ids, rule)


def test_a_valid_selection_passes() -> None:
    result = check(4, "T1", "T2")
    assert result.ok
    assert result.to_json() == {"ok": True, "checks": []}


def test_capacity_insufficient() -> None:
    assert check(5, "T1", "T2").codes == [CheckCode.CAPACITY_INSUFFICIENT]


def test_slack_binds_a_manual_single_but_not_an_automatic_one() -> None:
    assert check(1, "T4").codes == [CheckCode.SLACK_BUDGET_EXCEEDED]
    assert check(1, "T4", rule=SlackRule.MERGES).ok
    assert check(1, "T1", "T2", rule=SlackRule.MERGES).codes == [CheckCode.SLACK_BUDGET_EXCEEDED]


def test_adjacency_required_names_the_mode() -> None:
    # T1-T2-T3 is a path, not a clique.
    result = check(6, "T1", "T2", "T3")
    assert result.codes == [CheckCode.ADJACENCY_REQUIRED]
    assert result.checks[0].details["mode"] == "pairwise"


def test_zone_mismatch() -> None:
    assert CheckCode.ZONE_MISMATCH in check(4, "T1", "P1").codes


def test_too_many_tables() -> None:
    result = check(8, "T1", "T2", "T3", "P1")
    assert CheckCode.TOO_MANY_TABLES in result.codes
    assert result.checks[result.codes.index(CheckCode.TOO_MANY_TABLES)].details["max_tables"] == 3


def test_table_inactive() -> None:
    assert check(2, "T6").codes == [CheckCode.TABLE_INACTIVE]


def test_party_size_out_of_range_of_a_single() -> None:
    assert check(2, "T5").codes == [
        CheckCode.PARTY_SIZE_OUT_OF_RANGE,
        CheckCode.SLACK_BUDGET_EXCEEDED,
    ]
    assert check(6, "T5").codes == [CheckCode.PARTY_SIZE_OUT_OF_RANGE]


def test_not_mergeable() -> None:
    result = check(6, "T1", "T4")
    assert result.codes == [CheckCode.NOT_MERGEABLE]
    assert result.checks[0].details["tables"] == ["T4"]


def test_table_conflict_lists_the_busy_windows() -> None:
    held = busy("T2", at(20, 30, 60), AllocationKind.HOLD)
    result = check(4, "T1", "T2", occupants=(held,))
    assert result.codes == [CheckCode.TABLE_CONFLICT]
    assert result.checks[0].details["conflicts"] == [
        {
            "table": "T2",
            "table_id": "T2",
            "kind": "hold",
            "start": "2026-11-27T20:30:00+00:00",
            "end": "2026-11-27T21:30:00+00:00",
        }
    ]


def test_back_to_back_is_not_a_conflict() -> None:
    assert check(4, "T1", "T2", occupants=(busy("T2", at(21, 0, 60)),)).ok


def test_unknown_tables_are_reported_and_the_rest_still_checked() -> None:
    result = check(9, "T1", "X9")
    assert result.codes == [CheckCode.NOT_FOUND, CheckCode.CAPACITY_INSUFFICIENT]


def test_every_failure_is_reported_at_once() -> None:
    taken = busy("T4", at(18, 0, 240), AllocationKind.BLOCK)
    result = check(20, "T3", "T4", "T6", "P1", occupants=(taken,))
    assert result.codes == [
        CheckCode.TABLE_INACTIVE,
        CheckCode.TOO_MANY_TABLES,
        CheckCode.NOT_MERGEABLE,
        CheckCode.ZONE_MISMATCH,
        CheckCode.ADJACENCY_REQUIRED,
        CheckCode.CAPACITY_INSUFFICIENT,
        CheckCode.TABLE_CONFLICT,
    ]
    assert not result.ok
    assert all(check["message"] for check in result.to_json()["checks"])
