"""One source's feed against its chain and against the audit copy, in bounded
memory: each page is hashed and compared with the copy as it arrives, and its
links go to a scratch table of the session, which the database reads back in
stream order (the chain's order checks) and joins with the copy (events removed
at the source, events never received). Each page is its own short transaction:
a long one would hold back the commit-safe feeds of every service on the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting import verify_rules as rules
from services.reporting.feeds import FeedClients, read_feed
from services.reporting.store import ENVELOPE_FIELDS, envelope_of
from shared.audit import in_slices

PAGE = 500

COPY_COLUMNS = ", ".join(f"a.{name}" for name in ENVELOPE_FIELDS)


@dataclass
class FeedCheck:
    events: int = 0
    in_flight: int = 0
    differences: list[rules.Difference] = field(default_factory=list)


async def check(
    conn: AsyncConnection, key: bytes, source: str, clients: FeedClients, token: str
) -> FeedCheck:
    """Raises FeedUnavailable when the feed cannot be read to its end."""
    await conn.execute(text("DROP TABLE IF EXISTS verify_feed"))
    await conn.execute(
        text("""
        CREATE TEMPORARY TABLE verify_feed (
            seq bigserial, id uuid PRIMARY KEY, stream_id text NOT NULL,
            version integer NOT NULL, type text NOT NULL, prev_hash text NOT NULL,
            hash text NOT NULL, intact boolean NOT NULL, recorded_at timestamptz NOT NULL)""")
    )
    await conn.commit()
    try:
        found = FeedCheck()
        async for page in read_feed(clients, source, token):
            await _take_page(conn, key, source, page, found)
        await _chain(conn, source, found)
        await _joined(conn, source, found)
        return found
    finally:
        await conn.rollback()
        await conn.execute(text("DROP TABLE IF EXISTS verify_feed"))
        await conn.commit()


async def _take_page(
    conn: AsyncConnection, key: bytes, source: str, page: list[Any], found: FeedCheck
) -> None:
    """Hashed and compared with the copy a slice at a time, each slice's copies
    read by one query: the event loop gets a turn between slices."""
    links: list[dict[str, Any]] = []
    async for envelopes in in_slices(page):
        received = rules.envelopes_of(
            await conn.execute(
                text(
                    f"SELECT {', '.join(ENVELOPE_FIELDS)} FROM audit_events "
                    "WHERE source = :s AND id = ANY(:ids)"
                ),
                {"s": source, "ids": [e.id for e in envelopes]},
            )
        )
        links += [
            {**rules.link(e.model_dump(), key), "recorded_at": e.recorded_at} for e in envelopes
        ]
        found.differences += rules.changed_at_source(source, received, envelopes)
    columns = ("id", "stream_id", "version", "type", "prev_hash", "hash", "intact", "recorded_at")
    # One statement with a column of values each, not one compiled row per event.
    await conn.execute(
        text("""
        INSERT INTO verify_feed (id, stream_id, version, type, prev_hash, hash, intact,
                                 recorded_at)
        SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:stream_id AS text[]),
                             CAST(:version AS integer[]), CAST(:type AS text[]),
                             CAST(:prev_hash AS text[]), CAST(:hash AS text[]),
                             CAST(:intact AS boolean[]), CAST(:recorded_at AS timestamptz[]))
        ON CONFLICT (id) DO NOTHING"""),
        {c: [link[c] for link in links] for c in columns},
    )
    await conn.commit()
    found.events += len(page)


async def _chain(conn: AsyncConnection, source: str, found: FeedCheck) -> None:
    chain, after = rules.StreamedChain(source, "source"), None
    while True:
        where = "" if after is None else "WHERE (stream_id, version, seq) > (:s, :v, :q)"
        page = [
            dict(row._mapping)
            for row in await conn.execute(
                text(
                    "SELECT seq, id, stream_id, version, type, prev_hash, hash, intact FROM verify_feed "
                    f"{where} ORDER BY stream_id, version, seq LIMIT :n"
                ),
                {"n": PAGE, **({} if after is None else after)},
            )
        ]
        await conn.commit()
        if not page:
            return
        async for links in in_slices(page):
            found.differences += chain.take(links)
        last = page[-1]
        after = {"s": last["stream_id"], "v": last["version"], "q": last["seq"]}


async def _joined(conn: AsyncConnection, source: str, found: FeedCheck) -> None:
    newest = (
        await conn.execute(
            text("SELECT max(recorded_at) FROM audit_events WHERE source = :s"), {"s": source}
        )
    ).scalar()
    removed = await conn.stream(
        text(f"""
        SELECT {COPY_COLUMNS} FROM audit_events a
        WHERE a.source = :s AND NOT EXISTS (SELECT 1 FROM verify_feed f WHERE f.id = a.id)
        ORDER BY a.stream_id, a.version"""),
        {"s": source},
    )
    async for row in removed:
        envelope = envelope_of(row)
        found.differences.append(
            rules.difference(
                source,
                "removed_at_source",
                envelope,
                f"reporting received {envelope.type} version {envelope.version} of stream "
                f"{envelope.stream_id}, but the source no longer holds it",
            )
        )
    unreceived = await conn.stream(
        text("""
        SELECT f.id, f.stream_id, f.version, f.type, f.recorded_at FROM verify_feed f
        WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.id = f.id)
        ORDER BY f.stream_id, f.version""")
    )
    async for row in unreceived:
        if rules.on_its_way(row.recorded_at, newest):
            found.in_flight += 1
            continue
        found.differences.append(
            rules.Difference(
                source,
                "cross_check",
                "not_received",
                row.stream_id,
                row.version,
                str(row.id),
                f"the source holds {row.type} version {row.version} of stream {row.stream_id}, "
                "which reporting never received though it received later events: inserted at "
                "the source, or lost on the way",
            )
        )
    await conn.commit()
