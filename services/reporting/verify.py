"""`GET /v1/audit/verify`: each service's history checked against its integrity
chain, and reporting's audit copy checked against each service's feed.

The chain alone cannot see the newest event of a stream removed at the source
(its service keeps the stream's head, reporting cannot read it); the copy can:
reporting received the event, so its absence from the feed is named. Likewise
an event edited in place shows both as a broken hash and as a copy that no
longer matches its source. Each difference names the service, the stream, the
version and the event, so an auditor can go straight to it.

Both histories are read a page at a time, so memory stays that of a page
whatever their length: the copy in (stream, version) order; the feed in its
commit order, each page hashed and compared with the copy as it comes, its
links kept in a scratch table (`verify_feed`) that the database then reads back
in stream order and joins with the copy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting import verify_feed
from services.reporting.feeds import FeedClients, FeedUnavailable, feed_token
from services.reporting.store import ENVELOPE_FIELDS
from services.reporting.verify_rules import Difference, StreamedChain, link
from shared.audit import in_slices
from shared.settings import Settings

PAGE = 500


async def copy_pages(conn: AsyncConnection, source: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The source's audit copy in (stream, version) order, a page per short read."""
    after: tuple[str, int, Any] | None = None
    columns = ", ".join(ENVELOPE_FIELDS)
    while True:
        where = "" if after is None else "AND (stream_id, version, id) > (:s, :v, :i)"
        rows = [
            dict(row._mapping)
            for row in await conn.execute(
                text(
                    f"SELECT {columns} FROM audit_events WHERE source = :source {where} "
                    "ORDER BY stream_id, version, id LIMIT :n"
                ),
                {
                    "source": source,
                    "n": PAGE,
                    **({} if after is None else {"s": after[0], "v": after[1], "i": after[2]}),
                },
            )
        ]
        await conn.commit()
        if not rows:
            return
        yield rows
        after = (rows[-1]["stream_id"], rows[-1]["version"], rows[-1]["id"])


async def copy_differences(conn: AsyncConnection, key: bytes, source: str) -> list[Difference]:
    chain, differences = StreamedChain(source, "audit_copy"), []
    async for page in copy_pages(conn, source):
        async for rows in in_slices(page):
            differences += chain.take(link(row, key) for row in rows)
    return differences


async def verify_sources(
    conn: AsyncConnection, settings: Settings, clients: FeedClients, sources: Sequence[str]
) -> dict[str, Any]:
    """The answer of `GET /v1/audit/verify` for these sources."""
    key = settings.integrity_key.get_secret_value().encode()
    differences: list[Difference] = []
    summary: dict[str, dict[str, int | None]] = {}
    for source in sources:
        found = await copy_differences(conn, key, source)
        copied = (
            await conn.execute(
                text("SELECT count(*) FROM audit_events WHERE source = :s"), {"s": source}
            )
        ).scalar_one()
        await conn.commit()
        line: dict[str, int | None] = {
            "audit_events": copied,
            "feed_events": None,
            "in_flight": None,
        }
        try:
            checked = await verify_feed.check(conn, key, source, clients, feed_token(settings))
        except FeedUnavailable as exc:
            found.append(
                Difference(source, "source", "source_unreachable", None, None, None, str(exc))
            )
        else:
            found += checked.differences
            line.update(feed_events=checked.events, in_flight=checked.in_flight)
        summary[source] = {**line, "differences": len(found)}
        differences += found
    return {
        "intact": not differences,
        "sources": summary,
        "differences": [asdict(d) for d in differences],
    }
