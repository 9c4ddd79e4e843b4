"""The annexes attached to each application, one per code its call requires
(the bytes are in the chassis' file store, chassis_0003).

Revision ID: applications_0005
Revises: applications_0003
"""

from alembic import op

revision = "applications_0005"
down_revision = "applications_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE application_annexes (
        id               text PRIMARY KEY,
        application_id   text NOT NULL,
        code             text NOT NULL,
        sha256           text NOT NULL,
        body             jsonb NOT NULL,
        UNIQUE (application_id, code)
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE application_annexes")
