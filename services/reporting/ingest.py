"""The live consumer of the three event topics: every event goes into the audit
copy, onto its stream's record in the active projection, and into the watermark
of its partition, all in the transaction that records it in the inbox."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting import store
from services.reporting.fold import apply, source_of
from services.reporting.records import StreamRecord
from services.reporting.sources import SOURCES
from shared.app import Chassis, Component, consumes
from shared.consumer import Handlers
from shared.events import Envelope, Event, registry
from shared.tables import inbox

CONSUMER = "reporting"


async def project(conn: AsyncConnection, generation: int, envelope: Envelope,
                  event: Event) -> None:
    """Apply the event to its stream's record in `generation`."""
    record = await store.load_record(conn, generation, envelope.stream_id)
    if record is None:
        record = StreamRecord(stream_id=envelope.stream_id, source=source_of(envelope.type))
    if apply(record, envelope, event):
        await store.save_records(conn, generation, [record])


async def ingest(conn: AsyncConnection, envelope: Envelope, event: Event) -> None:
    # Shared with every other handler; a rebuild takes it alone for the moment it
    # swaps generations, so no event lands in the old one after it was copied.
    await conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"),
                       {"k": store.PROJECTION_LOCK})
    await store.keep_copy(conn, source_of(envelope.type), envelope, "topic")
    await project(conn, await store.active_generation(conn), envelope, event)
    await _advance_watermark(conn, envelope)


async def _advance_watermark(conn: AsyncConnection, envelope: Envelope) -> None:
    # The inbox row of this very transaction says where the event was read from.
    place = (await conn.execute(
        inbox.select().where(inbox.c.consumer == CONSUMER, inbox.c.event_id == envelope.id)
    )).one()
    await conn.execute(text("""
        INSERT INTO source_watermarks AS w (source, topic, partition, next_offset, events_applied,
                                            newest_recorded_at, last_applied_at, last_delay_seconds)
        VALUES (:source, :topic, :partition, :offset + 1, 1, :recorded_at, clock_timestamp(),
                GREATEST(EXTRACT(EPOCH FROM clock_timestamp() - :recorded_at), 0))
        ON CONFLICT (topic, partition) DO UPDATE SET
            next_offset = GREATEST(w.next_offset, EXCLUDED.next_offset),
            events_applied = w.events_applied + 1,
            newest_recorded_at = GREATEST(w.newest_recorded_at, EXCLUDED.newest_recorded_at),
            last_applied_at = EXCLUDED.last_applied_at,
            last_delay_seconds = EXCLUDED.last_delay_seconds
    """), {"source": source_of(envelope.type), "topic": place.topic,
           "partition": place.partition, "offset": place.offset,
           "recorded_at": envelope.recorded_at})


def handlers() -> Handlers:
    """One handler for every event type of the three sources."""
    every = Handlers()
    for event_type in sorted(registry.types()):
        if source_of(event_type) in SOURCES:
            every.on(event_type)(ingest)
    return every


def consumer(chassis: Chassis) -> list[Component]:
    return list(consumes(SOURCES, handlers())(chassis))
