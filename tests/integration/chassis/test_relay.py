"""The outbox relay against real PostgreSQL and a real broker: commit-safe order,
leadership, crashes and a broker that goes away."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import UnknownTopicOrPartitionError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cascade.local.broker import LocalBroker, free_port
from cascade.services import ensure_topics
from shared.bus import dead_letter_topic, event_topic
from shared.events import Envelope
from shared.eventstore import CommandContext, EventStore
from shared.relay import Relay
from shared.settings import Settings
from tests.support.events import counted
from tests.support.kafka import (
    has_ids,
    header,
    ids_of,
    read_all,
    read_topic,
    versions_by_stream,
)
from tests.support.own_broker import same_identity_broker, topic_partitions
from tests.support.waiting import eventually, polls

STORE = EventStore(b"test-integrity-key")
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
ROOT = Path(__file__).resolve().parents[3]


async def append(
    conn: AsyncConnection, stream_id: str, *numbers: int, after: int = 0
) -> list[Envelope]:
    return await STORE.append(
        conn,
        stream_type="counter",
        stream_id=stream_id,
        expected_version=after,
        new_events=counted(*numbers),
        context=CommandContext(traceparent=TRACEPARENT),
    )


async def commit(
    engine: AsyncEngine, stream_id: str, *numbers: int, after: int = 0
) -> list[Envelope]:
    async with engine.begin() as conn:
        return await append(conn, stream_id, *numbers, after=after)


async def published_count(engine: AsyncEngine, topic: str) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT published FROM relay_checkpoints WHERE topic = :topic"), {"topic": topic}
        )
    return int(count or 0)


async def at_least(count: Awaitable[int], wanted: int) -> bool:
    return await count >= wanted


def ids(*batches: list[Envelope]) -> list[str]:
    return [str(e.id) for batch in batches for e in batch]


@pytest.fixture
async def topic(settings: Settings) -> str:
    await ensure_topics(settings)
    return event_topic(settings, "calls")


@pytest.fixture
async def relay(settings: Settings, engine: AsyncEngine, topic: str) -> AsyncIterator[Relay]:
    relay = Relay(settings, engine, topic)
    await relay.start()
    yield relay
    await relay.stop()


async def test_publishes_committed_events_keyed_by_stream_in_order_with_headers(
    settings: Settings, engine: AsyncEngine, topic: str, relay: Relay
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    async with engine.connect() as conn:
        await conn.begin()
        first = await append(conn, "c-1", 1, 2)
        assert await read_topic(bootstrap, topic, until=lambda _: False, timeout=0.3) == []
        await conn.commit()
    second = await commit(engine, "c-2", 1)
    third = await commit(engine, "c-1", 3, after=2)

    records = await read_topic(bootstrap, topic, until=has_ids(ids(first, second, third)))

    assert versions_by_stream(records) == {"c-1": [1, 2, 3], "c-2": [1]}
    stored = {str(e.id): e for e in first + second + third}
    for record in records:
        assert header(record, "type") == "tests.Counted"
        assert header(record, "traceparent") == TRACEPARENT
        published = Envelope.model_validate_json(record.value)
        assert published == stored[header(record, "id") or ""]
    assert len(await read_all(bootstrap, topic)) == 4  # once each
    assert relay.published_total == 4
    assert await published_count(engine, topic) == 4
    assert await relay.backlog() == (0, 0.0)


async def test_publishes_nothing_from_a_rolled_back_transaction(
    settings: Settings, engine: AsyncEngine, topic: str, relay: Relay
) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await append(conn, "ghost", 1)
        await conn.rollback()
    kept = await commit(engine, "kept", 1)

    records = await read_topic(
        settings.kafka_bootstrap_servers or "", topic, until=has_ids(ids(kept))
    )

    assert ids_of(records) == set(ids(kept))
    assert len(await read_all(settings.kafka_bootstrap_servers or "", topic)) == 1


async def test_a_slow_transaction_that_took_an_earlier_position_is_not_skipped(
    settings: Settings, engine: AsyncEngine, topic: str, relay: Relay
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    async with engine.connect() as slow, engine.connect() as quick:
        await quick.begin()
        # `quick` gets its transaction id first, so it may commit and be published
        # while `slow`, which takes the earlier position below, still runs.
        await quick.execute(text("SELECT pg_current_xact_id()"))
        await slow.begin()
        slow_events = await append(slow, "slow", 1)
        quick_events = await append(quick, "quick", 1)
        await quick.commit()
        assert slow_events[0].position < quick_events[0].position

        published = await read_topic(bootstrap, topic, until=has_ids(ids(quick_events)))
        assert ids_of(published) == set(ids(quick_events))
        await slow.commit()

    records = await read_topic(bootstrap, topic, until=has_ids(ids(slow_events, quick_events)))
    assert ids_of(records) == set(ids(slow_events, quick_events))


async def test_events_committed_behind_an_older_running_transaction_follow_it_at_once(
    settings: Settings, engine: AsyncEngine, topic: str
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    # No idle polling to fall back on: only a fast poll can notice the older
    # transaction ending, since it appends nothing and so notifies nobody.
    relay = Relay(settings.model_copy(update={"relay_idle_poll_ms": 60_000}), engine, topic)
    try:
        await relay.start()
        async with engine.connect() as older:
            await older.begin()
            await older.execute(text("SELECT pg_current_xact_id()"))
            behind = await commit(engine, "behind", 1)
            # Publishing it now would let a later event of `older` be skipped.
            assert await read_topic(bootstrap, topic, until=lambda _: False, timeout=0.5) == []
            await older.rollback()
        # Within the idle poll's 60 s only the fast poll can have published it.
        records = await read_topic(bootstrap, topic, until=has_ids(ids(behind)), timeout=30)
        assert ids_of(records) == set(ids(behind))
    finally:
        await relay.stop()


async def test_many_concurrent_writers_lose_nothing_and_keep_each_streams_order(
    settings: Settings, engine: AsyncEngine, topic: str, relay: Relay
) -> None:
    async def write(writer: int) -> list[Envelope]:
        written: list[Envelope] = []
        for n in range(25):
            stream, version = f"w{writer}-{n % 2}", n // 2
            written += await commit(engine, stream, n, after=version)
        return written

    written = [e for batch in await asyncio.gather(*(write(w) for w in range(20))) for e in batch]
    bootstrap = settings.kafka_bootstrap_servers or ""
    records = await read_topic(bootstrap, topic, until=has_ids(ids(written)), timeout=30)

    assert ids_of(records) == set(ids(written))
    streams = versions_by_stream(records)
    assert len(streams) == 40
    assert all(versions == list(range(1, len(versions) + 1)) for versions in streams.values())
    assert len(await read_all(bootstrap, topic)) == 500  # none twice


async def test_a_standby_takes_over_when_the_leaders_connection_dies(
    settings: Settings, engine: AsyncEngine, topic: str
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    leader, standby = Relay(settings, engine, topic), Relay(settings, engine, topic)
    try:
        await leader.start()
        await eventually(lambda: leader.is_leader)
        await standby.start()
        before = await commit(engine, "s-1", 1, 2)
        await read_topic(bootstrap, topic, until=has_ids(ids(before)))
        assert not standby.is_leader

        # The leader's session ends as if its process had died; it must notice at once.
        async with engine.connect() as conn:
            await conn.execute(
                text("""
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
            )
        during = await commit(engine, "s-1", 3, after=2)
        await eventually(lambda: not leader.is_leader)
        await leader.stop()
        await eventually(lambda: standby.is_leader)
        after = await commit(engine, "s-1", 4, after=3)

        records = await read_topic(bootstrap, topic, until=has_ids(ids(before, during, after)))
        assert versions_by_stream(records) == {"s-1": [1, 2, 3, 4]}
    finally:
        await leader.stop()
        await standby.stop()


@pytest.mark.slow
async def test_a_relay_killed_between_commit_and_publish_loses_nothing(
    settings: Settings, engine: AsyncEngine, topic: str
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    env = {
        **os.environ,
        "CASCADE_ENVIRONMENT": "test",
        "CASCADE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "CASCADE_RELAY_BATCH_SIZE": "5",
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.relay_process",
        engine.url.render_as_string(hide_password=False),
        "calls",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    standby = Relay(settings, engine, topic)
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"leader\n"
        await standby.start()

        async def write() -> list[Envelope]:
            written: list[Envelope] = []
            for n in range(300):
                written += await commit(engine, f"k-{n % 10}", n, after=n // 10)
                await asyncio.sleep(0.002)
            return written

        writing = asyncio.create_task(write())
        async with asyncio.timeout(20):
            while True:  # until the doomed relay has published some, not all
                if await published_count(engine, topic) >= 50:
                    break
                await asyncio.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert not writing.done()  # events were still being committed at the kill
        written = await writing
        await eventually(lambda: standby.is_leader)

        records = await read_topic(bootstrap, topic, until=has_ids(ids(written)), timeout=20)
        assert ids_of(records) == set(ids(written))
        assert versions_by_stream(records) == {f"k-{k}": list(range(1, 31)) for k in range(10)}
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await standby.stop()


@pytest.mark.slow
async def test_events_committed_while_the_broker_is_down_arrive_when_it_returns(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    broker = LocalBroker(log_path=tmp_path / "tansu.log", port=free_port())
    bootstrap = await asyncio.to_thread(broker.start)
    own = settings.model_copy(update={"kafka_bootstrap_servers": bootstrap})
    topic = event_topic(own, "calls")
    relay = Relay(own, engine, topic)

    async def outage(*streams: str) -> list[Envelope]:
        await asyncio.to_thread(broker.stop)
        # Appends never wait for the broker: they complete while it is down.
        written = [
            e for stream in streams for e in await asyncio.wait_for(commit(engine, stream, 1), 30)
        ]
        await asyncio.sleep(1)  # the relay tries, and fails, meanwhile
        assert (await relay.backlog())[0] == len(written)
        await asyncio.to_thread(broker.start)  # same port, but a new and empty broker
        return written

    try:
        await ensure_topics(own)
        await relay.start()
        first = await outage("b-1", "b-2")
        await read_topic(bootstrap, topic, until=has_ids(ids(first)), timeout=20)

        second = await outage("b-3")
        # The first events are gone with the broker: the relay publishes them again.
        records = await read_topic(bootstrap, topic, until=has_ids(ids(first, second)), timeout=20)
        assert versions_by_stream(records) == {"b-1": [1], "b-2": [1], "b-3": [1]}
        # The records reach the broker a moment before the checkpoint is saved.
        for _ in polls():
            if await relay.backlog() == (0, 0.0):
                break
            await asyncio.sleep(0.05)
        assert await relay.backlog() == (0, 0.0)
    finally:
        await relay.stop()
        await asyncio.to_thread(broker.stop)


async def test_a_notify_wakes_the_relay_long_before_its_idle_poll(
    settings: Settings, engine: AsyncEngine, topic: str
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    relay = Relay(settings.model_copy(update={"relay_idle_poll_ms": 60_000}), engine, topic)
    try:
        await relay.start()
        await eventually(lambda: relay.is_leader)
        for stream in ("n-1", "n-2"):
            await asyncio.sleep(0.3)  # let it settle into its idle wait
            written = await commit(engine, stream, 1)
            # Within the idle poll's 60 s only the notification can have woken it.
            records = await read_topic(bootstrap, topic, until=has_ids(ids(written)), timeout=30)
            assert set(ids(written)) <= ids_of(records)
    finally:
        await relay.stop()


async def test_a_restarted_relay_resumes_after_its_checkpoint(
    settings: Settings, engine: AsyncEngine, topic: str
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    first = Relay(settings, engine, topic)
    await first.start()
    before = await commit(engine, "r-1", 1, 2, 3)
    await read_topic(bootstrap, topic, until=has_ids(ids(before)))
    # The records reach the broker a moment before the checkpoint is saved; a
    # relay stopped in between publishes them again (at least once, by design).
    await eventually(lambda: at_least(published_count(engine, topic), 3))
    await asyncio.wait_for(first.stop(), 30)  # a stop never hangs

    second = Relay(settings, engine, topic)
    try:
        await second.start()
        after = await commit(engine, "r-1", 4, after=3)
        await read_topic(bootstrap, topic, until=has_ids(ids(after)))
        assert len(await read_all(bootstrap, topic)) == 4  # nothing published twice
        assert second.published_total == 1
    finally:
        await second.stop()


async def test_event_and_dead_letter_topics_are_kept_forever(
    settings: Settings, topic: str
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        names = [topic, dead_letter_topic(settings, "reporting")]
        [answer] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    retention = {
        r[3]: dict((e[0], e[1]) for e in r[4]).get("retention.ms") for r in answer.resources
    }
    assert retention == {name: "-1" for name in names}


@pytest.mark.slow
async def test_a_broker_that_lost_everything_gets_the_history_back_with_nothing_new_written(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    # `cascade up` restarted: a new relay, a new empty in-memory broker whose
    # topics were created beforehand, and no service writing anything yet.
    broker = LocalBroker(log_path=tmp_path / "tansu.log", port=free_port())
    bootstrap = await asyncio.to_thread(broker.start)
    own = settings.model_copy(update={"kafka_bootstrap_servers": bootstrap})
    topic = event_topic(own, "calls")
    first = Relay(own, engine, topic)
    try:
        await ensure_topics(own)
        await first.start()
        history = await commit(engine, "h-1", 1, 2) + await commit(engine, "h-2", 1)
        await read_topic(bootstrap, topic, until=has_ids(ids(history)), timeout=20)
        await eventually(lambda: at_least(published_count(engine, topic), 3))
        await first.stop()
        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(broker.start)  # same port, empty
        await ensure_topics(own)
        second = Relay(own, engine, topic)
        await second.start()
        try:
            records = await read_topic(bootstrap, topic, until=has_ids(ids(history)), timeout=20)
            assert versions_by_stream(records) == {"h-1": [1, 2], "h-2": [1]}
        finally:
            await second.stop()
    finally:
        await first.stop()
        await asyncio.to_thread(broker.stop)


@pytest.mark.slow
async def test_a_broker_restarted_with_the_same_identity_gets_every_event_back(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with same_identity_broker(tmp_path / "tansu.log") as broker:
        own = settings.model_copy(
            update={
                "kafka_bootstrap_servers": broker.bootstrap_servers,
                "relay_broker_check_ms": 200,
            }
        )
        topic = event_topic(own, "calls")
        await ensure_topics(own)
        relay = Relay(own, engine, topic)
        await relay.start()
        try:
            history = [e for n in range(8) for e in await commit(engine, f"s-{n}", 1, 2)]
            await eventually(lambda: at_least(published_count(engine, topic), len(history)))

            await asyncio.to_thread(broker.restart)  # same cluster id: only the contents tell
            never = own.topic("never.created")
            await subscribe_briefly(broker.bootstrap_servers, never)

            records = await read_topic(
                broker.bootstrap_servers, topic, until=has_ids(ids(history)), timeout=30
            )
            assert versions_by_stream(records) == {f"s-{n}": [1, 2] for n in range(8)}
            assert relay.republished_total == 1
            partitions = await topic_partitions(broker.bootstrap_servers)
            assert partitions[topic] == own.event_topic_partitions
            # Our clients never make the broker create a topic they ask about.
            assert never not in partitions
        finally:
            await relay.stop()


@pytest.mark.slow
async def test_a_topic_auto_created_with_the_wrong_partition_count_is_made_again(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with same_identity_broker(tmp_path / "tansu.log") as broker:
        own = settings.model_copy(
            update={
                "kafka_bootstrap_servers": broker.bootstrap_servers,
                "relay_broker_check_ms": 200,
            }
        )
        topic = event_topic(own, "calls")
        await ensure_topics(own)
        relay = Relay(own, engine, topic)
        await relay.start()
        try:
            history = await commit(engine, "w-1", 1, 2, 3)
            await eventually(lambda: at_least(published_count(engine, topic), len(history)))
            await relay.stop()
            await asyncio.to_thread(broker.restart)
            await create_topic_as(broker.bootstrap_servers, topic, partitions=4)  # a stray client
            await relay.start()
            records = await read_topic(
                broker.bootstrap_servers, topic, until=has_ids(ids(history)), timeout=30
            )
            assert versions_by_stream(records) == {"w-1": [1, 2, 3]}
            assert (await topic_partitions(broker.bootstrap_servers))[topic] == 6
        finally:
            await relay.stop()


async def subscribe_briefly(bootstrap: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id="curious", request_timeout_ms=1_000
    )
    try:
        with contextlib.suppress(UnknownTopicOrPartitionError):  # it waited for it, in vain
            await consumer.start()
            await consumer.getmany(timeout_ms=300)
    finally:
        await consumer.stop()


async def create_topic_as(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        await admin.close()
