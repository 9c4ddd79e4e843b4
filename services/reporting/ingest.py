"""The live consumer of the three event topics: every event goes into the audit
copy, onto its stream's record in the active projection, and into the watermark
of its partition, all in the transaction that records it in the inbox; a
partition's batch at once (one statement each), or one event alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.fold import source_of
from services.reporting.projecting import fold_in
from services.reporting.sources import SOURCES
from shared.app import Chassis, Component, consumes
from shared.consumer import Handlers
from shared.events import Envelope, Event, registry
from shared.inbox import Message
from shared.tables import inbox

CONSUMER = "reporting"


async def ingest(conn: AsyncConnection, envelope: Envelope, event: Event) -> None:
    """One event alone (when a batch failed and is handled one message at a time)."""
    await fold_in(conn, [(envelope, event)], "topic")
    # The inbox row of this very transaction says where the event was read from.
    place = (
        await conn.execute(
            inbox.select().where(inbox.c.consumer == CONSUMER, inbox.c.event_id == envelope.id)
        )
    ).one()
    await _advance_watermarks(conn, [_Read(place.topic, place.partition, place.offset, envelope)])


async def ingest_all(conn: AsyncConnection, messages: Sequence[Message]) -> None:
    """A partition's batch: one fold, one watermark statement."""
    await fold_in(conn, [(m.envelope, m.event) for m in messages], "topic")
    await _advance_watermarks(
        conn, [_Read(m.topic, m.partition, m.offset, m.envelope) for m in messages]
    )


@dataclass(frozen=True)
class _Read:
    topic: str
    partition: int
    offset: int
    envelope: Envelope


async def _advance_watermarks(conn: AsyncConnection, read: Sequence[_Read]) -> None:
    last: dict[tuple[str, int], _Read] = {}
    counts: Counter[tuple[str, int]] = Counter()
    newest: dict[tuple[str, int], datetime] = {}
    for item in read:
        place = (item.topic, item.partition)
        last[place] = max(last.get(place, item), item, key=lambda r: r.offset)
        counts[place] += 1
        newest[place] = max(newest.get(place, item.envelope.recorded_at), item.envelope.recorded_at)
    await conn.execute(
        WATERMARK,
        [
            {
                "source": source_of(item.envelope.type),
                "topic": topic,
                "partition": partition,
                "offset": item.offset,
                "count": counts[(topic, partition)],
                "newest": newest[(topic, partition)],
                "recorded_at": item.envelope.recorded_at,
            }
            for (topic, partition), item in last.items()
        ],
    )


WATERMARK = text("""
    INSERT INTO source_watermarks AS w (source, topic, partition, next_offset, events_applied,
                                        newest_recorded_at, last_applied_at, last_delay_seconds)
    VALUES (:source, :topic, :partition, :offset + 1, :count, :newest, clock_timestamp(),
            GREATEST(EXTRACT(EPOCH FROM clock_timestamp() - :recorded_at), 0))
    ON CONFLICT (topic, partition) DO UPDATE SET
        next_offset = GREATEST(w.next_offset, EXCLUDED.next_offset),
        events_applied = w.events_applied + EXCLUDED.events_applied,
        newest_recorded_at = GREATEST(w.newest_recorded_at, EXCLUDED.newest_recorded_at),
        last_applied_at = EXCLUDED.last_applied_at,
        last_delay_seconds = EXCLUDED.last_delay_seconds
""")


def handlers() -> Handlers:
    """One handler for every event type of the three sources."""
    every = Handlers()
    for event_type in sorted(registry.types()):
        if source_of(event_type) in SOURCES:
            every.on(event_type)(ingest)
    every.in_batches(ingest_all)
    return every


def consumer(chassis: Chassis) -> list[Component]:
    return list(consumes(SOURCES, handlers())(chassis))
