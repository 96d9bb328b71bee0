"""The combination search on hand-made floors: what is offered, what never is."""

from __future__ import annotations

from dataclasses import replace

from maitred.domain.booking import AllocationKind
from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex, IndexCache, combination_index
from maitred.planning.occupancy import Occupancy
from maitred.planning.request import PlanRequest
from maitred.planning.search import feasible_combinations
from support.floors import at, busy, policy, table, venue

WINDOW = at(19, 0, 120)


def plans(
    floor: Venue, party: int, *occupants: object, avoid: frozenset[str] = frozenset()
) -> list[tuple[str, ...]]:
    index = CombinationIndex.build(floor)
    occupancy = Occupancy.from_allocations(index.positions, occupants)  # type: ignore[arg-type]
    found = feasible_combinations(index, occupancy, PlanRequest(party, WINDOW, avoid=avoid))
    return [combination.labels for combination in found]


def test_a_table_without_edges_is_still_a_single() -> None:
    floor = venue([table("T1", 4), table("T2", 2), table("T3", 2)], [("T2", "T3")])
    assert plans(floor, 4) == [("T1",), ("T2", "T3")]


def test_singles_respect_their_party_limits() -> None:
    floor = venue([table("T1", 6, min_party=3), table("T2", 6, max_party=4)])
    assert plans(floor, 2) == [("T2",)]
    assert plans(floor, 5) == [("T1",)]


def test_a_merge_never_contains_a_table_that_could_be_dropped() -> None:
    floor = venue([table("T1", 4), table("T2", 2), table("T3", 2)], [("T1", "T2"), ("T2", "T3")])
    # T1 seats 3 alone, so T1+T2 is not offered; T2+T3 is.
    assert plans(floor, 3) == [("T1",), ("T2", "T3")]


def test_a_bridging_table_is_kept_when_the_ends_are_not_adjacent() -> None:
    floor = venue(
        [table("A", 4), table("B", 2), table("C", 4)],
        [("A", "B"), ("B", "C")],
        policy(max_tables=3),
    )
    # A and C have the seats for 8 but do not touch; B joins them.
    assert plans(floor, 8) == [("A", "B", "C")]


def test_a_table_too_limited_alone_may_still_merge() -> None:
    floor = venue([table("T1", 6, max_party=4), table("T2", 2)], [("T1", "T2")])
    assert plans(floor, 5) == [("T1", "T2")]


def test_merges_stay_within_the_slack_budget_but_singles_do_not() -> None:
    floor = venue(
        [table("T1", 8), table("T2", 4), table("T3", 4)],
        [("T2", "T3")],
        policy(slack=1),
    )
    # A single 8-top for two is fine; 4+4 for six would leave 2 empty seats (> 1).
    assert plans(floor, 2) == [("T2",), ("T3",), ("T1",)]
    assert plans(floor, 6) == [("T1",)]
    assert plans(floor, 7) == [("T1",), ("T2", "T3")]


def test_merges_need_mergeable_tables_of_one_zone() -> None:
    floor = venue(
        [table("T1", 2), table("T2", 2, mergeable=False), table("P1", 2, zone="patio")],
        [("T1", "T2"), ("T1", "P1")],
    )
    assert plans(floor, 4) == []


def test_merges_are_capped_at_max_tables() -> None:
    tables = [table(f"T{i}", 2) for i in range(1, 5)]
    edges = [("T1", "T2"), ("T2", "T3"), ("T3", "T4")]
    assert plans(venue(tables, edges, policy(max_tables=3)), 8) == []
    assert plans(venue(tables, edges, policy(max_tables=4)), 8) == [("T1", "T2", "T3", "T4")]


def test_each_adjacency_mode_decides_which_merges_exist() -> None:
    # A path T1-T2-T3 plus a triangle T4-T5-T6: the path is connected and a star (hub T2),
    # the triangle a clique.
    tables = [table(f"T{i}", 2) for i in range(1, 7)]
    edges = [("T1", "T2"), ("T2", "T3"), ("T4", "T5"), ("T5", "T6"), ("T4", "T6")]
    for mode, expected in [
        (AdjacencyMode.CONNECTED, [("T1", "T2", "T3"), ("T4", "T5", "T6")]),
        (AdjacencyMode.NEIGHBORS, [("T1", "T2", "T3"), ("T4", "T5", "T6")]),
        (AdjacencyMode.PAIRWISE, [("T4", "T5", "T6")]),
    ]:
        assert plans(venue(tables, edges, policy(mode=mode, slack=0)), 6) == expected, mode


def test_neighbors_mode_needs_one_hub_touching_all() -> None:
    # A path of four has no hub adjacent to all the others.
    tables = [table(f"T{i}", 2) for i in range(1, 5)]
    edges = [("T1", "T2"), ("T2", "T3"), ("T3", "T4")]
    rules = policy(mode=AdjacencyMode.NEIGHBORS, max_tables=4, slack=0)
    assert plans(venue(tables, edges, rules), 8) == []
    connected = policy(mode=AdjacencyMode.CONNECTED, max_tables=4, slack=0)
    assert plans(venue(tables, edges, connected), 8) == [("T1", "T2", "T3", "T4")]


def test_inactive_and_avoided_tables_are_never_planned() -> None:
    floor = venue([table("T1", 4, active=False), table("T2", 4), table("T3", 4)])
    assert plans(floor, 4) == [("T2",), ("T3",)]
    assert plans(floor, 4, avoid=frozenset({"T2"})) == [("T3",)]


def test_a_long_booking_enclosing_a_short_busy_one_conflicts() -> None:
    floor = venue([table("T1", 4), table("T2", 4)])
    short = busy("T1", at(19, 30, 30))  # inside [19:00, 21:00)
    assert plans(floor, 4, short) == [("T2",)]


def test_back_to_back_windows_do_not_conflict() -> None:
    floor = venue([table("T1", 4)])
    before = busy("T1", at(17, 0, 120))  # ends at 19:00
    after = busy("T1", at(21, 0, 60), AllocationKind.BLOCK)  # starts at 21:00
    assert plans(floor, 4, before, after) == [("T1",)]
    overlapping = busy("T1", at(20, 59, 60), AllocationKind.HOLD)
    assert plans(floor, 4, before, after, overlapping) == []


def test_a_booking_being_replanned_does_not_conflict_with_itself() -> None:
    floor = venue([table("T1", 4)])
    index = CombinationIndex.build(floor)
    own = busy("T1", WINDOW, AllocationKind.HOLD, booking_id="b1")
    occupancy = Occupancy.from_allocations(index.positions, [own], ignore_booking="b1")
    assert feasible_combinations(index, occupancy, PlanRequest(4, WINDOW)) != []


def test_the_index_cache_answers_from_memory_until_the_venue_changes() -> None:
    floor = venue([table("T1", 4), table("T2", 2)], [("T1", "T2")])
    cache = IndexCache(size=2)
    first = cache.get(("r1", 1), floor)
    assert cache.get(("r1", 1), floor) is first
    assert cache.get(("r1", 1), replace(floor)) is first  # an equal snapshot
    changed = replace(floor, tables=(table("T1", 6), table("T2", 2)))
    rebuilt = cache.get(("r1", 1), changed)
    assert rebuilt is not first
    assert rebuilt.venue is changed
    cache.get(("r2", 1), floor)
    cache.get(("r3", 1), floor)
    assert len(cache) == 2
    assert cache.get(("r1", 1), changed) is not rebuilt  # evicted, least recently used


def test_combination_index_without_a_key_is_built_fresh() -> None:
    floor = venue([table("T1", 4)])
    assert combination_index(floor) is not combination_index(floor)
    assert combination_index(floor, key=("r", 0)) is combination_index(floor, key=("r", 0))
