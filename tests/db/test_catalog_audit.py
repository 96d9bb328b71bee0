"""A catalog audit: every tenant table is protected, every key carries restaurant_id."""

from __future__ import annotations

from typing import Any

from maitred.settings import APP_ROLE
from support.rows import public_tables


def test_there_are_tenant_tables_and_each_has_a_restaurant_id(test_db: Any) -> None:
    with test_db.owner() as conn:
        tables = public_tables(conn)
        assert {"restaurants", "allocations", "bookings", "holds", "api_keys"} <= set(tables)
        for table in tables:
            column = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = %s AND column_name = 'restaurant_id'",
                [table],
            ).fetchone()
            assert column is not None, f"{table} has no restaurant_id"


def test_every_tenant_table_has_rls_enabled_forced_and_a_policy(test_db: Any) -> None:
    with test_db.owner() as conn:
        for table in public_tables(conn):
            enabled, forced, policies = conn.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity,"
                " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [f"public.{table}"],
            ).fetchone()
            assert enabled, f"RLS is not enabled on {table}"
            assert forced, f"RLS is not forced on {table}"
            assert policies >= 1, f"{table} has no policy"


def test_every_key_and_constraint_includes_restaurant_id(test_db: Any) -> None:
    """Primary keys, uniques, exclusions and both sides of every foreign key."""
    with test_db.owner() as conn:
        rows = conn.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype,
                   EXISTS (SELECT 1 FROM unnest(c.conkey) k JOIN pg_attribute a
                           ON a.attrelid = c.conrelid AND a.attnum = k
                           WHERE a.attname = 'restaurant_id') AS own_side,
                   c.contype <> 'f' OR EXISTS (
                           SELECT 1 FROM unnest(c.confkey) k JOIN pg_attribute a
                           ON a.attrelid = c.confrelid AND a.attnum = k
                           WHERE a.attname = 'restaurant_id') AS referenced_side
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'x', 'f')
              AND c.conrelid::regclass::text <> 'alembic_version'
            """
        ).fetchall()
        kinds = {contype for _, _, contype, _, _ in rows}
        assert kinds == {"p", "u", "x", "f"}
        bad = [(t, name) for t, name, _, own, ref in rows if not (own and ref)]
        assert bad == []
        # Unique indexes that are not constraints must obey the same rule.
        indexes = conn.execute(
            """
            SELECT i.indexrelid::regclass::text FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND i.indisunique AND c.relname <> 'alembic_version'
              AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) k JOIN pg_attribute a
                              ON a.attrelid = i.indrelid AND a.attnum = k
                              WHERE a.attname = 'restaurant_id')
            """
        ).fetchall()
        assert indexes == []


def test_the_exclusion_constraint_is_the_one_of_the_design(test_db: Any) -> None:
    with test_db.owner() as conn:
        (definition,) = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'allocations_no_overlap'"
        ).fetchone()
    assert "EXCLUDE USING gist (restaurant_id WITH =, table_id WITH =, time_window WITH &&)" in (
        definition
    )


def test_the_app_role_is_not_privileged_and_owns_nothing(test_db: Any) -> None:
    with test_db.owner() as conn:
        superuser, bypass, createrole, createdb = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
            " WHERE rolname = %s",
            [APP_ROLE],
        ).fetchone()
        assert (superuser, bypass, createrole, createdb) == (False, False, False, False)
        owned = conn.execute(
            """
            SELECT 'relation ' || relname FROM pg_class WHERE relowner = to_regrole(%(r)s)
            UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = to_regrole(%(r)s)
            UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
                WHERE nspowner = to_regrole(%(r)s)
            UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = to_regrole(%(r)s)
            UNION ALL SELECT 'database ' || datname FROM pg_database
                WHERE datdba = to_regrole(%(r)s)
            """,
            {"r": APP_ROLE},
        ).fetchall()
        assert owned == []
    with test_db.app() as conn:
        (user,) = conn.execute("SELECT current_user").fetchone()
        assert user == APP_ROLE


def test_every_policy_is_one_of_the_three_kinds(test_db: Any) -> None:
    """Tenant isolation for everyone, the key lookup, and the worker's own cross-restaurant
    policies, granted to the worker role alone: nothing else opens a table."""
    with test_db.owner() as conn:
        rows = conn.execute(
            "SELECT tablename, policyname, roles::text[], qual FROM pg_policies"
            " WHERE schemaname = 'public' ORDER BY 1, 2"
        ).fetchall()
    for table, name, roles, qual in rows:
        if name == "tenant_isolation":
            assert roles == ["public"], table
            assert "app_current_restaurant()" in qual, table
        elif name == "api_key_lookup":
            assert table == "api_keys"
        else:
            assert (name, roles) == ("worker_jobs", ["maitred_worker"]), (table, name, roles)
