"""The applications service's query tables: organisations and their members,
applications as the API shows them, and the local replica of each call built
from `calls.events`, written in the same transaction as their events.

Revision ID: applications_0001
Revises: chassis_0001
"""

from alembic import op

revision = "applications_0001"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PIC and VAT id are unique: a second registration of one organisation is refused.
    op.execute("""
    CREATE TABLE organisations (
        id            text PRIMARY KEY,
        pic           text UNIQUE,
        vat_id        text UNIQUE,
        version       integer NOT NULL,
        body          jsonb NOT NULL
    )""")
    op.execute("""
    CREATE TABLE organisation_members (
        organisation_id  text NOT NULL REFERENCES organisations (id),
        sub              text NOT NULL,
        PRIMARY KEY (organisation_id, sub)
    )""")
    op.execute("CREATE INDEX organisation_members_by_sub ON organisation_members (sub)")
    # One row per call, from calls.events. Its row lock serialises the submissions
    # of a call: receipt numbers and first-come-first-served budget are decided
    # one submission at a time, in the order the lock was granted.
    op.execute("""
    CREATE TABLE call_replicas (
        id               text PRIMARY KEY,
        programme_id     text NOT NULL,
        status           text NOT NULL,
        rules_version    integer NOT NULL,
        terms            jsonb NOT NULL,
        received         integer NOT NULL DEFAULT 0,
        committed_cents  bigint NOT NULL DEFAULT 0,
        exhausted        boolean NOT NULL DEFAULT false,
        version          integer NOT NULL,
        CHECK (committed_cents >= 0)
    )""")
    op.execute("""
    CREATE TABLE applications (
        id                    text PRIMARY KEY,
        call_id               text NOT NULL,
        programme_id          text NOT NULL,
        lead_organisation_id  text NOT NULL,
        organisation_ids      text[] NOT NULL,
        status                text NOT NULL,
        receipt               integer,
        version               integer NOT NULL,
        body                  jsonb NOT NULL,
        UNIQUE (call_id, receipt)
    )""")
    op.execute("CREATE INDEX applications_by_call ON applications (call_id, id)")
    op.execute(
        "CREATE INDEX applications_by_organisations ON applications USING gin (organisation_ids)"
    )
    op.execute(
        "CREATE INDEX applications_awarded ON applications (programme_id, "
        "lead_organisation_id) WHERE status IN ('selected', 'contracted')"
    )


def downgrade() -> None:
    for table in ("applications", "call_replicas", "organisation_members", "organisations"):
        op.execute(f"DROP TABLE {table}")
