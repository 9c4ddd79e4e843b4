"""The evaluation's query tables: evaluators and their conflicts, assignments
(one row per evaluator on an application's panel), how far each ranked call has
come (assigned, ranked, selected), and the programme's per-beneficiary cap from
`calls.events`.

Revision ID: applications_0002
Revises: applications_0001
"""

from alembic import op

revision = "applications_0002"
down_revision = "applications_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE evaluators (
        id         text PRIMARY KEY,
        sub        text NOT NULL UNIQUE,
        conflicts  text[] NOT NULL,
        version    integer NOT NULL,
        body       jsonb NOT NULL
    )""")
    op.execute("""
    CREATE TABLE assignments (
        id              text PRIMARY KEY,
        application_id  text NOT NULL,
        call_id         text NOT NULL,
        evaluator_id    text NOT NULL REFERENCES evaluators (id),
        state           text NOT NULL,
        body            jsonb NOT NULL
    )""")
    op.execute("CREATE INDEX assignments_by_evaluator ON assignments (evaluator_id, id)")
    op.execute("CREATE INDEX assignments_by_application ON assignments (application_id)")
    op.execute("""
    CREATE TABLE call_stages (
        call_id  text PRIMARY KEY,
        stage    text NOT NULL,
        version  integer NOT NULL
    )""")
    op.execute("""
    CREATE TABLE programme_replicas (
        id                         text PRIMARY KEY,
        per_beneficiary_cap_cents  bigint
    )""")


def downgrade() -> None:
    for table in ("programme_replicas", "call_stages", "assignments", "evaluators"):
        op.execute(f"DROP TABLE {table}")
