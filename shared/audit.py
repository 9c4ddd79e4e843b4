"""Verifying a service's stored history against its integrity chain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.eventstore import ENVELOPE_COLUMNS
from shared.integrity import Break, Head, verify_stream
from shared.tables import events, stream_heads


async def verify(conn: AsyncConnection, key: bytes) -> list[Break]:
    """Every broken place in the history: altered, missing, inserted or
    reordered events, and heads that no longer match their stream."""
    heads = {
        row.stream_id: Head(row.stream_id, row.version, row.hash)
        for row in await conn.execute(select(stream_heads))
    }
    breaks: list[Break] = []
    current: str | None = None
    rows: list[dict[str, object]] = []

    def finish() -> None:
        if current is not None:
            breaks.extend(verify_stream(key, current, rows, heads.pop(current, None)))

    result = await conn.stream(select(*ENVELOPE_COLUMNS)
                               .order_by(events.c.stream_id, events.c.version))
    async for row in result:
        mapping = dict(row._mapping)
        if mapping["stream_id"] != current:
            finish()
            current, rows = str(mapping["stream_id"]), []
        rows.append(mapping)
    finish()
    for stream_id, head in sorted(heads.items()):
        breaks.append(verify_stream(key, stream_id, [], head)[0])
    return breaks
