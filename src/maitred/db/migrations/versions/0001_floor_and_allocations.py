"""Floor, policy, bookings, holds, allocations with the no-double-booking constraint, API keys.

Every primary key, unique, exclusion and foreign key includes restaurant_id.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE restaurants (
    restaurant_id  uuid PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    timezone       text NOT NULL,
    venue_version  bigint NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE zones (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    zone_id        uuid NOT NULL DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    position       integer NOT NULL DEFAULT 0,
    CONSTRAINT zones_pkey PRIMARY KEY (restaurant_id, zone_id),
    CONSTRAINT zones_name_key UNIQUE (restaurant_id, name)
);

CREATE TABLE dining_tables (
    restaurant_id  uuid NOT NULL,
    table_id       uuid NOT NULL DEFAULT gen_random_uuid(),
    zone_id        uuid NOT NULL,
    label          text NOT NULL CHECK (length(label) BETWEEN 1 AND 40),
    capacity       integer NOT NULL CHECK (capacity BETWEEN 1 AND 100),
    min_party      integer NOT NULL DEFAULT 1,
    max_party      integer,
    mergeable      boolean NOT NULL DEFAULT true,
    active         boolean NOT NULL DEFAULT true,
    priority       integer NOT NULL DEFAULT 0,
    position       integer NOT NULL DEFAULT 0,
    CONSTRAINT dining_tables_pkey PRIMARY KEY (restaurant_id, table_id),
    CONSTRAINT dining_tables_label_key UNIQUE (restaurant_id, label),
    -- the target of adjacency's same-zone foreign keys
    CONSTRAINT dining_tables_zone_key UNIQUE (restaurant_id, zone_id, table_id),
    CONSTRAINT dining_tables_zone_fkey FOREIGN KEY (restaurant_id, zone_id)
        REFERENCES zones (restaurant_id, zone_id),
    CONSTRAINT dining_tables_party_limits CHECK (
        min_party >= 1
        AND min_party <= coalesce(max_party, capacity)
        AND coalesce(max_party, capacity) <= capacity)
);

-- One row per unordered pair (table_a < table_b); both foreign keys carry the zone, so the
-- two tables of an edge are always in the same zone.
CREATE TABLE adjacency (
    restaurant_id  uuid NOT NULL,
    zone_id        uuid NOT NULL,
    table_a        uuid NOT NULL,
    table_b        uuid NOT NULL,
    CONSTRAINT adjacency_pkey PRIMARY KEY (restaurant_id, table_a, table_b),
    CONSTRAINT adjacency_ordered CHECK (table_a < table_b),
    CONSTRAINT adjacency_table_a_fkey FOREIGN KEY (restaurant_id, zone_id, table_a)
        REFERENCES dining_tables (restaurant_id, zone_id, table_id) ON DELETE CASCADE,
    CONSTRAINT adjacency_table_b_fkey FOREIGN KEY (restaurant_id, zone_id, table_b)
        REFERENCES dining_tables (restaurant_id, zone_id, table_id) ON DELETE CASCADE
);
CREATE INDEX adjacency_table_b_idx ON adjacency (restaurant_id, table_b);

-- Versioned policy documents; the restaurant's policy is its highest version.
CREATE TABLE policies (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    version        integer NOT NULL CHECK (version >= 1),
    document       jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT policies_pkey PRIMARY KEY (restaurant_id, version)
);

CREATE TABLE bookings (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    booking_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    ref            text CHECK (length(ref) BETWEEN 1 AND 80),
    party_size     integer NOT NULL CHECK (party_size BETWEEN 1 AND 500),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN
                   ('pending', 'confirmed', 'seated', 'completed', 'cancelled', 'no_show')),
    local_date     date NOT NULL,
    local_time     time NOT NULL,
    service        text NOT NULL,
    service_date   date NOT NULL,
    duration_minutes integer CHECK (duration_minutes > 0),
    time_window    tstzrange NOT NULL,
    pinned         boolean NOT NULL DEFAULT false,
    guest_name     text CHECK (length(guest_name) <= 120),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bookings_pkey PRIMARY KEY (restaurant_id, booking_id),
    CONSTRAINT bookings_ref_key UNIQUE (restaurant_id, ref),
    CONSTRAINT bookings_window_valid CHECK (
        NOT isempty(time_window) AND lower_inc(time_window) AND NOT upper_inc(time_window)
        AND NOT lower_inf(time_window) AND NOT upper_inf(time_window))
);
CREATE INDEX bookings_day_idx ON bookings (restaurant_id, service_date, status);

CREATE TABLE holds (
    restaurant_id  uuid NOT NULL,
    hold_id        uuid NOT NULL DEFAULT gen_random_uuid(),
    booking_id     uuid NOT NULL,
    actor          text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    extended       boolean NOT NULL DEFAULT false,
    fingerprint    jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT holds_pkey PRIMARY KEY (restaurant_id, hold_id),
    CONSTRAINT holds_booking_fkey FOREIGN KEY (restaurant_id, booking_id)
        REFERENCES bookings (restaurant_id, booking_id) ON DELETE CASCADE,
    CONSTRAINT holds_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX holds_booking_idx ON holds (restaurant_id, booking_id);
CREATE INDEX holds_expiry_idx ON holds (expires_at);

-- The single source of truth for occupancy: holds, assignments and blocks alike.
CREATE TABLE allocations (
    restaurant_id  uuid NOT NULL,
    allocation_id  uuid NOT NULL DEFAULT gen_random_uuid(),
    table_id       uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('hold', 'assignment', 'block')),
    time_window    tstzrange NOT NULL,
    group_id       uuid NOT NULL,
    booking_id     uuid,
    hold_id        uuid,
    expires_at     timestamptz,
    reason         text CHECK (length(reason) <= 200),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT allocations_pkey PRIMARY KEY (restaurant_id, allocation_id),
    CONSTRAINT allocations_table_fkey FOREIGN KEY (restaurant_id, table_id)
        REFERENCES dining_tables (restaurant_id, table_id),
    CONSTRAINT allocations_booking_fkey FOREIGN KEY (restaurant_id, booking_id)
        REFERENCES bookings (restaurant_id, booking_id) ON DELETE CASCADE,
    CONSTRAINT allocations_hold_fkey FOREIGN KEY (restaurant_id, hold_id)
        REFERENCES holds (restaurant_id, hold_id) ON DELETE CASCADE,
    CONSTRAINT allocations_window_valid CHECK (
        NOT isempty(time_window) AND lower_inc(time_window) AND NOT upper_inc(time_window)
        AND NOT lower_inf(time_window) AND NOT upper_inf(time_window)),
    CONSTRAINT allocations_kind_fields CHECK (
        (kind = 'hold' AND booking_id IS NOT NULL AND hold_id IS NOT NULL
                       AND expires_at IS NOT NULL)
     OR (kind = 'assignment' AND booking_id IS NOT NULL AND hold_id IS NULL
                             AND expires_at IS NULL)
     OR (kind = 'block' AND booking_id IS NULL AND hold_id IS NULL AND expires_at IS NULL)),
    -- No two allocations of any kinds overlap on one table: double booking is impossible.
    -- Checked row by row, never deferred: a re-assignment deletes before it inserts.
    CONSTRAINT allocations_no_overlap EXCLUDE USING gist (
        restaurant_id WITH =, table_id WITH =, time_window WITH &&)
);
CREATE INDEX allocations_booking_idx ON allocations (restaurant_id, booking_id);
CREATE INDEX allocations_hold_idx ON allocations (restaurant_id, hold_id);
CREATE INDEX allocations_group_idx ON allocations (restaurant_id, group_id);

CREATE TABLE api_keys (
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    key_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    key_hash       text NOT NULL,
    prefix         text NOT NULL,
    role           text NOT NULL CHECK (role IN ('owner', 'manager', 'host', 'online')),
    name           text CHECK (length(name) <= 120),
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    CONSTRAINT api_keys_pkey PRIMARY KEY (restaurant_id, key_id),
    CONSTRAINT api_keys_hash_key UNIQUE (restaurant_id, key_hash)
);
CREATE INDEX api_keys_hash_idx ON api_keys (key_hash);

-- The venue version changes whenever tables, zones, adjacency or policy change; caches and
-- decisions built on the venue compare it.
CREATE FUNCTION bump_venue_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rid uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.restaurant_id ELSE NEW.restaurant_id END;
BEGIN
    UPDATE restaurants SET venue_version = venue_version + 1 WHERE restaurant_id = rid;
    RETURN NULL;
END $$;

CREATE TRIGGER zones_venue_version AFTER INSERT OR UPDATE OR DELETE ON zones
    FOR EACH ROW EXECUTE FUNCTION bump_venue_version();
CREATE TRIGGER dining_tables_venue_version AFTER INSERT OR UPDATE OR DELETE ON dining_tables
    FOR EACH ROW EXECUTE FUNCTION bump_venue_version();
CREATE TRIGGER adjacency_venue_version AFTER INSERT OR UPDATE OR DELETE ON adjacency
    FOR EACH ROW EXECUTE FUNCTION bump_venue_version();
CREATE TRIGGER policies_venue_version AFTER INSERT OR UPDATE OR DELETE ON policies
    FOR EACH ROW EXECUTE FUNCTION bump_venue_version();
"""

DOWNGRADE = r"""
DROP TABLE api_keys, allocations, holds, bookings, policies, adjacency, dining_tables, zones,
    restaurants;
DROP FUNCTION bump_venue_version();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
