"""Rebuilding every projection from scratch, beside the live one, then swapping.

The new generation is folded from the event topics (every partition from its
beginning) and, when asked, from the services' feeds first, which still hold
what a restarted broker lost. The service keeps answering from the active
generation meanwhile, and its consumer keeps applying new events there.

Then everything the live consumer applied is taken from the audit copy, which
it writes in the same transaction: once without stopping it, and once more,
for what it added meanwhile, holding the projection lock alone (each live
handler holds it shared), so that at the swap the new generation holds every
event the old one does. `tx_id` finds the audit rows committed since the first
pass began, even those of transactions that were still running when it looked.

Each stream's events are applied in version order whatever source brings them
first (a topic that lost its beginning when a broker restarted still yields
complete records): an event ahead of its stream waits for the ones before it.
A record skips an event at or below its version, so the overlaps of the
sources, and events the consumer applies again after the swap, change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting import store
from services.reporting.feeds import FeedClients, feed_token, read_feed
from services.reporting.fold import apply, source_of
from services.reporting.records import StreamRecord
from services.reporting.sources import SOURCES
from services.reporting.topics import Progress, topic_values
from shared.events import Envelope, Event, UnknownEventType, registry
from shared.inbox import PoisonMessage, decode_event, parse_envelope
from shared.settings import Settings

log = logging.getLogger("cascade.reporting.rebuild")
REBUILD_LOCK = 0x52454255  # one rebuild at a time
FLUSH_EVERY = 2_000


class Silent:
    def stage(self, description: str, total: int | None) -> None:
        log.info("rebuild: %s", description)

    def advance(self, count: int) -> None:
        pass


class RebuildRunning(Exception):
    """Another rebuild holds the rebuild lock."""


@dataclass
class RebuildResult:
    generation: int
    events_read: int
    records: int
    checksum: str
    skipped: int


@dataclass
class _Fold:
    """What of the new generation is in memory: the records of the streams taken
    since the last flush (and of those waiting for an earlier version), and what
    is yet to be written. The others are in the database, and read back when an
    event of theirs comes: memory stays bounded whatever the history's length."""

    generation: int
    records: dict[str, StreamRecord] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    copies: dict[str, list[tuple[str, Envelope]]] = field(
        default_factory=lambda: {"topic": [], "feed": []}
    )
    # Per stream, events that arrived ahead of an earlier version, by version.
    waiting: dict[str, dict[int, tuple[Envelope, Event]]] = field(default_factory=dict)
    read: int = 0
    skipped: int = 0


class Rebuild:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        feeds: FeedClients | None = None,
        progress: Progress | None = None,
        before_swap: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._settings, self._engine, self._feeds = settings, engine, feeds
        self._progress = progress or Silent()
        self._before_swap = before_swap  # tests look at the service just before the swap

    async def run(self, *, from_topics: bool = True, from_feeds: bool = False) -> RebuildResult:
        async with self._engine.connect() as session:
            if not await session.scalar(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": REBUILD_LOCK}
            ):
                raise RebuildRunning("another rebuild is running")
            await session.commit()  # the lock is the session's; hold no snapshot meanwhile
            try:
                return await self._run(session, from_topics, from_feeds)
            finally:
                await session.execute(text("SELECT pg_advisory_unlock_all()"))
                await session.commit()

    async def _run(
        self, session: AsyncConnection, from_topics: bool, from_feeds: bool
    ) -> RebuildResult:
        fold = _Fold(await self._new_generation(from_topics, from_feeds))
        if from_feeds:
            await self._read_feeds(fold)
        if from_topics:
            await self._read_topics(fold)
        self._progress.stage("Catching up with the live projection", None)
        since = await _snapshot_xmin(session)
        await self._catch_up(fold, 0)
        await session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": store.PROJECTION_LOCK})
        try:
            await self._catch_up(fold, since)
            self._apply_stranded(fold)
            await self._flush(fold)
            if self._before_swap is not None:
                await self._before_swap(fold.generation)
            async with self._engine.connect() as conn:
                checksum = await store.checksum(conn, fold.generation)
                records = await conn.scalar(
                    text("SELECT count(*) FROM projection_records WHERE generation = :g"),
                    {"g": fold.generation},
                )
            await self._swap(fold, checksum)
        finally:
            await session.execute(
                text("SELECT pg_advisory_unlock(:k)"), {"k": store.PROJECTION_LOCK}
            )
            await session.commit()
        await self._forget_retired()
        return RebuildResult(fold.generation, fold.read, int(records or 0), checksum, fold.skipped)

    async def _new_generation(self, from_topics: bool, from_feeds: bool) -> int:
        built_from = "+".join(
            name for name, used in (("feeds", from_feeds), ("topics", from_topics)) if used
        )
        async with self._engine.begin() as conn:
            # A generation left building is a rebuild that died: start again.
            await conn.execute(text("DELETE FROM projection_generations WHERE state = 'building'"))
            generation: int = (
                await conn.execute(
                    text("""
                INSERT INTO projection_generations (generation, state, built_from)
                SELECT COALESCE(max(generation), 0) + 1, 'building', :b FROM projection_generations
                RETURNING generation"""),
                    {"b": built_from or "audit copy"},
                )
            ).scalar_one()
        return generation

    async def _read_feeds(self, fold: _Fold) -> None:
        if self._feeds is None:
            raise ValueError("a rebuild from the feeds needs feed clients")
        token = feed_token(self._settings)
        for source in SOURCES:
            self._progress.stage(f"Reading the {source} feed", None)
            async for page in read_feed(self._feeds, source, token):
                await self._load_records(fold, page)
                for envelope in page:
                    self._take(fold, envelope, "feed")
                self._progress.advance(len(page))
                await self._flush_if_due(fold)
        await self._flush(fold)

    async def _read_topics(self, fold: _Fold) -> None:
        async for values in topic_values(self._settings, self._progress):
            envelopes = [e for v in values if (e := self._parse(fold, v)) is not None]
            await self._load_records(fold, envelopes)
            for envelope in envelopes:
                self._take(fold, envelope, "topic")
            self._progress.advance(len(values))
            await self._flush_if_due(fold)
        await self._flush(fold)

    def _parse(self, fold: _Fold, value: bytes | None) -> Envelope | None:
        try:
            return parse_envelope(value)
        except PoisonMessage:
            fold.skipped += 1  # the live consumer dead-lettered it too
            return None

    async def _load_records(self, fold: _Fold, envelopes: Iterable[Envelope]) -> None:
        """Read back the records of these events' streams flushed earlier."""
        missing = {e.stream_id for e in envelopes} - fold.records.keys()
        if not missing:
            return
        async with self._engine.connect() as conn:
            found = await store.records_of(conn, fold.generation, missing)
        fold.records.update(found)

    def _take(self, fold: _Fold, envelope: Envelope, via: store.Via | None) -> None:
        """Fold one event in (and keep it in the audit copy, unless it came from there)."""
        try:
            event = decode_event(registry, envelope)
        except (PoisonMessage, UnknownEventType):
            fold.skipped += 1  # as the live consumer, which dead-letters it
            return
        source = source_of(envelope.type)
        if source not in SOURCES:
            fold.skipped += 1
            return
        if via is not None:
            fold.read += 1
            fold.copies[via].append((source, envelope))
        record = fold.records.setdefault(
            envelope.stream_id, StreamRecord(stream_id=envelope.stream_id, source=source)
        )
        waiting = fold.waiting.setdefault(envelope.stream_id, {})
        if envelope.version > record.version:
            waiting.setdefault(envelope.version, (envelope, event))
        while (ready := waiting.pop(record.version + 1, None)) is not None:
            self._apply(fold, record, *ready)
        if not waiting:
            del fold.waiting[envelope.stream_id]

    def _apply(self, fold: _Fold, record: StreamRecord, envelope: Envelope, event: Event) -> None:
        try:
            apply(record, envelope, event)
        except ValueError as exc:  # the live consumer's handler failed on it too: dead letter
            log.warning("rebuild: %s %s not applied: %s", envelope.type, envelope.id, exc)
            fold.skipped += 1
            return
        fold.dirty.add(record.stream_id)

    def _apply_stranded(self, fold: _Fold) -> None:
        """Events after a gap no source filled: applied in order, as the live consumer did."""
        for stream_id, waiting in fold.waiting.items():
            log.warning(
                "rebuild: stream %s lacks version %d; applying the %d after it",
                stream_id,
                fold.records[stream_id].version + 1,
                len(waiting),
            )
            for version in sorted(waiting):
                self._apply(fold, fold.records[stream_id], *waiting[version])
        fold.waiting.clear()

    async def _catch_up(self, fold: _Fold, since: int) -> None:
        """Fold in what the audit copy gained in transactions from `since` on (all of
        it from 0): everything the live consumer applied."""
        async with self._engine.connect() as conn:
            rows = await conn.stream(
                text(f"""
                SELECT {", ".join(store.ENVELOPE_FIELDS)} FROM audit_events
                WHERE tx_id >= CAST(:since AS xid8)
                ORDER BY stream_id, version"""),
                {"since": since},
            )
            async for chunk in rows.partitions(500):
                envelopes = [store.envelope_of(row) for row in chunk]
                await self._load_records(fold, envelopes)
                for envelope in envelopes:
                    self._take(fold, envelope, None)
                await self._flush_if_due(fold)
        await self._flush(fold)

    async def _flush_if_due(self, fold: _Fold) -> None:
        if len(fold.dirty) + sum(map(len, fold.copies.values())) >= FLUSH_EVERY:
            await self._flush(fold)

    async def _flush(self, fold: _Fold) -> None:
        async with self._engine.begin() as conn:
            for via, received in fold.copies.items():
                for chunk in _chunks(received, 500):
                    await store.keep_copies(conn, chunk, via)  # type: ignore[arg-type]
            dirty = [fold.records[stream_id] for stream_id in sorted(fold.dirty)]
            for chunk in _chunks(dirty, 500):
                await store.save_records(conn, fold.generation, chunk)
        fold.dirty.clear()
        fold.copies = {"topic": [], "feed": []}
        # Written: only the records still waiting for an earlier version stay here.
        fold.records = {
            stream_id: record
            for stream_id, record in fold.records.items()
            if stream_id in fold.waiting
        }

    async def _swap(self, fold: _Fold, checksum: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text("UPDATE projection_generations SET state = 'retired' WHERE state = 'active'")
            )
            await conn.execute(
                text("""
                UPDATE projection_generations SET state = 'active', completed_at = now(),
                       events_read = :n, checksum = :c
                WHERE generation = :g"""),
                {"g": fold.generation, "n": fold.read, "c": checksum},
            )

    async def _forget_retired(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text("""
                DELETE FROM projection_records WHERE generation IN (
                    SELECT generation FROM projection_generations WHERE state = 'retired')""")
            )


async def _snapshot_xmin(conn: AsyncConnection) -> int:
    """The oldest transaction still running: every later commit has an id from here on."""
    value = await conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"))
    await conn.commit()
    return int(str(value))


def _chunks(items: list[StreamRecord] | list[tuple[str, Envelope]], size: int) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), size):
        yield items[start : start + size]
