"""Folding received events into the active projection: the one way in for the
live consumer (from the topics) and the healer (from the feeds).

Each stream's record takes its events in version order. An event ahead of a
missing version waits in the audit copy, its record marked as waiting, until
the missing one arrives from either way; then what waited follows it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting import store
from services.reporting.fold import Received, apply_in_order, source_of
from services.reporting.records import StreamRecord
from shared.events import registry
from shared.inbox import decode_event

log = logging.getLogger("cascade.reporting.projecting")


async def fold_in(conn: AsyncConnection, received: Sequence[Received], via: store.Via) -> int:
    """Keep each event in the audit copy and apply it to its stream's record in the
    active generation, in the caller's transaction; how many were new to the copy."""
    if not received:
        return 0
    # Shared with every other writer; a rebuild takes it alone for the moment it
    # swaps generations, so no event lands in the old one after it was copied.
    # The generation is read in a later statement: its snapshot is taken once the
    # lock is granted, so it sees a swap that committed meanwhile.
    await conn.execute(
        text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": store.PROJECTION_LOCK}
    )
    new = await store.keep_copies(
        conn, [(source_of(envelope.type), envelope) for envelope, _ in received], via
    )
    generation = await store.active_generation(conn)
    by_stream: dict[str, list[Received]] = {}
    for item in received:
        by_stream.setdefault(item[0].stream_id, []).append(item)
    loaded = await store.load_records(conn, generation, by_stream)
    changed: list[StreamRecord] = []
    waiting: set[str] = set()
    for stream_id, items in by_stream.items():
        record, was_waiting = loaded.get(stream_id) or (
            StreamRecord(stream_id=stream_id, source=source_of(items[0][0].type)),
            False,
        )
        before = record.version
        ahead = apply_in_order(record, items)
        if was_waiting and record.version > before:  # a gap closed: what waited follows
            parked = [
                (envelope, decode_event(registry, envelope))
                for envelope in await store.copies_after(conn, stream_id, record.version)
            ]
            ahead = apply_in_order(record, [*parked, *ahead])
        still_waiting = bool(ahead) or (was_waiting and record.version == before)
        if still_waiting and not was_waiting:
            log.warning(
                "stream %s lacks version %d: %d later event(s) wait for it",
                stream_id,
                record.version + 1,
                len(ahead),
            )
        if record.version > before or still_waiting != was_waiting:
            changed.append(record)
        if still_waiting:
            waiting.add(stream_id)
    await store.save_records(conn, generation, changed, waiting)
    return new
