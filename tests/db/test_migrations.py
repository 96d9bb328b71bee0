"""Every revision upgrades and downgrades cleanly."""

from __future__ import annotations

from typing import Any

from maitred.db import migrate
from support.rows import public_tables


def test_downgrade_to_base_and_back_up(test_db: Any) -> None:
    test_db.db.close()  # the pool must not hold the database while its schema changes
    owner = test_db.owner_conninfo
    assert migrate.current_revision(owner) == migrate.head_revision()
    migrate.downgrade(owner, "0001")
    with test_db.owner() as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_class"
            " WHERE relrowsecurity AND relnamespace = 'public'::regnamespace"
        ).fetchone() == (0,)
    migrate.downgrade(owner, "base")
    assert migrate.current_revision(owner) is None
    with test_db.owner() as conn:
        assert public_tables(conn) == []
    migrate.upgrade(owner)
    assert migrate.current_revision(owner) == migrate.head_revision()
    with test_db.owner() as conn:
        assert "allocations" in public_tables(conn)
