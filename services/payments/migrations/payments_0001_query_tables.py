"""The payments service's tables: replicas of programmes, calls and organisations
(from other services' events), each call's money ledger, the de minimis
register, and grants as the API shows them.

Revision ID: payments_0001
Revises: chassis_0001
"""

from alembic import op

revision = "payments_0001"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE programmes (
        id                          text PRIMARY KEY,
        currency                    text NOT NULL,
        budget_cents                bigint NOT NULL,
        per_beneficiary_cap_cents   bigint,
        de_minimis_ceiling_cents    bigint NOT NULL,
        de_minimis_window_years     integer NOT NULL
    )""")
    # A call's terms as payments needs them, and its ledger. The checks repeat the
    # domain's invariants, so that no bug can write books that break them.
    op.execute("""
    CREATE TABLE calls (
        id                    text PRIMARY KEY,
        programme_id          text NOT NULL,
        currency              text NOT NULL,
        status                text NOT NULL,
        instalments           jsonb NOT NULL,
        counts_as_de_minimis  boolean NOT NULL,
        version               integer NOT NULL,
        budget_cents          bigint NOT NULL,
        committed_cents       bigint NOT NULL DEFAULT 0,
        paid_cents            bigint NOT NULL DEFAULT 0,
        recovered_cents       bigint NOT NULL DEFAULT 0,
        CHECK (0 <= recovered_cents AND recovered_cents <= paid_cents
               AND paid_cents <= committed_cents)
    )""")
    op.execute("CREATE INDEX calls_by_programme ON calls (programme_id)")
    op.execute("""
    CREATE TABLE organisations (
        id        text PRIMARY KEY,
        name      text NOT NULL,
        country   text NOT NULL,
        size      text,
        pic       text,
        vat_id    text
    )""")
    op.execute("""
    CREATE TABLE organisation_members (
        organisation_id  text NOT NULL,
        sub              text NOT NULL,
        PRIMARY KEY (organisation_id, sub)
    )""")
    op.execute("CREATE INDEX organisation_members_by_sub ON organisation_members (sub)")
    # Contracts that arrived before their call or programme (topics are not ordered
    # with each other): awarded once the call is known.
    op.execute("""
    CREATE TABLE waiting_contracts (
        application_id  text PRIMARY KEY,
        call_id         text NOT NULL,
        envelope        jsonb NOT NULL
    )""")
    op.execute("CREATE INDEX waiting_contracts_by_call ON waiting_contracts (call_id)")
    op.execute("""
    CREATE TABLE grants (
        id               text PRIMARY KEY,
        application_id   text NOT NULL UNIQUE,
        call_id          text NOT NULL,
        programme_id     text NOT NULL,
        organisation_id  text NOT NULL,
        status           text NOT NULL,
        committed_cents  bigint NOT NULL,
        version          integer NOT NULL,
        body             jsonb NOT NULL
    )""")
    op.execute("CREATE INDEX grants_by_call ON grants (call_id, id)")
    op.execute("CREATE INDEX grants_by_organisation ON grants (organisation_id, id)")
    op.execute("CREATE INDEX grants_by_beneficiary ON grants (programme_id, organisation_id)")
    # Instalments, payment orders and recoveries have URLs of their own.
    op.execute("""
    CREATE TABLE grant_items (
        id        text PRIMARY KEY,
        kind      text NOT NULL,
        grant_id  text NOT NULL
    )""")
    # One row per undertaking, locked while an award is decided, so that two awards
    # to one undertaking (in any programmes) never both fit the same headroom.
    op.execute("CREATE TABLE undertakings (id text PRIMARY KEY)")
    op.execute("""
    CREATE TABLE de_minimis_aid (
        grant_id         text PRIMARY KEY,
        undertaking_id   text NOT NULL REFERENCES undertakings (id),
        organisation_id  text NOT NULL,
        programme_id     text NOT NULL,
        call_id          text NOT NULL,
        amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),
        awarded_at       timestamptz NOT NULL
    )""")
    op.execute(
        "CREATE INDEX de_minimis_aid_by_undertaking ON de_minimis_aid (undertaking_id, awarded_at)"
    )


def downgrade() -> None:
    for table in (
        "de_minimis_aid",
        "undertakings",
        "grant_items",
        "grants",
        "waiting_contracts",
        "organisation_members",
        "organisations",
        "calls",
        "programmes",
    ):
        op.execute(f"DROP TABLE {table}")
