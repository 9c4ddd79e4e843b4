"""The chassis tables every service has: events, stream heads, snapshots,
relay checkpoints, the consumer inbox and idempotency keys.

Revision ID: chassis_0001
Revises:
"""

from alembic import op

revision = "chassis_0001"
down_revision = None
branch_labels = ("chassis",)
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE events (
        position        bigserial PRIMARY KEY,
        id              uuid NOT NULL UNIQUE,
        stream_type     text NOT NULL,
        stream_id       text NOT NULL,
        version         integer NOT NULL CHECK (version > 0),
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL,
        actor           jsonb NOT NULL,
        correlation_id  uuid NOT NULL,
        causation_id    uuid,
        traceparent     text,
        payload         jsonb NOT NULL,
        prev_hash       text NOT NULL,
        hash            text NOT NULL,
        -- The writing transaction: readers take only rows of transactions older
        -- than every running one, so a slow writer's rows are never skipped.
        tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
        UNIQUE (stream_id, version)
    )""")
    op.execute("CREATE INDEX events_commit_order ON events (tx_id, position)")
    op.execute("CREATE INDEX events_recorded_at ON events (recorded_at)")
    op.execute("CREATE INDEX events_type ON events (type)")
    op.execute("""
    CREATE FUNCTION refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""")
    op.execute("""
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION refuse_event_change()""")
    op.execute("""
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change()""")
    # Wake the relay at commit instead of making it poll.
    op.execute("""
    CREATE FUNCTION notify_events_appended() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('cascade_events', '');
        RETURN NULL;
    END $$""")
    op.execute("""
    CREATE TRIGGER events_notify AFTER INSERT ON events
        FOR EACH STATEMENT EXECUTE FUNCTION notify_events_appended()""")

    op.execute("""
    CREATE TABLE stream_heads (
        stream_id    text PRIMARY KEY,
        stream_type  text NOT NULL,
        version      integer NOT NULL,
        hash         text NOT NULL
    )""")
    op.execute("""
    CREATE TABLE snapshots (
        stream_id    text PRIMARY KEY,
        stream_type  text NOT NULL,
        version      integer NOT NULL,
        state        jsonb NOT NULL,
        taken_at     timestamptz NOT NULL DEFAULT now()
    )""")
    op.execute("""
    CREATE TABLE relay_checkpoints (
        topic        text PRIMARY KEY,
        tx_id        xid8 NOT NULL,
        position     bigint NOT NULL,
        published    bigint NOT NULL DEFAULT 0,
        updated_at   timestamptz NOT NULL DEFAULT now()
    )""")
    op.execute("""
    CREATE TABLE inbox (
        consumer     text NOT NULL,
        event_id     uuid NOT NULL,
        topic        text NOT NULL,
        partition    integer NOT NULL,
        "offset"     bigint NOT NULL,
        handled_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )""")
    op.execute("""
    CREATE TABLE idempotency_keys (
        principal     text NOT NULL,
        key           text NOT NULL,
        method        text NOT NULL,
        path          text NOT NULL,
        request_hash  text NOT NULL,
        status        integer NOT NULL,
        headers       jsonb NOT NULL,
        body          bytea NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
    )""")


def downgrade() -> None:
    for table in ("idempotency_keys", "inbox", "relay_checkpoints", "snapshots", "stream_heads"):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP TABLE events")
    op.execute("DROP FUNCTION notify_events_appended()")
    op.execute("DROP FUNCTION refuse_event_change()")
