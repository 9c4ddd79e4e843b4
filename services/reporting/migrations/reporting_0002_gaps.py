"""Gaps: a projection record remembers that events of its stream wait in the audit
copy behind a missing one, and reporting remembers how far it has checked each
source's feed against its audit copy.

Revision ID: reporting_0002
Revises: reporting_0001
"""

from alembic import op

revision = "reporting_0002"
down_revision = "reporting_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE projection_records ADD COLUMN waiting boolean NOT NULL DEFAULT false""")
    op.execute("""
    CREATE TABLE feed_watermarks (
        source          text PRIMARY KEY,
        after           text,
        checked_at      timestamptz NOT NULL,
        events_healed   bigint NOT NULL DEFAULT 0
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE feed_watermarks")
    op.execute("ALTER TABLE projection_records DROP COLUMN waiting")
