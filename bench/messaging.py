"""The relay and consumers: the relay's rate, the consumer through the inbox
against raw aiokafka on the same topic, and commit-to-handled latency."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.appends import KEY, Ticked
from cascade.services import ensure_topics
from shared.bus import event_topic
from shared.consumer import ConsumerRunner, Handlers
from shared.events import Envelope
from shared.eventstore import CommandContext, EventStore
from shared.relay import Relay
from shared.settings import Settings

LATENCY_RATE, LATENCY_SECONDS = 200, 10


async def wait_until(condition: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark stage did not finish")
        await asyncio.sleep(0.005)


async def relay_rate(
    settings: Settings, engine: AsyncEngine, count: int, progress: Progress
) -> float:
    task = progress.add_task("relay", total=count)
    relay = Relay(settings, engine, event_topic(settings, "calls"))
    started = time.perf_counter()
    await relay.start()
    try:
        while relay.published_total < count:
            progress.update(task, completed=relay.published_total)
            await asyncio.sleep(0.01)
        progress.update(task, completed=count)
        return count / (time.perf_counter() - started)
    finally:
        await relay.stop()


async def consumer_rates(
    settings: Settings, engine: AsyncEngine, count: int, progress: Progress
) -> tuple[float, float]:
    handlers = Handlers()

    @handlers.on(Ticked.event_type)
    async def _noop(conn: AsyncConnection, envelope: Envelope, ticked: Ticked) -> None:
        return None

    topic = event_topic(settings, "calls")
    task = progress.add_task("consumers", total=2 * count)
    runner = ConsumerRunner(settings, engine, "bench", [topic], handlers, max_records=500)
    started = time.perf_counter()
    await runner.start()
    try:
        while runner.handled_total < count:
            progress.update(task, completed=runner.handled_total)
            await asyncio.sleep(0.01)
        through_inbox = count / (time.perf_counter() - started)
    finally:
        await runner.stop()
    progress.update(task, completed=count)
    raw = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    started = time.perf_counter()
    await raw.start()
    try:
        partitions = [TopicPartition(topic, p) for p in raw.partitions_for_topic(topic) or []]
        raw.assign(partitions)
        await raw.seek_to_beginning(*partitions)
        seen = 0
        while seen < count:
            for records in (await raw.getmany(timeout_ms=500, max_records=500)).values():
                for record in records:
                    Envelope.model_validate_json(record.value)  # the same decoding work
                seen += len(records)
            progress.update(task, completed=count + min(seen, count))
        return through_inbox, count / (time.perf_counter() - started)
    finally:
        await raw.stop()


async def latency(
    settings: Settings, engine: AsyncEngine, progress: Progress
) -> tuple[float, float]:
    """Commit-to-handled at a steady rate, relay and consumer running, on a
    database and topic of their own (the earlier stages' events would queue first)."""
    topic_settings = settings.model_copy(update={"topic_prefix": settings.topic_prefix + "lat."})
    await ensure_topics(topic_settings)
    delays: list[float] = []
    committed_at: dict[int, float] = {}
    handlers = Handlers()

    @handlers.on(Ticked.event_type)
    async def _measure(conn: AsyncConnection, envelope: Envelope, ticked: Ticked) -> None:
        if ticked.n in committed_at:
            delays.append(time.perf_counter() - committed_at[ticked.n])

    relay = Relay(topic_settings, engine, event_topic(topic_settings, "calls"))
    runner = ConsumerRunner(
        topic_settings, engine, "latency", [event_topic(topic_settings, "calls")], handlers
    )
    store = EventStore(KEY)
    total = LATENCY_RATE * LATENCY_SECONDS
    task = progress.add_task(f"latency at {LATENCY_RATE}/s", total=total)
    await relay.start()
    await runner.start()
    await asyncio.sleep(3)  # let the consumer join its group before the clock starts
    try:
        started = time.perf_counter()
        for n in range(total):
            async with engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="bench",
                    stream_id=f"lat-{n}",
                    expected_version=0,
                    new_events=[Ticked(n=n)],
                    context=CommandContext(),
                )
            committed_at[n] = time.perf_counter()
            progress.advance(task)
            await asyncio.sleep(max(0.0, started + (n + 1) / LATENCY_RATE - time.perf_counter()))
        await wait_until(lambda: len(delays) >= total, timeout=60)
    finally:
        await runner.stop()
        await relay.stop()
    ordered = sorted(delays)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000
