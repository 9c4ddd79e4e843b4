"""Helpers for consumer tests: topics, recorded and published events, an effects
table counting how often each event took effect, and waiting for the consumer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.bus import encode, headers_of, make_producer
from shared.consumer import ConsumerRunner, Handlers
from shared.events import Envelope, Event, event
from shared.eventstore import CommandContext, EventStore
from shared.settings import Settings
from tests.support.events import Counted

KEY = b"test-integrity-key"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


@event("tests.Ignored")
class Ignored(Event):
    """A known event type that the test consumers have no handler for."""


async def create_topic(settings: Settings, name: str, partitions: int = 1) -> str:
    topic = settings.topic(name)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        await admin.close()
    return topic


async def record_events(
    engine: AsyncEngine,
    new_events: Sequence[Event],
    *,
    streams: int = 1,
    context: CommandContext | None = None,
) -> list[Envelope]:
    """Append `new_events` round-robin to `streams` streams; their envelopes in order."""
    store, envelopes = EventStore(KEY), []
    versions = [0] * streams
    async with engine.begin() as conn:
        for i, new_event in enumerate(new_events):
            s = i % streams
            envelopes += await store.append(
                conn,
                stream_type="counter",
                stream_id=f"counter-{s}",
                expected_version=versions[s],
                new_events=[new_event],
                context=context or CommandContext(),
            )
            versions[s] += 1
    return envelopes


@asynccontextmanager
async def producer(settings: Settings) -> AsyncIterator[AIOKafkaProducer]:
    kafka = make_producer(settings)
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()


async def publish(settings: Settings, topic: str, envelopes: Sequence[Envelope]) -> None:
    """Publish as the relay does: keyed by stream, type, id and trace in the headers."""
    async with producer(settings) as kafka:
        sent = [
            await kafka.send(topic, encode(e), key=e.stream_id.encode(), headers=headers_of(e))
            for e in envelopes
        ]
        await asyncio.gather(*sent)


async def publish_raw(
    settings: Settings,
    topic: str,
    value: bytes,
    key: bytes = b"raw",
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    async with producer(settings) as kafka:
        await kafka.send_and_wait(topic, value, key=key, headers=headers or [])


async def create_effects_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            CREATE TABLE effects (
                event_id    uuid PRIMARY KEY,
                n           integer NOT NULL,
                handled_by  text NOT NULL,
                times       integer NOT NULL DEFAULT 1
            )""")
        )


async def record_effect(
    conn: AsyncConnection, envelope: Envelope, counted: Counted, handled_by: str = "test"
) -> None:
    """The handlers' visible effect: a second one on the same event shows as times = 2."""
    await conn.execute(
        text("""INSERT INTO effects (event_id, n, handled_by) VALUES (:id, :n, :by)
                ON CONFLICT (event_id) DO UPDATE SET times = effects.times + 1"""),
        {"id": envelope.id, "n": counted.n, "by": handled_by},
    )


async def effects(engine: AsyncEngine) -> dict[UUID, int]:
    """How many times each event took effect."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id, times FROM effects"))
        return {row.event_id: row.times for row in rows}


async def handled_by(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT handled_by, count(*) AS n FROM effects GROUP BY 1"))
        return {row.handled_by: row.n for row in rows}


async def inbox_rows(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text('SELECT consumer, event_id, topic, partition, "offset" FROM inbox')
        )
        return [dict(row._mapping) for row in rows]


@asynccontextmanager
async def running(runner: ConsumerRunner) -> AsyncIterator[ConsumerRunner]:
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables giving another process (or the CLI) these settings."""
    return {
        "CASCADE_ENVIRONMENT": settings.environment,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": str(settings.idempotent_producer).lower(),
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "CASCADE_CONSUMER_SESSION_TIMEOUT_MS": str(settings.consumer_session_timeout_ms),
        "CASCADE_CONSUMER_MAX_RETRIES": str(settings.consumer_max_retries),
        "CASCADE_CONSUMER_RETRY_BACKOFF_MS": str(settings.consumer_retry_backoff_ms),
    }


CONSUMER = "counter"


def make_runner(
    settings: Settings,
    engine: AsyncEngine,
    topic: str,
    handlers: Handlers,
    consumer: str = CONSUMER,
) -> ConsumerRunner:
    """A runner tuned for tests: frequent heartbeats make rebalances quick."""
    return ConsumerRunner(
        settings,
        engine,
        consumer,
        [topic],
        handlers,
        heartbeat_interval_ms=500,
        max_poll_interval_ms=30_000,
        poll_timeout_ms=200,
    )


async def read_topic(settings: Settings, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of a one-partition topic, read without a consumer group."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await reader.start()
    try:
        partition = TopicPartition(topic, 0)
        reader.assign([partition])
        end = (await reader.end_offsets([partition]))[partition]
        records: list[ConsumerRecord[bytes, bytes]] = []
        while await reader.position(partition) < end:
            records += (await reader.getmany(partition, timeout_ms=500)).get(partition, [])
        return records
    finally:
        await reader.stop()
