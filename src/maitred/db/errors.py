"""Translate driver errors to domain errors, by SQLSTATE and constraint name, in one place.

No PostgreSQL message or constraint name ever leaves this module inside an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg

from maitred.domain.errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidRequest,
    MaitredError,
    NotFound,
    TableConflict,
    TransientConflict,
    ZoneMismatch,
)

# Constraint name -> the domain error a violation of it means.
_CONSTRAINTS: dict[str, MaitredError] = {
    "allocations_no_overlap": TableConflict(),
    "zones_name_key": Conflict("A zone with that name already exists."),
    "dining_tables_label_key": Conflict("A table with that label already exists."),
    "adjacency_pkey": Conflict("Those tables are already adjacent."),
    "adjacency_table_a_fkey": ZoneMismatch("Adjacent tables must exist in the same zone."),
    "adjacency_table_b_fkey": ZoneMismatch("Adjacent tables must exist in the same zone."),
    "adjacency_ordered": InvalidRequest("A table cannot be adjacent to itself."),
    "bookings_ref_key": Conflict("A booking with that reference already exists."),
    "api_keys_hash_key": Conflict("That key already exists."),
}


def _fresh(template: MaitredError) -> MaitredError:
    return type(template)(template.message, **template.details)


def translate(exc: psycopg.Error) -> MaitredError | None:
    """The domain error for a driver error, or None when it is a defect (a bug, not input)."""
    constraint = exc.diag.constraint_name if isinstance(exc, psycopg.DatabaseError) else None
    if constraint in _CONSTRAINTS:
        return _fresh(_CONSTRAINTS[constraint])
    match exc:
        case pg.ExclusionViolation():
            return TableConflict()
        case pg.DeadlockDetected() | pg.SerializationFailure() | pg.LockNotAvailable():
            return TransientConflict()
        case pg.UniqueViolation():
            return Conflict()
        case pg.ForeignKeyViolation():
            return NotFound("Something this refers to does not exist.")
        case pg.CheckViolation() | pg.NotNullViolation() | pg.InvalidTextRepresentation():
            return InvalidRequest("A value is out of range.")
        case pg.UntranslatableCharacter():  # "\u0000" in a JSON document (a policy)
            return InvalidRequest("Text cannot contain NUL characters.")
        case psycopg.DataError() if exc.sqlstate is None:
            # Refused by the driver before sending: a NUL in a text value (a floor plan's name).
            return InvalidRequest("Text cannot contain NUL characters.")
        case pg.InsufficientPrivilege():
            # A row-level security refusal: the row belongs to another restaurant.
            return NotFound()
        case pg.QueryCanceled():
            return DatabaseUnavailable("The database took too long; try again.")
        case psycopg.OperationalError():
            return DatabaseUnavailable()
    return None


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise driver errors that have a domain meaning as domain errors."""
    try:
        yield
    except psycopg.Error as exc:
        domain_error = translate(exc)
        if domain_error is None:
            raise
        raise domain_error from exc
