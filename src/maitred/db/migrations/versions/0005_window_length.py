"""A window lasts at most 28 hours: the longest turn (24 h) and the longest buffer (4 h).

Every read of the rows overlapping a window brackets them by service date
(`maitred.db.ranges.service_days_around`), because row-level security keeps the range operator
`&&` out of index conditions. The bracket is only safe while no window is longer than this, so
the database refuses one. Existing rows already satisfy it: the API, the imports and blocks
never made a longer one.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("bookings", "allocations")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_window_length"
            " CHECK (upper(time_window) - lower(time_window) <= interval '28 hours')"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_window_length")
