"""The data subjects' keys (crypto-shredding: docs/PERSONAL_DATA.md).

Revision ID: chassis_0004
Revises: chassis_0003
"""

from alembic import op

revision = "chassis_0004"
down_revision = "chassis_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE subject_keys (
        key_id          text PRIMARY KEY,
        subject         text NOT NULL,
        master_key_id   text NOT NULL,
        wrapped_key     bytea NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subject_keys_subject_key UNIQUE (subject)
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE subject_keys")
