"""`GET /v1/audit/verify`: each service's history checked against its integrity
chain, and reporting's audit copy checked against each service's feed.

The chain alone cannot see the newest event of a stream removed at the source
(its service keeps the stream's head, reporting cannot read it); the copy can:
reporting received the event, so its absence from the feed is named. Likewise
an event edited in place shows both as a broken hash and as a copy that no
longer matches its source. Each difference names the service, the stream, the
version and the event, so an auditor can go straight to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.feeds import FeedClients, FeedUnavailable, feed_token, whole_feed
from services.reporting.store import ENVELOPE_FIELDS, envelope_of
from shared.events import Envelope
from shared.integrity import Head, canonical_json, verify_stream
from shared.settings import Settings

FoundIn = Literal["source", "audit_copy", "cross_check"]


@dataclass(frozen=True)
class Difference:
    source: str
    found_in: FoundIn
    kind: str
    stream_id: str | None
    version: int | None
    event_id: str | None
    detail: str


def chain_differences(key: bytes, source: str, found_in: FoundIn,
                      envelopes: Iterable[Envelope]) -> list[Difference]:
    """Broken links of each stream's chain (altered, missing, out of order).

    Each stream is checked up to its newest event here: the newest removed is
    the cross-check's to find, since only the source holds the stream's head."""
    streams: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids: dict[tuple[str, int], str] = {}
    for envelope in envelopes:
        row = envelope.model_dump()
        streams[envelope.stream_id].append(row)
        ids.setdefault((envelope.stream_id, envelope.version), str(envelope.id))
    differences = []
    for stream_id in sorted(streams):
        rows = sorted(streams[stream_id], key=lambda r: r["version"])
        head = Head(stream_id, rows[-1]["version"], rows[-1]["hash"])
        for found in verify_stream(key, stream_id, rows, head):
            differences.append(Difference(
                source, found_in, found.kind, stream_id, found.version,
                ids.get((stream_id, found.version or 0)), found.detail))
    return differences


def cross_check(source: str, copy: Sequence[Envelope],
                feed: Sequence[Envelope]) -> list[Difference]:
    """Events the copy holds and the source no longer does, the reverse (but for
    events still on their way), and events whose content differs between the two."""
    at_source = {e.id: e for e in feed}
    differences = []
    for envelope in copy:
        if envelope.id not in at_source:
            differences.append(_difference(
                source, "removed_at_source", envelope,
                f"reporting received {envelope.type} version {envelope.version} of stream "
                f"{envelope.stream_id}, but the source no longer holds it"))
        elif changed := _changed_fields(envelope, at_source[envelope.id]):
            differences.append(_difference(
                source, "changed_at_source", envelope,
                f"the source's copy of {envelope.type} differs from the one received in: "
                f"{', '.join(changed)}"))
    for envelope in unreceived(copy, feed):
        differences.append(_difference(
            source, "not_received", envelope,
            f"the source holds {envelope.type} version {envelope.version} of stream "
            f"{envelope.stream_id}, which reporting never received though it received later "
            "events: inserted at the source, or lost on the way"))
    return differences


def unreceived(copy: Sequence[Envelope], feed: Sequence[Envelope]) -> list[Envelope]:
    """Events of the feed missing from the copy, but for those recorded after the
    newest the copy holds: those are on their way, not a difference (yet)."""
    received = {e.id for e in copy}
    newest = max((e.recorded_at for e in copy), default=None)
    return [e for e in feed if e.id not in received
            and newest is not None and e.recorded_at <= newest]


def in_flight(copy: Sequence[Envelope], feed: Sequence[Envelope]) -> int:
    received = {e.id for e in copy}
    return sum(1 for e in feed if e.id not in received) - len(unreceived(copy, feed))


def _changed_fields(received: Envelope, at_source: Envelope) -> list[str]:
    ours, theirs = received.model_dump(), at_source.model_dump()
    return [name for name in ENVELOPE_FIELDS
            if canonical_json(ours[name]) != canonical_json(theirs[name])]


def _difference(source: str, kind: str, envelope: Envelope, detail: str) -> Difference:
    return Difference(source, "cross_check", kind, envelope.stream_id, envelope.version,
                      str(envelope.id), detail)


async def audit_copy_of(conn: AsyncConnection, source: str) -> list[Envelope]:
    rows = await conn.execute(
        text(f"SELECT {', '.join(ENVELOPE_FIELDS)} FROM audit_events WHERE source = :s "
             "ORDER BY stream_id, version, received_at"), {"s": source})
    return [envelope_of(row) for row in rows]


async def verify_sources(conn: AsyncConnection, settings: Settings, clients: FeedClients,
                         sources: Sequence[str]) -> dict[str, Any]:
    """The answer of `GET /v1/audit/verify` for these sources."""
    key = settings.integrity_key.get_secret_value().encode()
    differences: list[Difference] = []
    summary: dict[str, dict[str, int | None]] = {}
    for source in sources:
        copy = await audit_copy_of(conn, source)
        found = chain_differences(key, source, "audit_copy", copy)
        feed: list[Envelope] | None = None
        try:
            feed = await whole_feed(clients, source, feed_token(settings))
        except FeedUnavailable as exc:
            found.append(Difference(source, "source", "source_unreachable", None, None, None,
                                    str(exc)))
        if feed is not None:
            found += chain_differences(key, source, "source", feed)
            found += cross_check(source, copy, feed)
        summary[source] = {"audit_events": len(copy),
                           "feed_events": None if feed is None else len(feed),
                           "in_flight": None if feed is None else in_flight(copy, feed),
                           "differences": len(found)}
        differences += found
    return {"intact": not differences, "sources": summary,
            "differences": [asdict(d) for d in differences]}
