"""Reporting's own tables, declared once: the audit copy of every service's events,
the projection records in generations, and the live consumer's per-partition
watermarks (migrations in services/reporting/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.tables import NOW, WRITING_TRANSACTION, Xid8

metadata = MetaData()

# The envelope exactly as received, plus where it came from. `tx_id` lets a rebuild
# find the rows committed after it looked (see services/reporting/rebuild.py).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("source", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("stream_type", Text, nullable=False),
    Column("stream_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", JSONB, nullable=False),
    Column("correlation_id", UUID(as_uuid=True), nullable=False),
    Column("causation_id", UUID(as_uuid=True)),
    Column("traceparent", Text),
    Column("payload", JSONB, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("position", BigInteger),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("received_via", Text, nullable=False),
    Column("tx_id", Xid8, nullable=False, server_default=WRITING_TRANSACTION),
    CheckConstraint("received_via IN ('topic', 'feed')", name="audit_events_received_via_check"),
    Index("audit_events_stream", "stream_id", "version"),
    Index("audit_events_source", "source", "stream_id", "version"),
    Index("audit_events_recorded", "recorded_at"),
    Index("audit_events_tx", "tx_id"),
    Index("audit_events_application", text("(payload ->> 'application_id')")),
    # The versions of a call's ranking name every application in them.
    Index(
        "audit_events_ranking_versions",
        text("(payload -> 'application_ids')"),
        postgresql_using="gin",
        postgresql_where=text("type = 'applications.RankingVersionRecorded'"),
    ),
)

# A rebuild is built beside the live projection as a new generation and swapped in.
projection_generations = Table(
    "projection_generations",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("state", Text, nullable=False),
    Column("built_from", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("completed_at", DateTime(timezone=True)),
    Column("events_read", BigInteger, nullable=False, server_default=text("0")),
    Column("checksum", Text),
    CheckConstraint(
        "state IN ('building', 'active', 'retired')", name="projection_generations_state_check"
    ),
    Index(
        "one_active_generation",
        text("(true)"),
        unique=True,
        postgresql_where=text("state = 'active'"),
    ),
)

# One record per source stream and generation.
projection_records = Table(
    "projection_records",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("stream_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("programme_id", Text),
    Column("call_id", Text),
    Column("body", JSONB, nullable=False),
    # Events of this stream wait in the audit copy behind a missing one.
    Column("waiting", Boolean, nullable=False, server_default=text("false")),
    PrimaryKeyConstraint("generation", "stream_id", name="projection_records_pkey"),
    ForeignKeyConstraint(
        ["generation"],
        ["projection_generations.generation"],
        name="projection_records_generation_fkey",
        ondelete="CASCADE",
    ),
    Index("projection_records_programme", "generation", "programme_id"),
    Index("projection_records_call", "generation", "call_id"),
)

# One row per topic partition: no two partitions' handlers wait for each other.
source_watermarks = Table(
    "source_watermarks",
    metadata,
    Column("source", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("next_offset", BigInteger, nullable=False),
    Column("events_applied", BigInteger, nullable=False),
    Column("newest_recorded_at", DateTime(timezone=True), nullable=False),
    Column("last_applied_at", DateTime(timezone=True), nullable=False),
    Column("last_delay_seconds", Double, nullable=False),
    PrimaryKeyConstraint("topic", "partition", name="source_watermarks_pkey"),
)

# How far reporting has checked each source's feed against its audit copy.
feed_watermarks = Table(
    "feed_watermarks",
    metadata,
    Column("source", Text, primary_key=True),
    Column("after", Text),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("events_healed", BigInteger, nullable=False, server_default=text("0")),
)
