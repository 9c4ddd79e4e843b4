"""Published results, evaluation summary reports and redress: when each call's
results were published, and the review requests.

Revision ID: applications_0006
Revises: applications_0005
"""

from alembic import op

revision = "applications_0006"
down_revision = "applications_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE call_results (
        call_id                text PRIMARY KEY,
        published_at           timestamptz NOT NULL,
        review_requests_until  timestamptz NOT NULL
    )""")
    op.execute("""
    CREATE TABLE review_requests (
        id              text PRIMARY KEY,
        application_id  text NOT NULL,
        call_id         text NOT NULL,
        status          text NOT NULL,
        version         integer NOT NULL,
        body            jsonb NOT NULL,
        CONSTRAINT review_requests_application_id_key UNIQUE (application_id)
    )""")
    op.execute("CREATE INDEX review_requests_by_status ON review_requests (status, id)")


def downgrade() -> None:
    op.execute("DROP TABLE review_requests")
    op.execute("DROP TABLE call_results")
