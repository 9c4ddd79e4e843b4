"""The outbox relay: publishes a service's committed events to its Kafka topic in
commit-safe order, one leader per topic, checkpointing only what the broker acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import feed
from shared.backoff import Backoff
from shared.db import connect, redact
from shared.errors import InfrastructureUnavailable
from shared.feed import START, FeedCursor
from shared.relay_broker import BROKER_ERRORS, BrokerSession
from shared.settings import Settings

log = logging.getLogger("cascade.relay")

CHANNEL = "cascade_events"  # notified at commit by the events_notify trigger
STANDBY_RETRY_S = 0.5
# Rows committed behind an older, still running transaction become readable the
# moment it ends, which may send no NOTIFY: poll this fast until they do.
CATCH_UP_POLL_S = 0.02
BROKER_BACKOFF = Backoff(first_s=0.1, cap_s=3.0)
# What an unreachable database looks like: a warning, not a traceback.
DATABASE_OUTAGES = (
    InfrastructureUnavailable,
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    OperationalError,
    InterfaceError,
)


def lock_key(topic: str) -> int:
    """A stable advisory-lock key for the topic (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(f"cascade.relay:{topic}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Relay:
    """Publishes the events of one service's database to `topic`.

    Instances stand by until one holds the topic's advisory lock, on a connection
    kept for the whole leadership: when that connection dies (its process was
    killed), PostgreSQL releases the lock and a standby takes over. The leader
    writes its checkpoint through the same connection, so a deposed leader can
    never move it. Delivery is at least once: a crash between publishing and
    checkpointing republishes the batch, and consumers are idempotent.
    """

    def __init__(self, settings: Settings, engine: AsyncEngine, topic: str) -> None:
        self.settings = settings
        self.engine = engine
        self.topic = topic
        self.published_total = 0  # acknowledged sends of this instance, republished ones included
        self._database_url = engine.url.render_as_string(hide_password=False)
        self._leader: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._checkpoint = START
        self._published = 0  # the stored checkpoint's count of published events
        self._ends: dict[int, int] = {}  # per partition, the offset after the last acknowledged
        self._next_broker_check = 0.0  # monotonic; 0: at once
        self.republished_total = 0  # times the broker was found to have lost events

    @property
    def is_leader(self) -> bool:
        return self._leader is not None and not self._leader.is_closed()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"relay {self.topic}")

    async def stop(self) -> None:
        """Cancel the loops; the lock, the connections and the producer go with them."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
            log.info("relay stopped", extra={"topic": self.topic})

    async def run(self) -> None:
        """Stand by until this instance leads, publish until it stops leading, repeat."""
        while True:
            try:
                await self._stand_by_then_lead()
            except DATABASE_OUTAGES as exc:
                log.warning("relay cannot reach its database", extra=self._fields(exc))
            except Exception as exc:  # the loop's single top level: log, stand by again
                log.exception("relay failed; standing by again", extra=self._fields(exc))
            await asyncio.sleep(STANDBY_RETRY_S)

    async def backlog(self) -> tuple[int, float]:
        """Committed events not yet published, and the age in seconds of the oldest."""
        async with self.engine.connect() as conn:
            after, _ = await self._stored_checkpoint(conn)
            return await feed.backlog(conn, after)

    async def _stand_by_then_lead(self) -> None:
        conn = await connect(self._database_url)
        try:
            while True:  # a standby asks again until the leader's session ends
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(self.topic)):
                    break
                await asyncio.sleep(STANDBY_RETRY_S)
            self._leader = conn
            await self._lead(conn)
        finally:
            self._leader = None
            await _close(conn)  # ending the session releases its advisory lock

    async def _lead(self, lock: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        lock.add_termination_listener(lambda _conn: lost.set())
        await lock.add_listener(CHANNEL, self._on_notify)
        async with self.engine.connect() as conn:
            self._checkpoint, self._published, self._ends = await self._stored(conn)
        log.info("relay leads", extra=self._fields())
        publishing = asyncio.create_task(self._publish_until_stopped(lock))
        losing = asyncio.create_task(lost.wait())
        try:
            done, _ = await asyncio.wait({publishing, losing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            publishing.cancel()
            losing.cancel()
            await asyncio.wait({publishing, losing})
        if publishing in done:
            publishing.result()  # it only ends by failing: raise that here
        log.warning("relay lost its lock connection; standing by", extra=self._fields())

    async def _publish_until_stopped(self, lock: asyncpg.Connection) -> None:
        failures = 0
        while True:
            try:
                async with BrokerSession(self.settings, self.topic) as broker:
                    self._next_broker_check = 0.0  # a new connection: look at the broker again
                    while True:
                        self._wake.clear()  # before reading, so no NOTIFY slips between
                        if await self._publish_batch(broker, lock):
                            failures = 0
                        else:
                            await self._wait_for_events()
            except BROKER_ERRORS as exc:
                # Nothing after the checkpoint counts as published: the retry sends
                # the same batch again, so no later event overtakes a failed one.
                delay = BROKER_BACKOFF.delay(failures)
                failures += 1
                log.warning(
                    "relay cannot publish; retrying from its checkpoint",
                    extra={**self._fields(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)

    async def _publish_batch(self, broker: BrokerSession, lock: asyncpg.Connection) -> bool:
        """Publish the next batch; False if there was nothing readable to publish."""
        # Before reading, not only before sending: a broker that lost everything
        # must get the history back even when nothing new is being written.
        if time.monotonic() >= self._next_broker_check:
            if await self._reset_if_broker_lost_events(broker, lock):
                return True  # publish again from the start
            self._next_broker_check = time.monotonic() + self.settings.relay_broker_check_ms / 1000
        async with self.engine.connect() as conn:
            items = await feed.read_committed(
                conn, after=self._checkpoint, limit=self.settings.relay_batch_size
            )
        if not items:
            return False
        acknowledged = await broker.publish([item.envelope for item in items])
        self.published_total += len(items)
        if any(end <= self._ends.get(partition, 0) for partition, end in acknowledged.items()):
            # Offsets never go back on a log that kept its records: this one restarted empty.
            await self._republish_everything(broker, lock, "acknowledged offsets went back")
            return True
        ends = {
            p: max(self._ends.get(p, 0), end) for p, end in {**self._ends, **acknowledged}.items()
        }
        await self._save_checkpoint(lock, items[-1].cursor, self._published + len(items), ends)
        log.debug("relay published", extra={**self._fields(), "count": len(items)})
        return True

    async def _reset_if_broker_lost_events(
        self, broker: BrokerSession, lock: asyncpg.Connection
    ) -> bool:
        # The local broker (tansu) keeps everything in memory: restarted, even with
        # the same cluster id, it holds nothing, while our checkpoint says the
        # events are there. The event store is the source of truth, so we publish
        # everything again (consumers are idempotent). We know the last offset the
        # broker acknowledged on each partition: a topic that is missing, has
        # another partition count, or no longer holds a record at one of those
        # offsets, lost events. (Offsets never go back, whatever the retention.)
        count = await broker.partition_count()
        partitions = self.settings.event_topic_partitions
        if count != partitions:
            await broker.recreate_topic()
        if self._published == 0:
            return False
        if count != partitions:
            reason = (
                "the topic was missing"
                if count is None
                else (f"the topic had {count} partitions, not {partitions}")
            )
        elif short := await broker.partitions_short_of(self._ends):
            reason = f"partitions {short} no longer hold what they acknowledged"
        else:
            return False
        await self._republish_everything(broker, lock, reason)
        return True

    async def _republish_everything(
        self, broker: BrokerSession, lock: asyncpg.Connection, reason: str
    ) -> None:
        log.warning(
            "broker lost the topic's events (%s); republishing from the start",
            reason,
            extra={**self._fields(), "reason": reason},
        )
        await broker.recreate_topic()
        await self._save_checkpoint(lock, START, 0, {})
        self.republished_total += 1

    async def _wait_for_events(self) -> None:
        async with self.engine.connect() as conn:
            waiting, _ = await feed.backlog(conn, self._checkpoint)
        # Committed rows that could not be read wait behind an older transaction.
        timeout = CATCH_UP_POLL_S if waiting else self.settings.relay_idle_poll_ms / 1000
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _stored_checkpoint(self, conn: AsyncConnection) -> tuple[FeedCursor, int]:
        cursor, published, _ = await self._stored(conn)
        return cursor, published

    async def _stored(self, conn: AsyncConnection) -> tuple[FeedCursor, int, dict[int, int]]:
        row = (
            await conn.execute(
                text(
                    "SELECT tx_id::text AS tx, position, published, partition_ends "
                    "FROM relay_checkpoints WHERE topic = :topic"
                ),
                {"topic": self.topic},
            )
        ).first()
        if row is None:
            return START, 0, {}
        stored = row.partition_ends
        if isinstance(stored, str):
            stored = json.loads(stored)
        ends = {int(p): int(end) for p, end in stored.items()}
        return FeedCursor(int(row.tx), row.position), int(row.published), ends

    async def _save_checkpoint(
        self,
        lock: asyncpg.Connection,
        cursor: FeedCursor,
        published: int,
        ends: dict[int, int],
    ) -> None:
        # Through the lock's connection: if that died, so did our leadership, and
        # the write fails instead of moving a checkpoint that is no longer ours.
        await lock.execute(
            """
            INSERT INTO relay_checkpoints (topic, tx_id, position, published, partition_ends,
                                           updated_at)
            VALUES ($1, $2::text::xid8, $3, $4, $5::text::jsonb, now())
            ON CONFLICT (topic) DO UPDATE SET tx_id = EXCLUDED.tx_id,
                position = EXCLUDED.position, published = EXCLUDED.published,
                partition_ends = EXCLUDED.partition_ends, updated_at = EXCLUDED.updated_at
            """,
            self.topic,
            str(cursor.tx_id),
            cursor.position,
            published,
            json.dumps({str(p): end for p, end in sorted(ends.items())}),
        )
        self._checkpoint, self._published, self._ends = cursor, published, ends

    def _fields(self, exc: BaseException | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "topic": self.topic,
            "database": redact(self._database_url),
            "checkpoint": self._checkpoint.encode(),
            "published": self._published,
        }
        if exc is not None:
            fields["error"] = f"{type(exc).__name__}: {exc}"
        return fields


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await conn.close(timeout=2)
    except (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresError):
        conn.terminate()
