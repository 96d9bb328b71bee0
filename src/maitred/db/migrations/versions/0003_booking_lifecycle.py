"""The booking lifecycle: hold details, rate-limit log, context versions, idempotency, outbox.

- allocations get their service day (so a change can bump that day's context version) and who
  made them, with the reason when a manager overrode a rule;
- holds record what they were decided on (party, window, TTL) for drift checks;
- hold_log counts holds per actor for the rate limits;
- context_versions: one counter per (restaurant, service day), bumped by every allocation change
  there, by trigger, so no write can forget it;
- idempotency_keys: one record per (restaurant, key) with the request fingerprint and the
  stored response;
- capacity_outbox: events written in the same transaction as the change they describe.

Every new table has RLS enabled and forced, and its keys include restaurant_id.

Rolling back: `maitred migrate 0002 --down` drops the new tables and columns (their data is lost:
stored idempotent responses and undelivered events with it).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE allocations
    ADD COLUMN service_date date,
    ADD COLUMN created_by text CHECK (length(created_by) <= 200),
    ADD COLUMN override_reason text CHECK (length(override_reason) <= 500);
UPDATE allocations a SET service_date = b.service_date
    FROM bookings b
    WHERE b.restaurant_id = a.restaurant_id AND b.booking_id = a.booking_id;
UPDATE allocations a SET service_date = (lower(a.time_window) AT TIME ZONE r.timezone)::date
    FROM restaurants r
    WHERE r.restaurant_id = a.restaurant_id AND a.service_date IS NULL;
ALTER TABLE allocations ALTER COLUMN service_date SET NOT NULL;
CREATE INDEX allocations_day_idx ON allocations (restaurant_id, service_date);

-- Who created a booking (an API key's actor id): the online role may act on its own only.
ALTER TABLE bookings ADD COLUMN created_by text CHECK (length(created_by) <= 200);

ALTER TABLE holds
    ADD COLUMN party_size integer CHECK (party_size >= 1),
    ADD COLUMN time_window tstzrange,
    ADD COLUMN ttl_seconds integer CHECK (ttl_seconds >= 1);
CREATE INDEX holds_actor_idx ON holds (restaurant_id, actor, expires_at);

CREATE TABLE hold_log (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    log_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    actor          text NOT NULL,
    booking_id     uuid NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hold_log_pkey PRIMARY KEY (restaurant_id, log_id)
);
CREATE INDEX hold_log_actor_idx ON hold_log (restaurant_id, actor, booking_id, created_at);

CREATE TABLE context_versions (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    service_date   date NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT context_versions_pkey PRIMARY KEY (restaurant_id, service_date)
);

CREATE FUNCTION bump_context_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO context_versions AS c (restaurant_id, service_date)
            VALUES (OLD.restaurant_id, OLD.service_date)
            ON CONFLICT (restaurant_id, service_date) DO UPDATE SET version = c.version + 1;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.service_date <> OLD.service_date) THEN
        INSERT INTO context_versions AS c (restaurant_id, service_date)
            VALUES (NEW.restaurant_id, NEW.service_date)
            ON CONFLICT (restaurant_id, service_date) DO UPDATE SET version = c.version + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER allocations_context_version AFTER INSERT OR UPDATE OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION bump_context_version();

CREATE TABLE idempotency_keys (
    restaurant_id        uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    idempotency_key      text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_fingerprint  text NOT NULL,
    outcome              text NOT NULL,
    response_body        jsonb NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (restaurant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE capacity_outbox (
    restaurant_id    uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    event_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    aggregate_id     uuid NOT NULL,
    event_type       text NOT NULL,
    dedupe_key       text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at     timestamptz,
    CONSTRAINT capacity_outbox_pkey PRIMARY KEY (restaurant_id, event_id),
    CONSTRAINT capacity_outbox_dedupe_key UNIQUE (restaurant_id, dedupe_key)
);
CREATE INDEX capacity_outbox_due_idx ON capacity_outbox (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX capacity_outbox_aggregate_idx
    ON capacity_outbox (restaurant_id, aggregate_id, created_at);
"""

POLICY = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (restaurant_id = app_current_restaurant())
    WITH CHECK (restaurant_id = app_current_restaurant());
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO maitred_app;
"""

NEW_TABLES = ("hold_log", "context_versions", "idempotency_keys", "capacity_outbox")

DOWNGRADE = r"""
DROP TABLE capacity_outbox, idempotency_keys, context_versions, hold_log;
DROP TRIGGER allocations_context_version ON allocations;
DROP FUNCTION bump_context_version();
DROP INDEX holds_actor_idx;
ALTER TABLE holds DROP COLUMN party_size, DROP COLUMN time_window, DROP COLUMN ttl_seconds;
ALTER TABLE allocations DROP COLUMN service_date, DROP COLUMN created_by,
    DROP COLUMN override_reason;
ALTER TABLE bookings DROP COLUMN created_by;
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    for table in NEW_TABLES:
        op.execute(POLICY.format(table=table))


def downgrade() -> None:
    op.execute(DOWNGRADE)
