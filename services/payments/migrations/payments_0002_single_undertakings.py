"""Single undertakings in the de minimis register: links between enterprises, aid
declared from other grantors (every version, for answers as of a past instant), the
state-resource share of each call and award, programme names for the sources.

Revision ID: payments_0002
Revises: payments_0001
"""

from alembic import op

revision = "payments_0002"
down_revision = "payments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE programmes
        ADD COLUMN name text,
        ADD COLUMN cap_applies_to_undertaking boolean NOT NULL DEFAULT false""")
    op.execute("""
    ALTER TABLE calls ADD COLUMN state_resources_percent integer NOT NULL DEFAULT 100
        CHECK (state_resources_percent BETWEEN 0 AND 100)""")
    op.execute("UPDATE calls SET state_resources_percent = 0 WHERE NOT counts_as_de_minimis")
    # amount_cents stays what counts now; what counted when awarded is kept for
    # answers as of an instant before a cancellation reduced it.
    op.execute("""
    ALTER TABLE de_minimis_aid
        ADD COLUMN award_cents bigint,
        ADD COLUMN state_resources_percent integer NOT NULL DEFAULT 100,
        ADD COLUMN counted_at_award_cents bigint,
        ADD COLUMN reduced_at timestamptz""")
    op.execute(
        "UPDATE de_minimis_aid SET award_cents = amount_cents, "
        "counted_at_award_cents = amount_cents"
    )
    op.execute(
        "ALTER TABLE de_minimis_aid ALTER COLUMN award_cents SET NOT NULL, "
        "ALTER COLUMN counted_at_award_cents SET NOT NULL"
    )
    op.execute("CREATE INDEX de_minimis_aid_by_date ON de_minimis_aid (awarded_at)")
    # A link holds both ways: one row per pair, whichever side declared it.
    op.execute("""
    CREATE TABLE enterprise_links (
        id                    text PRIMARY KEY,
        organisation_id       text NOT NULL,
        enterprise_id         text NOT NULL,
        linked_enterprise_id  text NOT NULL,
        linked_pic            text,
        linked_vat_id         text,
        linked_known          boolean NOT NULL,
        relation              text NOT NULL,
        declared_by           text NOT NULL,
        declared_as           text NOT NULL,
        declared_at           timestamptz NOT NULL,
        CHECK (enterprise_id <> linked_enterprise_id)
    )""")
    op.execute(
        "CREATE UNIQUE INDEX enterprise_links_pair ON enterprise_links "
        "(LEAST(enterprise_id, linked_enterprise_id), "
        "GREATEST(enterprise_id, linked_enterprise_id))"
    )
    op.execute("CREATE INDEX enterprise_links_by_enterprise ON enterprise_links (enterprise_id)")
    op.execute("CREATE INDEX enterprise_links_by_linked ON enterprise_links (linked_enterprise_id)")
    op.execute("""
    CREATE TABLE declared_aid (
        entry_id         text NOT NULL,
        version          integer NOT NULL,
        organisation_id  text NOT NULL,
        enterprise_id    text NOT NULL,
        grantor          text NOT NULL,
        granted_on       date NOT NULL,
        amount_cents     bigint NOT NULL CHECK (amount_cents > 0),
        currency         text NOT NULL,
        rate_to_eur      numeric NOT NULL CHECK (rate_to_eur > 0),
        rate_source      text NOT NULL,
        eur_cents        bigint NOT NULL CHECK (eur_cents >= 0),
        recorded_by      text NOT NULL,
        recorded_as      text NOT NULL,
        reason           text,
        recorded_at      timestamptz NOT NULL,
        PRIMARY KEY (entry_id, version)
    )""")
    op.execute("CREATE INDEX declared_aid_by_enterprise ON declared_aid (enterprise_id)")


def downgrade() -> None:
    op.execute("DROP TABLE declared_aid")
    op.execute("DROP TABLE enterprise_links")
    op.execute("DROP INDEX de_minimis_aid_by_date")
    op.execute(
        "ALTER TABLE de_minimis_aid DROP COLUMN award_cents, "
        "DROP COLUMN state_resources_percent, DROP COLUMN counted_at_award_cents, "
        "DROP COLUMN reduced_at"
    )
    op.execute("ALTER TABLE calls DROP COLUMN state_resources_percent")
    op.execute("ALTER TABLE programmes DROP COLUMN name, DROP COLUMN cap_applies_to_undertaking")
