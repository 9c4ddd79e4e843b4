"""The chassis tables every service's database has, declared once (their migrations
are in shared/migrations; tests/integration/test_schema_drift.py holds the two equal)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.types import UserDefinedType


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (`pg_current_xact_id()`), a type SQLAlchemy's
    PostgreSQL dialect does not know."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


# The writing transaction: readers take only rows of transactions older than every
# running one, so a slow writer's rows are never skipped (see shared/feed.py).
WRITING_TRANSACTION = text("pg_current_xact_id()")
NOW = text("now()")

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=True),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("stream_type", Text, nullable=False),
    Column("stream_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", JSONB, nullable=False),
    Column("correlation_id", UUID(as_uuid=True), nullable=False),
    Column("causation_id", UUID(as_uuid=True)),
    Column("traceparent", Text),
    Column("payload", JSONB, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("tx_id", Xid8, nullable=False, server_default=WRITING_TRANSACTION),
    UniqueConstraint("id", name="events_id_key"),
    UniqueConstraint("stream_id", "version", name="events_stream_id_version_key"),
    CheckConstraint("version > 0", name="events_version_check"),
    Index("events_commit_order", "tx_id", "position"),
    Index("events_recorded_at", "recorded_at"),
    Index("events_type", "type"),
)

stream_heads = Table(
    "stream_heads",
    metadata,
    Column("stream_id", Text, primary_key=True),
    Column("stream_type", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("hash", Text, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("stream_id", Text, primary_key=True),
    Column("stream_type", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

relay_checkpoints = Table(
    "relay_checkpoints",
    metadata,
    Column("topic", Text, primary_key=True),
    Column("tx_id", Xid8, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("published", BigInteger, nullable=False, server_default=text("0")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    # Per partition, the offset after the last record the broker acknowledged.
    Column("partition_ends", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    PrimaryKeyConstraint("consumer", "event_id", name="inbox_pkey"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    # Numbered from 0 per database: what `cascade dlq replay --offset` names.
    Column("number", BigInteger, Identity(always=False, start=0, minvalue=0), primary_key=True),
    Column("consumer", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("event_id", UUID(as_uuid=True)),
    Column("event_type", Text),
    Column("key", LargeBinary),
    Column("value", LargeBinary),
    Column("headers", JSONB, nullable=False),
    Column("error_type", Text, nullable=False),
    Column("error_message", Text, nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Column("replays", Integer, nullable=False, server_default=text("0")),
    Column("last_replayed_at", DateTime(timezone=True)),
    Index("dead_letters_consumer", "consumer", "number"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    PrimaryKeyConstraint("principal", "key", name="idempotency_keys_pkey"),
)

# The file store's PostgreSQL backend (shared/file_store_postgres.py): a file by its
# hash, and its bytes in order under the id its upload wrote them with.
files = Table(
    "files",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("chunks_id", UUID(as_uuid=True), nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    UniqueConstraint("chunks_id", name="files_chunks_id_key"),
    CheckConstraint("size > 0", name="files_size_check"),
)

file_chunks = Table(
    "file_chunks",
    metadata,
    Column("chunks_id", UUID(as_uuid=True), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("chunks_id", "sequence", name="file_chunks_pkey"),
)

# Each data subject's key, wrapped by a master key (shared/keystore.py): deleting
# the row is the erasure of every personal field sealed with it.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("key_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("master_key_id", Text, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    UniqueConstraint("subject", name="subject_keys_subject_key"),
)
