"""The calls service's query tables: programmes and calls as the API shows them,
written in the same transaction as their events.

Revision ID: calls_0001
Revises: chassis_0001
"""

from alembic import op

revision = "calls_0001"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE programmes (
        id            text PRIMARY KEY,
        code          text NOT NULL UNIQUE,
        version       integer NOT NULL,
        body          jsonb NOT NULL
    )""")
    op.execute("""
    CREATE TABLE calls (
        id            text PRIMARY KEY,
        programme_id  text NOT NULL REFERENCES programmes (id),
        code          text NOT NULL,
        status        text NOT NULL,
        kind          text NOT NULL,
        opens_at      timestamptz NOT NULL,
        closes_at     timestamptz NOT NULL,
        version       integer NOT NULL,
        body          jsonb NOT NULL,
        UNIQUE (programme_id, code)
    )""")
    # The scheduler looks for calls due to open or close.
    op.execute("CREATE INDEX calls_due_to_open ON calls (opens_at) WHERE status = 'published'")
    op.execute("CREATE INDEX calls_due_to_close ON calls (closes_at) WHERE status = 'open'")
    op.execute("CREATE INDEX calls_by_programme ON calls (programme_id, id)")


def downgrade() -> None:
    op.execute("DROP TABLE calls")
    op.execute("DROP TABLE programmes")
