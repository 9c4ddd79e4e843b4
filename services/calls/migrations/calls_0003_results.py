"""The selected beneficiaries of each call, listed publicly once its results
are published.

Revision ID: calls_0003
Revises: calls_0001
"""

from alembic import op

revision = "calls_0003"
down_revision = "calls_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE call_beneficiaries (
        call_id         text NOT NULL,
        application_id  text NOT NULL,
        name            text NOT NULL,
        country         text NOT NULL,
        amount_cents    bigint NOT NULL,
        CONSTRAINT call_beneficiaries_pkey PRIMARY KEY (call_id, application_id)
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE call_beneficiaries")
