"""The live consumer of the three event topics: every event goes into the audit
copy, onto its stream's record in the active projection, and into the watermark
of its partition, all in the transaction that records it in the inbox."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.fold import source_of
from services.reporting.projecting import fold_in
from services.reporting.sources import SOURCES
from shared.app import Chassis, Component, consumes
from shared.consumer import Handlers
from shared.events import Envelope, Event, registry
from shared.tables import inbox

CONSUMER = "reporting"


async def ingest(conn: AsyncConnection, envelope: Envelope, event: Event) -> None:
    await fold_in(conn, [(envelope, event)], "topic")
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
