"""The applications service's tables, declared once: organisations and their
members, applications, the evaluation's evaluators, assignments and call stages,
and the replicas of calls and programmes kept from `calls.events` (migrations in
services/applications/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

# PIC and VAT id are unique: a second registration of one organisation is refused.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("pic", Text),
    Column("vat_id", Text),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("pic", name="organisations_pic_key"),
    UniqueConstraint("vat_id", name="organisations_vat_id_key"),
)

members = Table(
    "organisation_members",
    metadata,
    Column("organisation_id", Text, nullable=False),
    Column("sub", Text, nullable=False),
    PrimaryKeyConstraint("organisation_id", "sub", name="organisation_members_pkey"),
    ForeignKeyConstraint(
        ["organisation_id"], ["organisations.id"], name="organisation_members_organisation_id_fkey"
    ),
    Index("organisation_members_by_sub", "sub"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Text, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("programme_id", Text, nullable=False),
    Column("lead_organisation_id", Text, nullable=False),
    Column("organisation_ids", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False),
    Column("receipt", Integer),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("call_id", "receipt", name="applications_call_id_receipt_key"),
    Index("applications_by_call", "call_id", "id"),
    Index("applications_by_organisations", "organisation_ids", postgresql_using="gin"),
    Index(
        "applications_awarded",
        "programme_id",
        "lead_organisation_id",
        postgresql_where=text("status IN ('selected', 'contracted')"),
    ),
)

# One row per call, from calls.events. Its row lock serialises the submissions of a
# call: receipt numbers and first-come-first-served budget are decided one
# submission at a time, in the order the lock was granted.
call_replicas = Table(
    "call_replicas",
    metadata,
    Column("id", Text, primary_key=True),
    Column("programme_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("terms", JSONB, nullable=False),
    Column("received", Integer, nullable=False, server_default=text("0")),
    Column("committed_cents", BigInteger, nullable=False, server_default=text("0")),
    Column("exhausted", Boolean, nullable=False, server_default=text("false")),
    Column("version", Integer, nullable=False),
    CheckConstraint("committed_cents >= 0", name="call_replicas_committed_cents_check"),
)

programme_replicas = Table(
    "programme_replicas",
    metadata,
    Column("id", Text, primary_key=True),
    Column("per_beneficiary_cap_cents", BigInteger),
)

evaluators = Table(
    "evaluators",
    metadata,
    Column("id", Text, primary_key=True),
    Column("sub", Text, nullable=False),
    Column("conflicts", ARRAY(Text), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("sub", name="evaluators_sub_key"),
)

# One row per evaluator on an application's panel.
assignments = Table(
    "assignments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("application_id", Text, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("evaluator_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    ForeignKeyConstraint(["evaluator_id"], ["evaluators.id"], name="assignments_evaluator_id_fkey"),
    Index("assignments_by_evaluator", "evaluator_id", "id"),
    Index("assignments_by_application", "application_id"),
)

# How far each ranked call has come: assigned, ranked, selected.
call_stages = Table(
    "call_stages",
    metadata,
    Column("call_id", Text, primary_key=True),
    Column("stage", Text, nullable=False),
    Column("version", Integer, nullable=False),
)

# Which organisation was invited to join which application, and whether it consented.
partner_invitations = Table(
    "partner_invitations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("application_id", Text, nullable=False),
    Column("organisation_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint(
        "application_id",
        "organisation_id",
        name="partner_invitations_application_id_organisation_id_key",
    ),
    Index("partner_invitations_by_organisation", "organisation_id", "id"),
)

# The annexes attached to each application now, one per code of its call's
# required annexes (their bytes are in the file store, by `sha256`).
application_annexes = Table(
    "application_annexes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("application_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("application_id", "code", name="application_annexes_application_id_code_key"),
)

# When each call's results were published (from calls.CallResultsPublished): the
# applicants read their outcomes and reports from then on, and ask for reviews
# until `review_requests_until`.
call_results = Table(
    "call_results",
    metadata,
    Column("call_id", Text, primary_key=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("review_requests_until", DateTime(timezone=True), nullable=False),
)

# One review request per application at most (the unique key holds it under races).
review_requests = Table(
    "review_requests",
    metadata,
    Column("id", Text, primary_key=True),
    Column("application_id", Text, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("application_id", name="review_requests_application_id_key"),
    Index("review_requests_by_status", "status", "id"),
)
