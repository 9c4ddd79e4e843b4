"""Batched consumption against the real broker: a partition's fetch handled in one
transaction keeps each stream's order, a poison or failing message inside it is
dead-lettered alone, and a batch delivered again takes no second effect."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.consumer import ConsumerRunner, Handlers
from shared.deadletter import list_dead_letters
from shared.events import Envelope
from shared.settings import Settings
from tests.support.consuming import (
    CONSUMER,
    create_topic,
    make_runner,
    publish,
    publish_raw,
    record_events,
    running,
)
from tests.support.events import Counted, counted
from tests.support.waiting import eventually


async def create_handled_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            CREATE TABLE handled (
                seq         bigserial PRIMARY KEY,
                event_id    uuid NOT NULL,
                stream_id   text NOT NULL,
                version     integer NOT NULL,
                n           integer NOT NULL,
                tx          xid8 NOT NULL DEFAULT pg_current_xact_id()
            )""")
        )


def recording(refused: frozenset[int] = frozenset()) -> Handlers:
    """Handlers writing each event they handle, with the transaction that did."""
    handlers = Handlers()

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        if event.n in refused:
            raise RuntimeError(f"{event.n} is refused")
        await conn.execute(
            text("INSERT INTO handled (event_id, stream_id, version, n) VALUES (:id, :s, :v, :n)"),
            {"id": envelope.id, "s": envelope.stream_id, "v": envelope.version, "n": event.n},
        )

    return handlers


async def handled(engine: AsyncEngine) -> list[tuple[str, int, int, int]]:
    """(stream, version, n, transaction) in the order they were handled."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT stream_id, version, n, tx::text::bigint AS tx FROM handled ORDER BY seq")
        )
        return [(row.stream_id, row.version, row.n, row.tx) for row in rows]


async def count_is(engine: AsyncEngine, wanted: int) -> bool:
    return len(await handled(engine)) >= wanted


async def test_each_stream_keeps_its_order_when_partitions_are_handled_in_batches(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_handled_table(engine)
    topic = await create_topic(settings, "counter.events", partitions=3)
    envelopes = await record_events(engine, counted(*range(600)), streams=12)
    await publish(settings, topic, envelopes)

    async with running(make_runner(settings, engine, topic, recording())) as runner:
        await eventually(lambda: count_is(engine, 600))

    rows = await handled(engine)
    assert len(rows) == 600
    assert len({(s, v) for s, v, _, _ in rows}) == 600
    for stream in {s for s, _, _, _ in rows}:
        versions = [v for s, v, _, _ in rows if s == stream]
        assert versions == sorted(versions) == list(range(1, 51))
    # Far fewer transactions than events: the partitions' fetches were handled whole.
    assert len({tx for _, _, _, tx in rows}) <= 600 // 10
    assert (runner.handled_total, runner.dead_lettered_total) == (600, 0)


async def test_a_poison_and_a_failing_message_inside_a_batch_are_dead_lettered_alone(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_handled_table(engine)
    topic = await create_topic(settings, "counter.events")
    first, second, failing, third = await record_events(engine, counted(1, 2, 3, 4), streams=4)
    await publish(settings, topic, [first, second])
    await publish_raw(settings, topic, b'{"not": "an envelope"}')
    await publish(settings, topic, [failing, third])
    runner = make_runner(
        settings.model_copy(update={"consumer_max_retries": 1}),
        engine,
        topic,
        recording(refused=frozenset({3})),
    )

    async with running(runner):
        await eventually(lambda: count_is(engine, 3))
        await eventually(lambda: _dead_lettered(runner, 2))

    assert [n for _, _, n, _ in await handled(engine)] == [1, 2, 4]
    letters = await list_dead_letters(settings, CONSUMER, engine=engine)
    assert [(letter.original_offset, letter.error_type) for letter in letters] == [
        (2, "InvalidEnvelope"),
        (3, "RuntimeError"),
    ]
    assert (runner.handled_total, runner.dead_lettered_total) == (3, 2)


async def test_a_batch_delivered_again_takes_no_second_effect(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_handled_table(engine)
    topic = await create_topic(settings, "counter.events", partitions=2)
    envelopes = await record_events(engine, counted(*range(40)), streams=8)
    await publish(settings, topic, envelopes)
    async with running(make_runner(settings, engine, topic, recording())):
        await eventually(lambda: count_is(engine, 40))
    # The whole topic again, in batches, as a member that lost its offsets reads it.
    await publish(settings, topic, envelopes)
    fresh_group = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}again."})
    async with running(make_runner(fresh_group, engine, topic, recording())) as again:
        await eventually(lambda: _settled(again, 80))

    assert (again.handled_total, again.redelivered_total) == (0, 80)
    assert len(await handled(engine)) == 40


async def _dead_lettered(runner: ConsumerRunner, count: int) -> bool:
    return runner.dead_lettered_total >= count


async def _settled(runner: ConsumerRunner, count: int) -> bool:
    return runner.handled_total + runner.redelivered_total >= count
