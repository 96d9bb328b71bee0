"""The one exclusion constraint makes double booking impossible, for every kind of allocation."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from maitred.db.database import Database
from maitred.domain.errors import TableConflict
from support.rows import KINDS, allocate, at, table_id

PAIRS = sorted(set(itertools.product(KINDS, repeat=2)))


@pytest.mark.parametrize(("first", "second"), PAIRS)
@pytest.mark.parametrize(
    ("start", "end"),
    [(30, 150), (-60, 30), (15, 45), (-30, 200), (0, 120)],
    ids=["overlaps-end", "overlaps-start", "inside", "encloses", "identical"],
)
def test_overlapping_allocations_of_any_kinds_are_refused(
    db: Database,
    make_restaurant: Callable[[str], UUID],
    first: str,
    second: str,
    start: int,
    end: int,
) -> None:
    rid = make_restaurant("A")
    with db.tenant(rid) as conn:
        allocate(conn, rid, table_id(conn, rid, "T1"), first, at(0), at(120))
    with pytest.raises(TableConflict), db.tenant(rid) as conn:
        allocate(conn, rid, table_id(conn, rid, "T1"), second, at(start), at(end))
    with db.tenant(rid) as conn:
        count = conn.execute("SELECT count(*) AS n FROM allocations").fetchone()
    assert count == {"n": 1}


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_back_to_back_windows_and_other_tables_are_accepted(
    db: Database, make_restaurant: Callable[[str], UUID], first: str, second: str
) -> None:
    rid = make_restaurant("A")
    with db.tenant(rid) as conn:
        t1, t2 = table_id(conn, rid, "T1"), table_id(conn, rid, "T2")
        allocate(conn, rid, t1, first, at(0), at(120))
        allocate(conn, rid, t1, second, at(120), at(240))  # starts as the first ends
        allocate(conn, rid, t1, second, at(-90), at(0))  # ends as the first starts
        allocate(conn, rid, t2, second, at(0), at(120))  # same time, another table
        count = conn.execute("SELECT count(*) AS n FROM allocations").fetchone()
    assert count == {"n": 4}


def test_the_constraint_never_relates_two_restaurants(
    db: Database, test_db: Any, make_restaurant: Callable[[str], UUID]
) -> None:
    """Two restaurants may use the very same table id at the same time."""
    a, b = make_restaurant("A"), make_restaurant("B")
    shared = uuid4()
    with test_db.owner() as conn:
        for rid in (a, b):
            conn.execute(
                "UPDATE dining_tables SET table_id = %s WHERE restaurant_id = %s AND label = 'P1'",
                [shared, rid],
            )
    for rid in (a, b):
        with db.tenant(rid) as conn:
            allocate(conn, rid, shared, "assignment", at(0), at(120))
    with test_db.owner() as conn:
        row = conn.execute("SELECT count(*) FROM allocations WHERE table_id = %s", [shared])
        assert row.fetchone() == (2,)


def test_a_conflict_inside_a_transaction_writes_nothing(
    db: Database, make_restaurant: Callable[[str], UUID]
) -> None:
    rid = make_restaurant("A")

    def three_allocations_the_last_conflicting() -> None:
        with db.tenant(rid) as conn:
            t1, t2 = table_id(conn, rid, "T1"), table_id(conn, rid, "T2")
            allocate(conn, rid, t2, "assignment", at(0), at(120))
            allocate(conn, rid, t1, "assignment", at(0), at(120))
            allocate(conn, rid, t1, "block", at(60), at(90))

    with pytest.raises(TableConflict):
        three_allocations_the_last_conflicting()
    with db.tenant(rid) as conn:
        assert conn.execute("SELECT count(*) AS n FROM allocations").fetchone() == {"n": 0}
        assert conn.execute("SELECT count(*) AS n FROM bookings").fetchone() == {"n": 0}
