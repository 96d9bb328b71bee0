"""The worker: its role, webhooks, the allocation archive, and notifications.

- `maitred_worker` is the role of `maitred worker` and the cron jobs. It is neither superuser,
  owner nor BYPASSRLS: it reads across restaurants only through policies written for it, on
  exactly the tables its jobs touch (holds and their rows, the outbox, webhooks, the archive,
  idempotency records), and it has no grant on bookings, tables, policies or keys.
- `webhook_subscriptions` and `webhook_attempts`: per-restaurant endpoints and every delivery
  attempt (status code or error), for the API and the runbook.
- `allocations_archive` and `move_expired_allocations(batch_limit, cutoff)`: ended assignments
  move there in batches, each batch one statement.
- A trigger on the outbox notifies `maitred_events` (ids and type only, never a payload) when an
  event commits: relays wake up, API processes fan it out as server-sent events and evict
  cached venues.

Rolling back (`maitred migrate 0003 --down`): archived allocations are copied back into
`allocations` first (they are past, so they cannot overlap anything live), then the archive,
the webhook tables, the trigger and the worker's policies and grants are dropped. The role is
kept: other databases on the server may use it.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'maitred_worker') THEN
        CREATE ROLE maitred_worker LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO maitred_worker', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO maitred_worker;
GRANT EXECUTE ON FUNCTION app_current_restaurant() TO maitred_worker;

CREATE TABLE webhook_subscriptions (
    restaurant_id    uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    subscription_id  uuid NOT NULL DEFAULT gen_random_uuid(),
    url              text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret           text NOT NULL CHECK (length(secret) >= 16),
    event_types      text[] NOT NULL DEFAULT '{}',
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (restaurant_id, subscription_id)
);

CREATE TABLE webhook_attempts (
    restaurant_id    uuid NOT NULL,
    attempt_id       uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id         uuid NOT NULL,
    subscription_id  uuid NOT NULL,
    attempted_at     timestamptz NOT NULL DEFAULT now(),
    status_code      integer,
    error            text CHECK (length(error) <= 500),
    succeeded        boolean NOT NULL,
    CONSTRAINT webhook_attempts_pkey PRIMARY KEY (restaurant_id, attempt_id),
    CONSTRAINT webhook_attempts_event_fkey FOREIGN KEY (restaurant_id, event_id)
        REFERENCES capacity_outbox (restaurant_id, event_id) ON DELETE CASCADE,
    CONSTRAINT webhook_attempts_subscription_fkey FOREIGN KEY (restaurant_id, subscription_id)
        REFERENCES webhook_subscriptions (restaurant_id, subscription_id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (restaurant_id, event_id);

CREATE TABLE allocations_archive (
    restaurant_id    uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    allocation_id    uuid NOT NULL,
    table_id         uuid NOT NULL,
    kind             text NOT NULL,
    time_window      tstzrange NOT NULL,
    group_id         uuid NOT NULL,
    booking_id       uuid,
    hold_id          uuid,
    expires_at       timestamptz,
    reason           text,
    created_at       timestamptz NOT NULL,
    service_date     date NOT NULL,
    created_by       text,
    override_reason  text,
    archived_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT allocations_archive_pkey PRIMARY KEY (restaurant_id, allocation_id)
);
CREATE INDEX allocations_archive_day_idx ON allocations_archive (restaurant_id, service_date);
CREATE INDEX allocations_ended_idx ON allocations (upper(time_window)) WHERE kind = 'assignment';

-- Moves at most batch_limit assignments whose window ended before the cutoff (and before now:
-- a live row never moves) into the archive, in one statement; returns how many moved. Rows
-- another transaction holds are skipped, not waited for.
CREATE FUNCTION move_expired_allocations(batch_limit integer, cutoff timestamptz)
RETURNS integer LANGUAGE sql AS $$
    WITH doomed AS (
        SELECT restaurant_id, allocation_id FROM allocations
        WHERE kind = 'assignment' AND upper(time_window) < least(cutoff, now())
        ORDER BY upper(time_window)
        LIMIT batch_limit
        FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM allocations a USING doomed d
        WHERE a.restaurant_id = d.restaurant_id AND a.allocation_id = d.allocation_id
        RETURNING a.*
    ), archived AS (
        INSERT INTO allocations_archive (restaurant_id, allocation_id, table_id, kind,
            time_window, group_id, booking_id, hold_id, expires_at, reason, created_at,
            service_date, created_by, override_reason)
        SELECT restaurant_id, allocation_id, table_id, kind, time_window, group_id, booking_id,
            hold_id, expires_at, reason, created_at, service_date, created_by, override_reason
        FROM moved
        RETURNING 1
    )
    SELECT count(*)::integer FROM archived
$$;

-- A notification that cannot be queued never fails the write that caused it: listeners fall
-- back to polling and to the venue version check.
CREATE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM pg_notify('maitred_events', json_build_object(
            'restaurant_id', NEW.restaurant_id, 'event_id', NEW.event_id,
            'event_type', NEW.event_type, 'aggregate_id', NEW.aggregate_id)::text);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'maitred: event notification not sent: %', SQLERRM;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER capacity_outbox_notify AFTER INSERT ON capacity_outbox
    FOR EACH ROW EXECUTE FUNCTION notify_outbox_event();
"""

TENANT_POLICY = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (restaurant_id = app_current_restaurant())
    WITH CHECK (restaurant_id = app_current_restaurant());
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO maitred_app;
"""

# The tables each of the worker's jobs reads and writes across restaurants (UPDATE where a job
# claims rows with SELECT ... FOR UPDATE SKIP LOCKED, which needs it).
WORKER_TABLES = {
    "holds": "SELECT, UPDATE, DELETE",
    "allocations": "SELECT, UPDATE, DELETE",
    "allocations_archive": "SELECT, INSERT, DELETE",
    "capacity_outbox": "SELECT, INSERT, UPDATE, DELETE",
    "webhook_subscriptions": "SELECT",
    "webhook_attempts": "SELECT, INSERT",
    "idempotency_keys": "SELECT, DELETE",
    "hold_log": "SELECT, DELETE",
    "context_versions": "SELECT, INSERT, UPDATE",
}

WORKER_POLICY = """
CREATE POLICY worker_jobs ON {table} TO maitred_worker USING (true) WITH CHECK (true);
GRANT {grants} ON {table} TO maitred_worker;
"""

DOWNGRADE = r"""
INSERT INTO allocations (restaurant_id, allocation_id, table_id, kind, time_window, group_id,
    booking_id, hold_id, expires_at, reason, created_at, service_date, created_by,
    override_reason)
SELECT restaurant_id, allocation_id, table_id, kind, time_window, group_id, booking_id, hold_id,
    expires_at, reason, created_at, service_date, created_by, override_reason
FROM allocations_archive;
DROP TRIGGER capacity_outbox_notify ON capacity_outbox;
DROP FUNCTION notify_outbox_event();
DROP FUNCTION move_expired_allocations(integer, timestamptz);
DROP INDEX allocations_ended_idx;
DROP TABLE allocations_archive, webhook_attempts, webhook_subscriptions;
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    for table in ("webhook_subscriptions", "webhook_attempts", "allocations_archive"):
        op.execute(TENANT_POLICY.format(table=table))
    for table, grants in WORKER_TABLES.items():
        op.execute(WORKER_POLICY.format(table=table, grants=grants))


def downgrade() -> None:
    for table in WORKER_TABLES:
        if table not in ("webhook_subscriptions", "webhook_attempts", "allocations_archive"):
            op.execute(
                f"DROP POLICY worker_jobs ON {table}; REVOKE ALL ON {table} FROM maitred_worker"
            )
    op.execute(DOWNGRADE)
    op.execute("""
        REVOKE ALL ON FUNCTION app_current_restaurant() FROM maitred_worker;
        REVOKE USAGE ON SCHEMA public FROM maitred_worker;
    """)
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM maitred_worker', "
        "current_database()); END $$"
    )
