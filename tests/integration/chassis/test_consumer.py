"""The consumer runner against real PostgreSQL and the real broker: inbox and
handler writes in one transaction, redeliveries without a second effect,
partitions shared and taken over, tracing, and waiting out a database outage."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.consumer import ConsumerRunner, Handlers
from shared.db import asyncpg_url, database_name, with_database
from shared.deadletter import list_dead_letters
from shared.events import Envelope
from shared.eventstore import CommandContext, EventStore
from shared.settings import Settings
from tests.support.consumer_process import VICTIM
from tests.support.consuming import (
    CONSUMER,
    KEY,
    TRACE_ID,
    TRACEPARENT,
    Ignored,
    create_effects_table,
    create_topic,
    effects,
    handled_by,
    inbox_rows,
    make_runner,
    publish,
    record_effect,
    record_events,
    running,
    settings_env,
)
from tests.support.events import Counted, counted
from tests.support.waiting import eventually

ROOT = Path(__file__).parents[3]


def counting_handlers(handled_by: str = "test") -> Handlers:
    handlers = Handlers()

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        await record_effect(conn, envelope, event, handled_by)

    return handlers


def count_is(engine: AsyncEngine, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(await effects(engine)) >= expected

    return check


async def test_each_event_takes_effect_once_and_is_recorded_in_the_inbox(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events", partitions=2)
    envelopes = await record_events(engine, counted(1, 2, 3, 4), streams=2)
    await publish(settings, topic, envelopes)

    async with running(make_runner(settings, engine, topic, counting_handlers())) as runner:
        await eventually(count_is(engine, 4))
        assert runner.handled_total == 4
        assert runner.running
        assert await runner.lag() == {f"{topic}:0": 0, f"{topic}:1": 0}
    assert not runner.running

    assert await effects(engine) == {e.id: 1 for e in envelopes}
    rows = {row["event_id"]: row for row in await inbox_rows(engine)}
    assert set(rows) == {e.id for e in envelopes}
    assert {(row["consumer"], row["topic"]) for row in rows.values()} == {(CONSUMER, topic)}
    # Within a stream (same key, same partition) the offsets follow the versions.
    for stream in ("counter-0", "counter-1"):
        ordered = [rows[e.id] for e in envelopes if e.stream_id == stream]
        assert len({row["partition"] for row in ordered}) == 1
        assert [row["offset"] for row in ordered] == sorted(row["offset"] for row in ordered)


async def test_a_handler_that_writes_then_fails_leaves_neither_its_writes_nor_an_inbox_row(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    handlers, attempts = Handlers(), []

    @handlers.on(Counted.event_type)
    async def write_then_fail(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        await record_effect(conn, envelope, event)
        attempts.append(event.n)
        if event.n == 1:
            raise RuntimeError("refused after writing")

    bad, good = await record_events(engine, counted(1, 2))
    await publish(settings, topic, [bad, good])
    async with running(make_runner(settings, engine, topic, handlers)) as runner:
        await eventually(count_is(engine, 1))

    # Tried in its batch (when both came in one fetch), then alone with its retries.
    assert attempts.count(1) - (settings.consumer_max_retries + 1) in (0, 1)
    assert attempts[-1:] == [2]
    assert attempts.count(2) == 1
    assert await effects(engine) == {good.id: 1}
    assert [row["event_id"] for row in await inbox_rows(engine)] == [good.id]
    assert runner.dead_lettered_total == 1


async def test_the_same_event_published_twice_takes_effect_once(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    envelopes = await record_events(engine, counted(1, 2))
    await publish(settings, topic, envelopes + envelopes)

    async with running(make_runner(settings, engine, topic, counting_handlers())) as runner:
        await eventually(lambda: _settled(runner, 4))

    assert await effects(engine) == {e.id: 1 for e in envelopes}
    assert (runner.handled_total, runner.redelivered_total) == (2, 2)


async def test_reading_the_topic_again_from_the_start_takes_no_second_effect(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    envelopes = await record_events(engine, counted(1, 2, 3))
    await publish(settings, topic, envelopes)
    async with running(make_runner(settings, engine, topic, counting_handlers())):
        await eventually(count_is(engine, 3))

    # Another group id, same consumer: no committed offsets, as after a reset to earliest.
    # (A reset of the same group would wait for its first member's session to expire:
    # tansu numbers the first generation 0, and aiokafka leaves a group only after 0.)
    fresh_group = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}again."})
    async with running(make_runner(fresh_group, engine, topic, counting_handlers())) as again:
        await eventually(lambda: _settled(again, 3))

    assert (again.handled_total, again.redelivered_total) == (0, 3)
    assert await effects(engine) == {e.id: 1 for e in envelopes}


async def test_a_known_event_type_without_a_handler_is_skipped(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    ignored, wanted = await record_events(engine, [Ignored(), Counted(n=1)])
    await publish(settings, topic, [ignored, wanted])

    async with running(make_runner(settings, engine, topic, counting_handlers())) as runner:
        await eventually(count_is(engine, 1))

    assert await effects(engine) == {wanted.id: 1}
    assert runner.dead_lettered_total == 0
    assert await committed_offsets(settings, topic) == {0: 2}
    assert await list_dead_letters(settings, CONSUMER, engine=engine) == []


async def test_a_handler_runs_in_the_trace_of_the_message_and_logs_what_it_handled(
    settings: Settings,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = await create_topic(settings, "counter.events")
    [envelope] = await record_events(
        engine, counted(7), context=CommandContext(traceparent=TRACEPARENT)
    )
    await publish(settings, topic, [envelope])
    handlers, echoes = Handlers(), []

    @handlers.on(Counted.event_type)
    async def echo(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        # No traceparent in the context: the store takes the current span's.
        echoes.extend(
            await EventStore(KEY).append(
                conn,
                stream_type="echo",
                stream_id=f"echo-{envelope.id}",
                expected_version=0,
                new_events=[event],
                context=CommandContext(),
            )
        )

    caplog.set_level(logging.INFO, logger="cascade.consumer")
    async with running(make_runner(settings, engine, topic, handlers)) as runner:
        await eventually(lambda: _settled(runner, 1))

    [appended] = echoes
    assert appended.traceparent is not None
    assert appended.traceparent.split("-")[1] == TRACE_ID
    [handled] = [r for r in caplog.records if getattr(r, "event_id", None) == str(envelope.id)]
    assert (handled.event_type, handled.consumer, handled.trace_id) == (  # type: ignore[attr-defined]
        Counted.event_type,
        CONSUMER,
        TRACE_ID,
    )


async def test_a_database_outage_delays_messages_without_skipping_or_dead_lettering_them(
    settings: Settings,
    engine: AsyncEngine,
    pg_server_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    envelopes = await record_events(engine, counted(1, 2, 3))

    async def stalled_twice() -> bool:  # each stall is logged before the partition is reread
        return sum("stalls at offset" in r.getMessage() for r in caplog.records) >= 2

    async with running(make_runner(settings, engine, topic, counting_handlers())) as runner:
        async with database_refusing_connections(engine, pg_server_url):
            await publish(settings, topic, envelopes)
            await eventually(stalled_twice)  # failed attempts, with backoff between them
            assert runner.handled_total == 0
        await eventually(count_is(engine, 3))

    assert await effects(engine) == {e.id: 1 for e in envelopes}
    assert runner.dead_lettered_total == 0


async def test_two_runners_in_one_group_share_the_partitions(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events", partitions=4)
    first = make_runner(settings, engine, topic, counting_handlers("first"))
    second = make_runner(settings, engine, topic, counting_handlers("second"))
    async with running(first), running(second):
        await eventually(lambda: _split_between(first, second, partitions=4))
        envelopes = await record_events(engine, counted(*range(40)), streams=20)
        await publish(settings, topic, envelopes)
        await eventually(count_is(engine, 40))

    assert await effects(engine) == {e.id: 1 for e in envelopes}
    assert first.handled_total > 0
    assert second.handled_total > 0
    assert first.handled_total + second.handled_total == 40


@pytest.mark.slow
async def test_when_a_runner_dies_the_other_takes_over_and_each_event_takes_effect_once(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events", partitions=4)
    survivor = make_runner(settings, engine, topic, counting_handlers("survivor"))
    async with running(survivor):
        victim = await start_victim(settings, engine, topic, die_on_call=3)
        try:
            await eventually(lambda: _owns(survivor, 2))
            envelopes = await record_events(engine, counted(*range(40)), streams=20)
            await publish(settings, topic, envelopes)
            assert await asyncio.wait_for(victim.wait(), 30) == -signal.SIGKILL
            await eventually(count_is(engine, 40), timeout=45)
            assert len(survivor.assignment()) == 4
        finally:
            if victim.returncode is None:
                victim.kill()
                await victim.wait()

    # Killed in the middle of a batch: its transaction left nothing, the survivor redid it.
    assert await effects(engine) == {e.id: 1 for e in envelopes}
    by = await handled_by(engine)
    assert by.get(VICTIM, 0) <= 2
    assert by.get(VICTIM, 0) + by["survivor"] == 40


# --- helpers ---------------------------------------------------------------


async def _settled(runner: ConsumerRunner, seen: int) -> bool:
    return runner.handled_total + runner.redelivered_total >= seen


async def _split_between(first: ConsumerRunner, second: ConsumerRunner, partitions: int) -> bool:
    a, b = first.assignment(), second.assignment()
    return bool(a and b and not a & b and len(a | b) == partitions)


async def _owns(runner: ConsumerRunner, count: int) -> bool:
    return len(runner.assignment()) == count


async def committed_offsets(settings: Settings, topic: str) -> dict[int, int | None]:
    group = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.topic(CONSUMER),
        enable_auto_commit=False,
    )
    await group.start()
    try:
        partitions = group.partitions_for_topic(topic) or set()
        return {p: await group.committed(TopicPartition(topic, p)) for p in sorted(partitions)}
    finally:
        await group.stop()


@asynccontextmanager
async def database_refusing_connections(
    engine: AsyncEngine, server_url: str
) -> AsyncIterator[None]:
    """The consumer's database refuses new connections and loses its open ones."""
    name = database_name(engine.url.render_as_string(hide_password=False))
    await _as_admin(
        server_url,
        f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    try:
        yield
    finally:
        await _as_admin(server_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


async def _as_admin(server_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(with_database(server_url, "postgres")))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def start_victim(
    settings: Settings, engine: AsyncEngine, topic: str, die_on_call: int
) -> asyncio.subprocess.Process:
    """A runner of the same group in another process; returns once it has joined."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.consumer_process",
        engine.url.render_as_string(hide_password=False),
        topic,
        str(die_on_call),
        cwd=ROOT,
        env={"PATH": "", **settings_env(settings)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"joined\n"
    return process
