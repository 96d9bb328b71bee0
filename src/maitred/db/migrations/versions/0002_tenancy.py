"""Row-level security on every tenant table, and the application role.

The application connects as `maitred_app`: not a superuser, not the owner of anything, no
BYPASSRLS. Every tenant table has RLS enabled and forced; its policy admits only rows of the
restaurant named by `app.restaurant_id`, which each transaction sets for itself.

An API key is looked up before its restaurant is known: the one extra policy on api_keys admits
exactly the row whose hash the caller has set in `app.api_key_hash`, which only the holder of
the key can compute.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "restaurants",
    "zones",
    "dining_tables",
    "adjacency",
    "policies",
    "bookings",
    "holds",
    "allocations",
    "api_keys",
)

ROLE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'maitred_app') THEN
        CREATE ROLE maitred_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END $$;

-- NULL (never an error) when no tenant is set in this transaction.
CREATE FUNCTION app_current_restaurant() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.restaurant_id', true), '')::uuid
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO maitred_app', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO maitred_app;
GRANT EXECUTE ON FUNCTION app_current_restaurant() TO maitred_app;
"""

POLICY = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (restaurant_id = app_current_restaurant())
    WITH CHECK (restaurant_id = app_current_restaurant());
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO maitred_app;
"""

KEY_LOOKUP = r"""
CREATE POLICY api_key_lookup ON api_keys FOR SELECT
    USING (key_hash = nullif(current_setting('app.api_key_hash', true), ''));
"""


def upgrade() -> None:
    op.execute(ROLE)
    for table in TENANT_TABLES:
        op.execute(POLICY.format(table=table))
    op.execute(KEY_LOOKUP)
    # Readiness checks compare the schema revision.
    op.execute("GRANT SELECT ON alembic_version TO maitred_app")


def downgrade() -> None:
    op.execute("REVOKE SELECT ON alembic_version FROM maitred_app")
    op.execute("DROP POLICY api_key_lookup ON api_keys")
    for table in TENANT_TABLES:
        op.execute(f"""
            REVOKE ALL ON {table} FROM maitred_app;
            DROP POLICY tenant_isolation ON {table};
            ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
        """)
    op.execute("""
        REVOKE ALL ON FUNCTION app_current_restaurant() FROM maitred_app;
        DROP FUNCTION app_current_restaurant();
        REVOKE USAGE ON SCHEMA public FROM maitred_app;
    """)
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM maitred_app', "
        "current_database()); END $$"
    )
    # The role is shared by every maitred database on the server, so it is kept.
