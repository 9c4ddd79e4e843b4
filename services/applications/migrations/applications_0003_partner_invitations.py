"""Partners' invitations: which organisation was asked to join which application,
and whether it consented.

Revision ID: applications_0003
Revises: applications_0002
"""

from alembic import op

revision = "applications_0003"
down_revision = "applications_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE partner_invitations (
        id               text PRIMARY KEY,
        application_id   text NOT NULL,
        organisation_id  text NOT NULL,
        status           text NOT NULL,
        version          integer NOT NULL,
        body             jsonb NOT NULL,
        UNIQUE (application_id, organisation_id)
    )""")
    op.execute(
        "CREATE INDEX partner_invitations_by_organisation "
        "ON partner_invitations (organisation_id, id)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE partner_invitations")
