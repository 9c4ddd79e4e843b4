"""Building a programme's dossier from reporting's database: the report and the
audit copy's events of the programme's streams, read in one snapshot so the two
agree, written a page at a time.

The snapshot is a read-only REPEATABLE READ transaction: it never takes a
transaction id, so however long the dossier takes it does not hold back the
commit-safe feeds (they wait only for transactions that write)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting import store
from services.reporting.dossier_writer import Chunks, DossierWriter
from services.reporting.reports import programme_report
from services.reporting.signing import SigningKeys
from services.reporting.sources import SOURCES
from services.reporting.store import ENVELOPE_FIELDS
from services.reporting.verify_rules import Difference, StreamedChain, link

PAGE = 500
MAX_DIFFERENCES_ATTESTED = 100
# A stream belongs to the dossier when its record belongs to the programme (what
# the report counts), or when any of its events names the programme or one of
# its calls (a call's money, invitations...): whole, so its chain checks.
PROGRAMME_STREAMS = """
    SELECT stream_id FROM projection_records WHERE generation = :g AND programme_id = :p
    UNION
    SELECT stream_id FROM audit_events
    WHERE payload->>'programme_id' = :p OR payload->>'call_id' = ANY(CAST(:calls AS text[]))"""

Progress = Callable[[int], None]


@dataclass
class Snapshot:
    conn: AsyncConnection
    programme_id: str
    report: dict[str, Any]
    streams: list[str]
    events: int


@asynccontextmanager
async def programme_snapshot(
    engine: AsyncEngine, programme_id: str, now: datetime
) -> AsyncIterator[Snapshot]:
    """The programme's report and event count, and the snapshot to read its
    events in; NotFound when reporting has no event of the programme."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        async with conn.begin():
            report = await programme_report(conn, programme_id, now)
            calls = [line["call_id"] for line in report["calls"]]
            streams = list(
                (
                    await conn.execute(
                        text(PROGRAMME_STREAMS),
                        {
                            "g": await store.active_generation(conn),
                            "p": programme_id,
                            "calls": calls,
                        },
                    )
                ).scalars()
            )
            count = (
                await conn.execute(
                    text("SELECT count(*) FROM audit_events WHERE stream_id = ANY(:s)"),
                    {"s": streams},
                )
            ).scalar_one()
            yield Snapshot(conn, programme_id, report, streams, int(count))


async def dossier_chunks(
    snapshot: Snapshot,
    keys: SigningKeys,
    integrity_key: bytes,
    created_at: datetime,
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """The dossier's bytes, a chunk per page of events."""
    out = Chunks()
    writer = DossierWriter(out, snapshot.programme_id, created_at.isoformat())
    writer.report(snapshot.report)
    yield out.take()
    chains = {source: StreamedChain(source, "audit_copy") for source in SOURCES}
    found: list[Difference] = []
    rows = await snapshot.conn.stream(
        text(f"""SELECT {", ".join(ENVELOPE_FIELDS)}, source FROM audit_events
                 WHERE stream_id = ANY(:streams)
                 ORDER BY array_position(CAST(:sources AS text[]), source),
                          stream_id COLLATE "C", version, id"""),
        {"streams": snapshot.streams, "sources": list(SOURCES)},
    )
    async for page in rows.partitions(PAGE):
        pairs = [(row.source, _envelope(row)) for row in page]
        for source, envelope in pairs:
            found += chains[source].take([link(envelope, integrity_key)])
        writer.events(pairs)
        if progress is not None:
            progress(len(pairs))
        yield out.take()
    writer.finish(keys, {"integrity_chain": _attested(snapshot.events, found)})
    yield out.take()


def _envelope(row: Any) -> dict[str, Any]:
    mapping = row._mapping
    return {name: mapping[name] for name in ENVELOPE_FIELDS}


def _attested(events: int, found: list[Difference]) -> dict[str, Any]:
    """What reporting found checking each event's HMAC with the integrity key as it
    wrote the dossier: the signature vouches for this, the key stays home."""
    return {
        "checked_with_integrity_key": events,
        "intact": not found,
        "differences": [
            {
                "source": d.source,
                "kind": d.kind,
                "stream_id": d.stream_id,
                "version": d.version,
                "event_id": d.event_id,
                "detail": d.detail,
            }
            for d in found[:MAX_DIFFERENCES_ATTESTED]
        ],
        "differences_total": len(found),
    }
