"""Healing gaps: reporting checks its audit copy against each source's feed (its
watermark there is the feed cursor up to which it holds every event) and takes
from the feed what the topics never brought, e.g. after a broker lost them.

An event missing at one look may still be on its way through the topic, so only
what is missing at two looks in a row is taken from the feed; the watermark
stops before the first page that still lacks something.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.feeds import (
    FeedClients,
    FeedUnavailable,
    feed_token,
    http_clients,
    read_feed_pages,
)
from services.reporting.fold import Received
from services.reporting.projecting import fold_in
from services.reporting.sources import SOURCES
from shared.app import Chassis, Component, ComponentFactory
from shared.events import Envelope, UnknownEventType, registry
from shared.inbox import PoisonMessage, decode_event
from shared.integrity import GENESIS, event_hash

log = logging.getLogger("cascade.reporting.healing")


class GapHealer:
    def __init__(self, chassis: Chassis, feeds: FeedClients, interval_s: float) -> None:
        self._chassis, self._feeds, self._interval = chassis, feeds, interval_s
        self._missing_before: dict[str, set[UUID]] = {}  # per source, at the last look
        self._task: asyncio.Task[None] | None = None
        self.healed_total = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="reporting gap healer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.look()
            except FeedUnavailable as exc:  # that service is down, or tokens cannot be minted
                log.info("gap check postponed: %s", exc)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("gap check failed: %r", exc)
            except Exception:  # the loop's single top level: say it, look again later
                log.exception("gap check failed")
            await asyncio.sleep(self._interval)

    async def look(self) -> int:
        """Compare every source's feed with the audit copy once; how many events were taken."""
        token = feed_token(self._chassis.settings)
        healed, unavailable = 0, []
        for source in SOURCES:
            try:
                healed += await self._look_at(source, token)
            except FeedUnavailable as exc:  # that service is down: the others still count
                unavailable.append(exc)
        if unavailable:
            raise unavailable[0]
        return healed

    async def _look_at(self, source: str, token: str) -> int:
        engine = self._chassis.engine
        async with engine.connect() as conn:
            after = await conn.scalar(
                text("SELECT after FROM feed_watermarks WHERE source = :s"), {"s": source}
            )
        healed = 0
        async for page, next_cursor in read_feed_pages(self._feeds, source, token, after):
            async with engine.begin() as conn:
                held = set(
                    (
                        await conn.execute(
                            text("SELECT id FROM audit_events WHERE id = ANY(:ids)"),
                            {"ids": [envelope.id for envelope in page]},
                        )
                    ).scalars()
                )
                missing = [envelope for envelope in page if envelope.id not in held]
                seen_before = self._missing_before.get(source, set())
                due = await self._genuine(
                    conn, [envelope for envelope in missing if envelope.id in seen_before]
                )
                await fold_in(conn, _decodable(due), "feed")
                waiting = {envelope.id for envelope in missing if envelope.id not in seen_before}
                if not waiting:
                    await _save_watermark(conn, source, next_cursor, len(due))
            healed += len(due)
            if due:
                log.warning(
                    "reporting took %d event(s) of %s from its feed that its topic never brought",
                    len(due),
                    source,
                    extra={"source": source},
                )
            self._missing_before[source] = waiting
            if waiting:
                break  # look again next time, from this page
        self.healed_total += healed
        return healed

    async def _genuine(self, conn: AsyncConnection, envelopes: list[Envelope]) -> list[Envelope]:
        """Those whose hash matches their content and whose chain follows the copy's:
        the feed is the source's word, and an event forged there must not enter
        the audit copy unseen (the audit's verify names it instead)."""
        if not envelopes:
            return []
        key = self._chassis.settings.integrity_key.get_secret_value().encode()
        rows = await conn.execute(
            text("SELECT stream_id, version, hash FROM audit_events WHERE stream_id = ANY(:s)"),
            {"s": list({envelope.stream_id for envelope in envelopes})},
        )
        hashes = {(row.stream_id, row.version): row.hash for row in rows}
        genuine = []
        for envelope in sorted(envelopes, key=lambda e: (e.stream_id, e.version)):
            previous = (
                GENESIS
                if envelope.version == 1
                else hashes.get((envelope.stream_id, envelope.version - 1))
            )
            content = envelope.model_dump()
            if event_hash(key, envelope.prev_hash, content) != envelope.hash or (
                previous is not None and previous != envelope.prev_hash
            ):
                log.warning(
                    "feed event %s %s (%s v%d) not taken: it does not match its chain",
                    envelope.type,
                    envelope.id,
                    envelope.stream_id,
                    envelope.version,
                )
                continue
            hashes[(envelope.stream_id, envelope.version)] = envelope.hash
            genuine.append(envelope)
        return genuine


def _decodable(envelopes: list[Envelope]) -> list[Received]:
    received = []
    for envelope in envelopes:
        try:
            received.append((envelope, decode_event(registry, envelope)))
        except (PoisonMessage, UnknownEventType) as exc:  # the consumer dead-letters those
            log.warning("feed event %s %s not taken: %s", envelope.type, envelope.id, exc)
    return received


async def _save_watermark(conn: AsyncConnection, source: str, after: str, healed: int) -> None:
    await conn.execute(
        text("""
        INSERT INTO feed_watermarks AS w (source, after, checked_at, events_healed)
        VALUES (:s, :a, now(), :h)
        ON CONFLICT (source) DO UPDATE SET after = EXCLUDED.after, checked_at = now(),
            events_healed = w.events_healed + EXCLUDED.events_healed"""),
        {"s": source, "a": after, "h": healed},
    )


def healer(feeds: FeedClients | None = None) -> ComponentFactory:
    """The component factory: heals with `feeds` (HTTP to the configured URLs unless given)."""

    def make(chassis: Chassis) -> list[Component]:
        interval = chassis.settings.reporting_heal_interval_ms / 1000
        if interval <= 0:
            return []
        return [GapHealer(chassis, feeds or http_clients(chassis.settings), interval)]

    return make
