"""Blocks: tables out of service for a while (a broken leg, a private corner, a reservation
taken by phone elsewhere).

A block is one `allocations` row of kind `block` per table, sharing a group id, so the
exclusion constraint keeps it apart from holds and assignments exactly as it keeps those apart
from each other. A block that would overlap anything live is refused, naming the tables and the
windows they are busy in (never whose booking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database, savepoint
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import outbox
from maitred.db.repositories import service_day as day_rows
from maitred.db.repositories import venues as venue_rows
from maitred.domain.actors import Actor
from maitred.domain.booking import Allocation, AllocationKind
from maitred.domain.errors import InvalidRequest, NotFound, TableConflict, TransientConflict
from maitred.domain.venue import Venue
from maitred.domain.window import Window, local_to_utc
from maitred.planning.occupancy import Occupancy
from maitred.planning.rules import label_key
from maitred.planning.selection import conflict_check
from maitred.services.floor import Floor, read_floor
from maitred.services.retry import retry_transient
from maitred.services.views import View, local_iso

Row = dict[str, Any]

MAX_REASON = 200  # the column's limit


def block_window(local_date: date, start_time: time, end_time: time, timezone: str) -> Window:
    """The block's window; an end at or before the start is on the next day (as for services)."""
    end_day = local_date + timedelta(days=1) if end_time <= start_time else local_date
    start = local_to_utc(local_date, start_time, timezone)
    end = local_to_utc(end_day, end_time, timezone)
    if end <= start:  # both ends inside one skipped DST hour
        raise InvalidRequest("The block ends before it starts.", start=str(start_time))
    return Window(start, end)


def _table_ids(floor: Floor, table_ids: Sequence[str]) -> list[str]:
    """The distinct tables, in label order; NotFound for an id the floor does not have."""
    if not table_ids:
        raise InvalidRequest("A block needs at least one table.", table_ids=[])
    found = []
    for table_id in dict.fromkeys(str(t) for t in table_ids):
        if not floor.venue.has_table(table_id):
            raise NotFound("No such table.", table_id=table_id)
        found.append(table_id)
    return sorted(found, key=lambda t: floor.index.positions[t])


def _check_reason(reason: str | None) -> str | None:
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidRequest(
            f"A block's reason has at most {MAX_REASON} characters.", field="reason"
        )
    return reason or None


def _busy(conn: Connection, floor: Floor, table_ids: list[str], window: Window) -> TableConflict:
    """The conflict naming every busy table and when it is busy (kinds, no bookings)."""
    rows = day_rows.live_on_tables(conn, floor.restaurant_id, [UUID(t) for t in table_ids], window)
    occupancy = Occupancy.from_allocations(
        floor.index.positions,
        [
            Allocation(
                str(r["table_id"]), range_window(r["time_window"]), AllocationKind(r["kind"])
            )
            for r in rows
        ],
    )
    check = conflict_check(floor.index, occupancy, table_ids, window)
    if check is None:
        return TableConflict(
            "Another change took a table first.", tables=floor.venue.labels(table_ids)
        )
    return TableConflict(check.message, **dict(check.details))


@dataclass(frozen=True, slots=True)
class TableNames:
    """What a block's view needs of the venue: table labels by id and the timezone."""

    labels: dict[str, str]
    timezone: str

    @classmethod
    def of(cls, venue: Venue) -> TableNames:
        return cls({t.id: t.label for t in venue.tables}, venue.timezone)

    @classmethod
    def read(cls, conn: Connection, restaurant_id: UUID) -> TableNames:
        """Read afresh: the floor cache must only be filled with the caller's policy defaults,
        and naming tables needs no policy."""
        restaurant = venue_rows.get_restaurant(conn, restaurant_id)
        if restaurant is None:
            raise NotFound("No such restaurant.")
        tables = venue_rows.list_tables(conn, restaurant_id)
        return cls({str(t["table_id"]): t["label"] for t in tables}, restaurant["timezone"])

    def tables(self, table_ids: list[Any]) -> list[View]:
        """`{id, label}` in natural label order."""
        named = [(str(t), self.labels.get(str(t), str(t))) for t in table_ids]
        named.sort(key=lambda item: label_key(item[1]))
        return [{"id": table_id, "label": label} for table_id, label in named]


def block_view(rows: list[Row], names: TableNames) -> View:
    """A block from its rows (one per table)."""
    first = rows[0]
    window = range_window(first["time_window"])
    return {
        "id": str(first["group_id"]),
        "tables": names.tables([r["table_id"] for r in rows]),
        "start": local_iso(window.start, names.timezone),
        "end": local_iso(window.end, names.timezone),
        "service_date": first["service_date"].isoformat(),
        "reason": first["reason"],
        "created_by": first["created_by"],
    }


@retry_transient
def create_block(
    db: Database,
    restaurant_id: UUID,
    table_ids: Sequence[str],
    local_date: date,
    start_time: time,
    end_time: time,
    reason: str | None,
    actor: Actor,
    defaults: dict[str, Any],
) -> View:
    """Take tables out of service from `start_time` to `end_time` of a local date; refused
    with TABLE_CONFLICT when any of them is held, assigned or blocked then."""
    reason = _check_reason(reason)
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        tables = _table_ids(floor, table_ids)
        window = block_window(local_date, start_time, end_time, floor.venue.timezone)
        uuids = [UUID(t) for t in tables]
        allocation_rows.lock_days(conn, restaurant_id, [local_date])  # before any row is touched
        allocation_rows.delete_expired_holds_on(conn, restaurant_id, uuids, window)
        if day_rows.live_on_tables(conn, restaurant_id, uuids, window):
            raise _busy(conn, floor, tables, window)
        group_id = uuid4()
        try:
            with savepoint(conn):
                day_rows.insert_block(
                    conn, restaurant_id, group_id, uuids, window, local_date, reason, actor.id
                )
        except TransientConflict:
            raise
        except TableConflict:  # lost a race after the check
            raise _busy(conn, floor, tables, window) from None
        view = block_view(
            day_rows.block_rows(conn, restaurant_id, group_id), TableNames.of(floor.venue)
        )
        outbox.add(
            conn, restaurant_id, group_id, "block.created", f"block.created:{group_id}", view
        )
        return view


def delete_block(db: Database, restaurant_id: UUID, group_id: UUID) -> View:
    """Put a block's tables back in service; the deleted block's view."""
    with db.tenant(restaurant_id) as conn:
        rows = day_rows.block_rows(conn, restaurant_id, group_id)
        if not rows:
            raise NotFound("No such block.", block_id=str(group_id))
        view = block_view(rows, TableNames.read(conn, restaurant_id))
        day_rows.delete_block(conn, restaurant_id, group_id)
        outbox.add(
            conn, restaurant_id, group_id, "block.deleted", f"block.deleted:{group_id}", view
        )
        return view


def list_blocks(db: Database, restaurant_id: UUID, service_date: date) -> list[View]:
    """The blocks created for a local date, by start."""
    with db.tenant(restaurant_id) as conn:
        names = TableNames.read(conn, restaurant_id)
        groups: dict[UUID, list[Row]] = {}
        for row in day_rows.blocks_of_day(conn, restaurant_id, service_date):
            groups.setdefault(row["group_id"], []).append(row)
        return [block_view(rows, names) for rows in groups.values()]
