"""The files of final reports: attached for a grant's next report, or handed in
with one (the bytes are in the chassis' file store, chassis_0003).

Revision ID: payments_0003
Revises: payments_0002
"""

from alembic import op

revision = "payments_0003"
down_revision = "payments_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE report_annexes (
        id          text PRIMARY KEY,
        grant_id    text NOT NULL,
        report_id   text,
        code        text NOT NULL,
        sha256      text NOT NULL,
        body        jsonb NOT NULL
    )""")
    op.execute("CREATE INDEX report_annexes_by_grant ON report_annexes (grant_id, id)")


def downgrade() -> None:
    op.execute("DROP TABLE report_annexes")
