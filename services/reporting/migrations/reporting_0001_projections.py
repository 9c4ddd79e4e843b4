"""The reporting service's own tables: the audit copy of every service's events,
the projection records (one per source stream, in generations so a rebuild can
be built beside the live projection and swapped in), and per-partition
watermarks of the live consumer.

Revision ID: reporting_0001
Revises: chassis_0001
"""

from alembic import op

revision = "reporting_0001"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The envelope exactly as received, plus where it came from. `tx_id` lets a
    # rebuild find the rows committed after it looked (see services/reporting/rebuild.py).
    op.execute("""
    CREATE TABLE audit_events (
        id              uuid PRIMARY KEY,
        source          text NOT NULL,
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        stream_type     text NOT NULL,
        stream_id       text NOT NULL,
        version         integer NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL,
        actor           jsonb NOT NULL,
        correlation_id  uuid NOT NULL,
        causation_id    uuid,
        traceparent     text,
        payload         jsonb NOT NULL,
        prev_hash       text NOT NULL,
        hash            text NOT NULL,
        position        bigint,
        received_at     timestamptz NOT NULL DEFAULT now(),
        received_via    text NOT NULL CHECK (received_via IN ('topic', 'feed')),
        tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id()
    )""")
    op.execute("CREATE INDEX audit_events_stream ON audit_events (stream_id, version)")
    op.execute("CREATE INDEX audit_events_source ON audit_events (source, stream_id, version)")
    op.execute("CREATE INDEX audit_events_recorded ON audit_events (recorded_at)")
    op.execute("CREATE INDEX audit_events_tx ON audit_events (tx_id)")
    op.execute(
        "CREATE INDEX audit_events_application ON audit_events ((payload->>'application_id'))"
    )
    # Kept as received: the copy refuses changes like the services' own stores.
    op.execute("""
    CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit copy is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""")
    op.execute("""
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()""")

    op.execute("""
    CREATE TABLE projection_generations (
        generation    integer PRIMARY KEY,
        state         text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
        built_from    text NOT NULL,
        started_at    timestamptz NOT NULL DEFAULT now(),
        completed_at  timestamptz,
        events_read   bigint NOT NULL DEFAULT 0,
        checksum      text
    )""")
    op.execute("""CREATE UNIQUE INDEX one_active_generation ON projection_generations ((true))
                  WHERE state = 'active'""")
    op.execute("""INSERT INTO projection_generations (generation, state, built_from, completed_at)
                  VALUES (1, 'active', 'live', now())""")
    op.execute("""
    CREATE TABLE projection_records (
        generation    integer NOT NULL REFERENCES projection_generations ON DELETE CASCADE,
        stream_id     text NOT NULL,
        source        text NOT NULL,
        version       integer NOT NULL,
        programme_id  text,
        call_id       text,
        body          jsonb NOT NULL,
        PRIMARY KEY (generation, stream_id)
    )""")
    op.execute(
        "CREATE INDEX projection_records_programme ON projection_records (generation, programme_id)"
    )
    op.execute("CREATE INDEX projection_records_call ON projection_records (generation, call_id)")

    # One row per topic partition: no two partitions' handlers wait for each other.
    op.execute("""
    CREATE TABLE source_watermarks (
        source              text NOT NULL,
        topic               text NOT NULL,
        partition           integer NOT NULL,
        next_offset         bigint NOT NULL,
        events_applied      bigint NOT NULL,
        newest_recorded_at  timestamptz NOT NULL,
        last_applied_at     timestamptz NOT NULL,
        last_delay_seconds  double precision NOT NULL,
        PRIMARY KEY (topic, partition)
    )""")


def downgrade() -> None:
    for table in ("source_watermarks", "projection_records", "projection_generations"):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP TABLE audit_events")
    op.execute("DROP FUNCTION refuse_audit_change()")
