"""Turning a failed selection or a lost race into the error a caller receives.

Every failed check is listed; a conflict names the tables and the windows they are busy in
(never whose booking) and offers the best alternative plans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from maitred.db.database import Connection
from maitred.db.ranges import range_window
from maitred.domain import errors
from maitred.planning.request import PlanRequest
from maitred.planning.scoring import rank_plans
from maitred.planning.selection import Check, CheckCode, SelectionResult, conflict_check
from maitred.services.floor import Floor, LiveDay, read_live_day
from maitred.services.views import View, plan_view

_ERRORS: dict[CheckCode, type[errors.MaitredError]] = {
    CheckCode.NOT_FOUND: errors.NotFound,
    CheckCode.TABLE_INACTIVE: errors.TableInactive,
    CheckCode.TOO_MANY_TABLES: errors.TooManyTables,
    CheckCode.NOT_MERGEABLE: errors.NotMergeable,
    CheckCode.ZONE_MISMATCH: errors.ZoneMismatch,
    CheckCode.ADJACENCY_REQUIRED: errors.AdjacencyRequired,
    CheckCode.CAPACITY_INSUFFICIENT: errors.CapacityInsufficient,
    CheckCode.PARTY_SIZE_OUT_OF_RANGE: errors.PartySizeOutOfRange,
    CheckCode.SLACK_BUDGET_EXCEEDED: errors.SlackBudgetExceeded,
    CheckCode.TABLE_CONFLICT: errors.TableConflict,
}

# Checks a manager may override with a reason; the rest describe a physical impossibility.
SOFT_CHECKS = frozenset(
    {
        CheckCode.TOO_MANY_TABLES,
        CheckCode.NOT_MERGEABLE,
        CheckCode.ZONE_MISMATCH,
        CheckCode.ADJACENCY_REQUIRED,
        CheckCode.CAPACITY_INSUFFICIENT,
        CheckCode.PARTY_SIZE_OUT_OF_RANGE,
        CheckCode.SLACK_BUDGET_EXCEEDED,
    }
)


def alternatives(floor: Floor, live: LiveDay, row: dict[str, Any], top: int = 3) -> list[View]:
    """The best plans for the booking on the live floor, for a refused selection."""
    request = PlanRequest(
        row["party_size"], range_window(row["time_window"]), booking_id=str(row["booking_id"])
    )
    plans = rank_plans(floor.index, live.occupancy, request, live.day, top)
    return [plan_view(plan) for plan in plans]


def _primary(checks: Sequence[Check]) -> Check:
    """The check that names the error: a conflict first (it is what the host must resolve),
    otherwise the first rule broken."""
    for check in checks:
        if check.code is CheckCode.TABLE_CONFLICT:
            return check
    return checks[0]


def selection_error(
    result: SelectionResult, floor: Floor, live: LiveDay, row: dict[str, Any]
) -> errors.MaitredError:
    """The error for a refused selection: coded by its main check, listing all of them."""
    primary = _primary(result.checks)
    error_type = _ERRORS[primary.code]
    return error_type(
        primary.message,
        checks=[check.to_json() for check in result.checks],
        **dict(primary.details),
        alternatives=alternatives(floor, live, row),
    )


def conflict_details(
    conn: Connection, floor: Floor, row: dict[str, Any], table_ids: Sequence[str]
) -> errors.TableConflict:
    """A lost race, described from a fresh read of the floor: which tables, busy when, and
    what else would seat the party."""
    window = range_window(row["time_window"])
    live = read_live_day(conn, floor, window, ignore_booking=row["booking_id"])
    check = conflict_check(floor.index, live.occupancy, sorted(set(table_ids)), window)
    details: dict[str, Any] = (
        dict(check.details) if check else {"tables": floor.venue.labels(sorted(set(table_ids)))}
    )
    return errors.TableConflict(
        check.message if check else "Another booking took a table first.",
        **details,
        alternatives=alternatives(floor, live, row),
    )


@contextmanager
def described_conflicts(
    conn: Connection, floor: Floor, row: dict[str, Any], table_ids: Sequence[str]
) -> Iterator[None]:
    """Around a write of these tables: a lost race comes out described (tables, busy windows,
    alternatives); a deadlock passes through untouched, so the whole request is retried."""
    try:
        yield
    except errors.TransientConflict:
        raise
    except errors.TableConflict as exc:
        raise conflict_details(conn, floor, row, table_ids) from exc
