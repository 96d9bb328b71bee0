"""Helpers for database tests: small restaurants made through the real import path."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.formats.floorplan import parse_floorplan
from maitred.services.venues import import_floorplan

SMALL_FLOOR = """
restaurant: {name: %(name)s, timezone: Europe/London}
policy:
  services:
    - {name: lunch, start: "12:00", end: "15:00", allow_overrun: true}
    - {name: dinner, start: "17:00", end: "22:00"}
  buffer_minutes: 15
zones:
  - name: Main
    tables:
      - {label: T1, capacity: 2}
      - {label: T2, capacity: 2}
      - {label: T3, capacity: 4, min_party: 3, max_party: 4}
      - {label: B1, capacity: 6, mergeable: false}
    adjacency: [[T1, T2], [T2, T3]]
  - name: Patio
    tables:
      - {label: P1, capacity: 4}
"""


@pytest.fixture
def make_restaurant(db: Database) -> Callable[[str], UUID]:
    """Create a restaurant with the small floor; returns its id."""

    def make(name: str = "Corner House") -> UUID:
        return import_floorplan(db, parse_floorplan(SMALL_FLOOR % {"name": name}))

    return make
