"""The payments service's tables, declared once: replicas of programmes, calls and
organisations (from other services' events), each call's ledger (on its call's
row), contracts waiting for their call, the de minimis register (undertakings,
links between enterprises, aid awarded and aid declared from other grantors), and
grants as the API shows them (migrations in services/payments/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
ZERO = text("0")
HUNDRED = text("100")

programmes = Table(
    "programmes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("currency", Text, nullable=False),
    Column("budget_cents", BigInteger, nullable=False),
    Column("per_beneficiary_cap_cents", BigInteger),
    Column("de_minimis_ceiling_cents", BigInteger, nullable=False),
    Column("de_minimis_window_years", Integer, nullable=False),
    Column("name", Text),
    Column("cap_applies_to_undertaking", Boolean, nullable=False, server_default=text("false")),
)

# A call's terms as payments needs them, and its ledger. The check repeats the
# ledger's invariants, so that no bug can write books that break them.
calls = Table(
    "calls",
    metadata,
    Column("id", Text, primary_key=True),
    Column("programme_id", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("instalments", JSONB, nullable=False),
    Column("counts_as_de_minimis", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("budget_cents", BigInteger, nullable=False),
    Column("committed_cents", BigInteger, nullable=False, server_default=ZERO),
    Column("paid_cents", BigInteger, nullable=False, server_default=ZERO),
    Column("recovered_cents", BigInteger, nullable=False, server_default=ZERO),
    # The share of the call's money that is state resources (EU funds managed
    # centrally are not): only that share of an award counts as de minimis aid.
    Column("state_resources_percent", Integer, nullable=False, server_default=HUNDRED),
    CheckConstraint(
        "0 <= recovered_cents AND recovered_cents <= paid_cents AND paid_cents <= committed_cents",
        name="calls_check",
    ),
    CheckConstraint(
        "state_resources_percent BETWEEN 0 AND 100", name="calls_state_resources_percent_check"
    ),
    Index("calls_by_programme", "programme_id"),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("size", Text),
    Column("pic", Text),
    Column("vat_id", Text),
)

members = Table(
    "organisation_members",
    metadata,
    Column("organisation_id", Text, nullable=False),
    Column("sub", Text, nullable=False),
    PrimaryKeyConstraint("organisation_id", "sub", name="organisation_members_pkey"),
    Index("organisation_members_by_sub", "sub"),
)

# Contracts that arrived before their call or programme (topics are not ordered
# with each other): awarded once the call is known.
waiting_contracts = Table(
    "waiting_contracts",
    metadata,
    Column("application_id", Text, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Index("waiting_contracts_by_call", "call_id"),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Text, primary_key=True),
    Column("application_id", Text, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("programme_id", Text, nullable=False),
    Column("organisation_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("committed_cents", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("application_id", name="grants_application_id_key"),
    Index("grants_by_call", "call_id", "id"),
    Index("grants_by_organisation", "organisation_id", "id"),
    Index("grants_by_beneficiary", "programme_id", "organisation_id"),
)

# Instalments, payment orders and recoveries have URLs of their own.
grant_items = Table(
    "grant_items",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("grant_id", Text, nullable=False),
)

# One row per undertaking, locked while an award is decided, so that two awards to
# one undertaking (in any programmes) never both fit the same headroom.
undertakings = Table("undertakings", metadata, Column("id", Text, primary_key=True))

de_minimis_aid = Table(
    "de_minimis_aid",
    metadata,
    Column("grant_id", Text, primary_key=True),
    Column("undertaking_id", Text, nullable=False),
    Column("organisation_id", Text, nullable=False),
    Column("programme_id", Text, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),  # what counts now
    Column("awarded_at", DateTime(timezone=True), nullable=False),
    Column("award_cents", BigInteger, nullable=False),
    Column("state_resources_percent", Integer, nullable=False, server_default=HUNDRED),
    # What counted when awarded, for answers as of an instant before a cancellation
    # reduced it.
    Column("counted_at_award_cents", BigInteger, nullable=False),
    Column("reduced_at", DateTime(timezone=True)),
    ForeignKeyConstraint(
        ["undertaking_id"], ["undertakings.id"], name="de_minimis_aid_undertaking_id_fkey"
    ),
    CheckConstraint("amount_cents >= 0", name="de_minimis_aid_amount_cents_check"),
    Index("de_minimis_aid_by_undertaking", "undertaking_id", "awarded_at"),
    Index("de_minimis_aid_by_date", "awarded_at"),
)

# Links between enterprises of a single undertaking. A link holds both ways: one row
# per pair, whichever side declared it.
enterprise_links = Table(
    "enterprise_links",
    metadata,
    Column("id", Text, primary_key=True),
    Column("organisation_id", Text, nullable=False),
    Column("enterprise_id", Text, nullable=False),
    Column("linked_enterprise_id", Text, nullable=False),
    Column("linked_pic", Text),
    Column("linked_vat_id", Text),
    Column("linked_known", Boolean, nullable=False),
    Column("relation", Text, nullable=False),
    Column("declared_by", Text, nullable=False),
    Column("declared_as", Text, nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("enterprise_id <> linked_enterprise_id", name="enterprise_links_check"),
    Index(
        "enterprise_links_pair",
        func.least(text("enterprise_id"), text("linked_enterprise_id")),
        func.greatest(text("enterprise_id"), text("linked_enterprise_id")),
        unique=True,
    ),
    Index("enterprise_links_by_enterprise", "enterprise_id"),
    Index("enterprise_links_by_linked", "linked_enterprise_id"),
)

# De minimis aid declared from other grantors: every version of each entry, so that
# the register can answer as of a past instant.
declared_aid = Table(
    "declared_aid",
    metadata,
    Column("entry_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("organisation_id", Text, nullable=False),
    Column("enterprise_id", Text, nullable=False),
    Column("grantor", Text, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("rate_to_eur", Numeric, nullable=False),
    Column("rate_source", Text, nullable=False),
    Column("eur_cents", BigInteger, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_as", Text, nullable=False),
    Column("reason", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("entry_id", "version", name="declared_aid_pkey"),
    CheckConstraint("amount_cents > 0", name="declared_aid_amount_cents_check"),
    CheckConstraint("rate_to_eur > 0", name="declared_aid_rate_to_eur_check"),
    CheckConstraint("eur_cents >= 0", name="declared_aid_eur_cents_check"),
    Index("declared_aid_by_enterprise", "enterprise_id"),
)

# The files of final reports: those attached for the grant's next report
# (`report_id` null) and those handed in with each report (bytes in the file store).
report_annexes = Table(
    "report_annexes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("grant_id", Text, nullable=False),
    Column("report_id", Text),
    Column("code", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    Index("report_annexes_by_grant", "grant_id", "id"),
)
