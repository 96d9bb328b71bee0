"""Who may do what: one table from roles to permissions."""

from __future__ import annotations

from enum import StrEnum

from maitred.domain.api_keys import Role


class Permission(StrEnum):
    VENUE_READ = "venue:read"
    VENUE_WRITE = "venue:write"
    BOOKING_CREATE = "booking:create"
    BOOKING_READ = "booking:read"
    BOOKING_WRITE = "booking:write"
    QUOTE = "quote"
    HOLD = "hold"
    CONFIRM = "confirm"
    MANUAL = "manual"  # assignment context and validation
    ASSIGN = "assign"  # ops: assign, move, unassign
    DAY_READ = "day:read"
    DAY_ASSIGN = "day:assign"
    BLOCKS = "blocks"
    AVAILABILITY = "availability"
    KEYS = "keys"
    WEBHOOKS = "webhooks"
    EVENTS = "events"


_STAFF = frozenset(Permission) - {Permission.KEYS, Permission.VENUE_WRITE, Permission.WEBHOOKS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: frozenset(Permission) - {Permission.KEYS},
    Role.HOST: _STAFF,
    # The booking widget: its own bookings only (checked per booking), and availability.
    Role.ONLINE: frozenset(
        {
            Permission.BOOKING_CREATE,
            Permission.QUOTE,
            Permission.HOLD,
            Permission.CONFIRM,
            Permission.AVAILABILITY,
        }
    ),
}

# Roles that act only on the bookings their own key created.
OWN_BOOKINGS_ONLY = frozenset({Role.ONLINE})


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
