"""SQLAlchemy Core descriptions of reporting's own tables (created by its migrations)."""

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

audit_events = Table(
    "audit_events", metadata,
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
    Column("received_at", DateTime(timezone=True)),
    Column("received_via", Text, nullable=False),
)

projection_records = Table(
    "projection_records", metadata,
    Column("generation", Integer, primary_key=True),
    Column("stream_id", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("programme_id", Text),
    Column("call_id", Text),
    Column("body", JSONB, nullable=False),
    Column("waiting", Boolean, nullable=False),
)

feed_watermarks = Table(
    "feed_watermarks", metadata,
    Column("source", Text, primary_key=True),
    Column("after", Text),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("events_healed", BigInteger, nullable=False),
)
