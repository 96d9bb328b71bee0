"""Helpers for database tests: small restaurants made through the real import path."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from maitred.db.database import Database
from maitred.formats.floorplan import parse_floorplan
from maitred.services.venues import import_floorplan
from support.floors import SMALL_FLOOR


@pytest.fixture
def make_restaurant(db: Database) -> Callable[[str], UUID]:
    """Create a restaurant with the small floor; returns its id."""

    def make(name: str = "Corner House") -> UUID:
        return import_floorplan(db, parse_floorplan(SMALL_FLOOR % {"name": name}))

    return make
