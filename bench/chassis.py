"""The chassis benchmark: the event store against raw asyncpg, the relay, the
consumer against raw aiokafka, and commit-to-handled latency. `make bench`."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.infra import infrastructure, machine
from cascade.migrate import migrate
from cascade.services import ensure_topics
from shared.bus import event_topic
from shared.consumer import ConsumerRunner, Handlers
from shared.db import asyncpg_url, connect, drop_database, make_engine, with_database
from shared.events import Envelope, Event, event
from shared.eventstore import CommandContext, EventStore
from shared.integrity import GENESIS, event_hash
from shared.relay import Relay
from shared.settings import Settings

SINGLE_APPENDS = 2_000
BATCHES, BATCH_SIZE = 50, 100
LATENCY_RATE, LATENCY_SECONDS = 200, 10
KEY = b"bench-key"
COLUMNS = ("id", "stream_type", "stream_id", "version", "type", "schema_version", "occurred_at",
           "recorded_at", "actor", "correlation_id", "causation_id", "traceparent", "payload",
           "prev_hash", "hash")
console = Console()


@event("bench.Ticked")
class Ticked(Event):
    n: int
    note: str = "a payload of typical size for a small domain event"


def raw_row(stream_id: str, version: int, prev_hash: str) -> tuple[Any, ...]:
    """The row the store would write, prepared outside the timed loop."""
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "id": uuid.uuid4(), "stream_type": "bench", "stream_id": stream_id, "version": version,
        "type": Ticked.event_type, "schema_version": 1, "occurred_at": now, "recorded_at": now,
        "actor": {"sub": "bench", "roles": []}, "correlation_id": uuid.uuid4(),
        "causation_id": None, "traceparent": None,
        "payload": Ticked(n=version).model_dump(mode="json"), "prev_hash": prev_hash,
    }
    row["hash"] = event_hash(KEY, prev_hash, row)
    row["actor"], row["payload"] = json.dumps(row["actor"]), json.dumps(row["payload"])
    return tuple(row[c] for c in COLUMNS)


async def rate(count: int, work: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await work()
    return count / (time.perf_counter() - started)


async def single_appends(engine: AsyncEngine, raw_url: str, progress: Progress) -> tuple[float, float]:
    store = EventStore(KEY)
    task = progress.add_task("single-event appends", total=2 * SINGLE_APPENDS)

    async def through_store() -> None:
        for i in range(SINGLE_APPENDS):
            async with engine.begin() as conn:
                await store.append(conn, stream_type="bench", stream_id=f"s-{i}",
                                   expected_version=0, new_events=[Ticked(n=i)],
                                   context=CommandContext())
            progress.advance(task)

    rows = [raw_row(f"raw-{i}", 1, GENESIS) for i in range(SINGLE_APPENDS)]
    insert = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
              f"({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})")
    head = "INSERT INTO stream_heads (stream_id, stream_type, version, hash) VALUES ($1, $2, $3, $4)"
    conn = await connect(raw_url)

    async def raw() -> None:
        # The same rows the store writes (the event and its stream's head), in
        # one transaction each, the way a hand-written asyncpg version would.
        for row in rows:
            async with conn.transaction():
                await conn.execute(insert, *row)
                await conn.execute(head, row[2], row[1], row[3], row[-1])
            progress.advance(task)

    try:
        return await rate(SINGLE_APPENDS, through_store), await rate(SINGLE_APPENDS, raw)
    finally:
        await conn.close()


async def batch_appends(engine: AsyncEngine, raw_url: str, progress: Progress) -> tuple[float, float]:
    store = EventStore(KEY)
    task = progress.add_task("batch appends", total=2 * BATCHES)

    async def through_store() -> None:
        for b in range(BATCHES):
            async with engine.begin() as conn:
                await store.append(conn, stream_type="bench", stream_id=f"batch-{b}",
                                   expected_version=0,
                                   new_events=[Ticked(n=i) for i in range(BATCH_SIZE)],
                                   context=CommandContext())
            progress.advance(task)

    batches = []
    for b in range(BATCHES):
        prev, batch = GENESIS, []
        for v in range(1, BATCH_SIZE + 1):
            row = raw_row(f"copy-{b}", v, prev)
            prev = row[-1]
            batch.append(row)
        batches.append(batch)
    head = "INSERT INTO stream_heads (stream_id, stream_type, version, hash) VALUES ($1, $2, $3, $4)"
    conn = await connect(raw_url)

    async def copy() -> None:
        for batch in batches:
            async with conn.transaction():
                await conn.copy_records_to_table("events", records=batch, columns=COLUMNS)
                last = batch[-1]
                await conn.execute(head, last[2], last[1], last[3], last[-1])
            progress.advance(task)

    try:
        total = BATCHES * BATCH_SIZE
        return await rate(total, through_store), await rate(total, copy)
    finally:
        await conn.close()


async def wait_until(condition: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark stage did not finish")
        await asyncio.sleep(0.005)


async def relay_rate(settings: Settings, engine: AsyncEngine, count: int, progress: Progress) -> float:
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


async def consumer_rates(settings: Settings, engine: AsyncEngine, count: int,
                         progress: Progress) -> tuple[float, float]:
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
    raw = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                           enable_auto_commit=False)
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


async def latency(settings: Settings, engine: AsyncEngine, progress: Progress) -> tuple[float, float]:
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
    runner = ConsumerRunner(topic_settings, engine, "latency", [event_topic(topic_settings, "calls")],
                            handlers)
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
                await store.append(conn, stream_type="bench", stream_id=f"lat-{n}",
                                   expected_version=0, new_events=[Ticked(n=n)],
                                   context=CommandContext())
            committed_at[n] = time.perf_counter()
            progress.advance(task)
            await asyncio.sleep(max(0.0, started + (n + 1) / LATENCY_RATE - time.perf_counter()))
        await wait_until(lambda: len(delays) >= total, timeout=60)
    finally:
        await runner.stop()
        await relay.stop()
    ordered = sorted(delays)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


async def main() -> None:
    with infrastructure() as (server_url, servers):
        name = f"bench{uuid.uuid4().hex[:8]}"
        settings = Settings(environment="test", database_url=server_url, database_prefix=name,
                            kafka_bootstrap_servers=servers, kafka_enable_idempotence=False,
                            topic_prefix=f"{name}.", consumer_session_timeout_ms=6000)
        url = settings.database_url_of("bench")
        await migrate("bench", url)
        raw_db = with_database(server_url, f"{name}_raw")
        await migrate("bench", raw_db)
        await ensure_topics(settings)
        engine = make_engine(url, pool_size=20)
        try:
            with Progress(console=console, transient=True) as progress:
                single, single_raw = await single_appends(engine, asyncpg_url(raw_db), progress)
                batch, copy = await batch_appends(engine, asyncpg_url(raw_db), progress)
                events = SINGLE_APPENDS + BATCHES * BATCH_SIZE
                relay = await relay_rate(settings, engine, events, progress)
                consumed, consumed_raw = await consumer_rates(settings, engine, events, progress)
                latency_db = with_database(server_url, f"{name}_latency")
                await migrate("bench", latency_db)
                latency_engine = make_engine(latency_db, pool_size=20)
                try:
                    p50, p99 = await latency(settings, latency_engine, progress)
                finally:
                    await latency_engine.dispose()
                    await drop_database(latency_db)
        finally:
            await engine.dispose()
            await drop_database(url)
            await drop_database(raw_db)
    report(single, single_raw, batch, copy, relay, consumed, consumed_raw, p50, p99)


def report(single: float, single_raw: float, batch: float, copy: float, relay: float,
           consumed: float, consumed_raw: float, p50: float, p99: float) -> None:
    table = Table(title=f"Chassis benchmark ({machine()})")
    for column in ("measure", "Cascade", "baseline", "ratio", "target"):
        table.add_column(column)
    table.add_row("single-event append tx/s (store vs raw asyncpg)",
                  f"{single:,.0f}", f"{single_raw:,.0f}", f"{single / single_raw:.2f}", ">= 0.6")
    table.add_row(f"batch append events/s ({BATCH_SIZE}/tx, store vs COPY)",
                  f"{batch:,.0f}", f"{copy:,.0f}", f"{batch / copy:.2f}", "")
    table.add_row("relay events/s (store to broker)", f"{relay:,.0f}", "", "", "")
    table.add_row("consumer events/s (inbox vs raw aiokafka)",
                  f"{consumed:,.0f}", f"{consumed_raw:,.0f}", f"{consumed / consumed_raw:.2f}", "")
    table.add_row(f"commit-to-handled p50 / p99 at {LATENCY_RATE}/s (ms)",
                  f"{p50:.1f} / {p99:.1f}", "", "", "p99 < 100")
    console.print(table)


if __name__ == "__main__":
    asyncio.run(main())
