"""The calls service's query tables, declared once: programmes and calls as the API
shows them (migrations in services/calls/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

programmes = Table(
    "programmes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("code", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    UniqueConstraint("code", name="programmes_code_key"),
)

calls = Table(
    "calls",
    metadata,
    Column("id", Text, primary_key=True),
    Column("programme_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    ForeignKeyConstraint(["programme_id"], ["programmes.id"], name="calls_programme_id_fkey"),
    UniqueConstraint("programme_id", "code", name="calls_programme_id_code_key"),
    # The scheduler looks for calls due to open or close.
    Index("calls_due_to_open", "opens_at", postgresql_where=text("status = 'published'")),
    Index("calls_due_to_close", "closes_at", postgresql_where=text("status = 'open'")),
    Index("calls_by_programme", "programme_id", "id"),
)

# The selected beneficiaries of each call, as the public may see them once the
# results are published: organisations (legal persons), never a person's data.
call_beneficiaries = Table(
    "call_beneficiaries",
    metadata,
    Column("call_id", Text, nullable=False),
    Column("application_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("call_id", "application_id", name="call_beneficiaries_pkey"),
)
