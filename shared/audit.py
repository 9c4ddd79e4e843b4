"""Verifying a service's stored history against its integrity chain, a page at a
time: memory stays that of a page whatever the history's length, and the event
loop gets a turn between slices of the hashing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.integrity import Break, ChainCheck, Head, check_row

PAGE = 1_000
SLICE = 100  # rows hashed between two turns of the event loop (about 2 ms)
EVENT_FIELDS = (
    "id, type, schema_version, stream_type, stream_id, version, occurred_at, "
    "recorded_at, actor, correlation_id, causation_id, traceparent, payload, "
    "prev_hash, hash"
)


async def in_slices(rows: Sequence[Any], size: int = SLICE) -> AsyncIterator[Sequence[Any]]:
    """`rows` a slice at a time, letting other tasks run in between: a long check
    never holds the loop for more than one slice (health checks answer meanwhile)."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
        await asyncio.sleep(0)


async def event_pages(conn: AsyncConnection) -> AsyncIterator[list[dict[str, Any]]]:
    """Every stored event in (stream, version) order, a page per short read."""
    after: tuple[str, int] = ("", 0)
    while True:
        rows = [
            dict(row._mapping)
            for row in await conn.execute(
                text(
                    f"SELECT {EVENT_FIELDS} FROM events WHERE (stream_id, version) > (:s, :v) "
                    "ORDER BY stream_id, version LIMIT :n"
                ),
                {"s": after[0], "v": after[1], "n": PAGE},
            )
        ]
        await conn.commit()  # hold no snapshot between pages
        if not rows:
            return
        yield rows
        after = (rows[-1]["stream_id"], rows[-1]["version"])


async def heads_between(conn: AsyncConnection, lower: str | None, upper: str | None) -> list[Head]:
    """The heads of streams after `lower` up to `upper` (either end open when None),
    compared by the database as it orders the events."""
    where = (
        " AND ".join(
            clause
            for clause, bound in (("stream_id > :lower", lower), ("stream_id <= :upper", upper))
            if bound is not None
        )
        or "true"
    )
    rows = await conn.execute(
        text(f"SELECT stream_id, version, hash FROM stream_heads WHERE {where} ORDER BY stream_id"),
        {"lower": lower, "upper": upper},
    )
    heads = [Head(row.stream_id, row.version, row.hash) for row in rows]
    await conn.commit()
    return heads


async def verify(conn: AsyncConnection, key: bytes) -> list[Break]:
    """Every broken place in the history: altered, missing, inserted or
    reordered events, and heads that no longer match their stream.

    Each page of events brings the heads of its streams (those after the
    previous page's last stream, up to its own last); a head with no event in
    its range is a stream whose events were all removed."""
    breaks: list[Break] = []
    check: ChainCheck | None = None
    head: Head | None = None
    lower: str | None = None
    async for page in event_pages(conn):
        upper = page[-1]["stream_id"]
        heads = {h.stream_id: h for h in await heads_between(conn, lower, upper)}
        lower = upper
        streams = {row["stream_id"] for row in page}
        breaks.extend(
            found
            for orphan in heads.values()
            if orphan.stream_id not in streams
            for found in ChainCheck(orphan.stream_id).end(orphan)
        )
        async for rows in in_slices(page):
            for row in rows:
                if check is None or row["stream_id"] != check.stream_id:
                    if check is not None:
                        breaks.extend(check.end(head))
                    check, head = ChainCheck(row["stream_id"]), heads.get(row["stream_id"])
                breaks.extend(check_row(key, check, row))
    if check is not None:
        breaks.extend(check.end(head))
    for orphan in await heads_between(conn, lower, None):
        breaks.extend(ChainCheck(orphan.stream_id).end(orphan))
    return breaks
