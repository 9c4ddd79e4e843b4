"""Redress in the audit copy: an application's trail finds the versions of its
call's ranking, which name every application in them.

Revision ID: reporting_0003
Revises: reporting_0002
"""

from alembic import op

revision = "reporting_0003"
down_revision = "reporting_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX audit_events_ranking_versions ON audit_events "
        "USING gin ((payload -> 'application_ids')) "
        "WHERE type = 'applications.RankingVersionRecorded'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX audit_events_ranking_versions")
