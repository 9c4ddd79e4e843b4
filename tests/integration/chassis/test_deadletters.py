"""Dead letters against the real broker: a failing handler is retried, then its
message is dead-lettered with the reason and the consumer moves on; poison
messages go at once; dead letters are listed and replayed, also by `cascade dlq`."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from typer.testing import CliRunner, Result

from cascade.cli.dlq import dlq_app
from cascade.migrate import migrate
from shared.bus import dead_letter_topic
from shared.consumer import ConsumerRunner, Handlers
from shared.db import drop_database, make_engine
from shared.deadletter import list_dead_letters, replay_dead_letters, unresolved_count
from shared.errors import NotFound, VersionConflict
from shared.events import Envelope
from shared.eventstore import CommandContext, EventStore
from shared.settings import Settings
from tests.support.consuming import (
    CONSUMER,
    KEY,
    TRACEPARENT,
    create_effects_table,
    create_topic,
    effects,
    make_runner,
    publish,
    publish_raw,
    read_topic,
    record_effect,
    record_events,
    running,
    settings_env,
)
from tests.support.events import Counted, counted
from tests.support.own_broker import same_identity_broker
from tests.support.waiting import eventually

ERROR_HEADERS = {
    "error_type",
    "error_message",
    "original_topic",
    "original_partition",
    "original_offset",
    "consumer",
    "failed_at",
}


def refusing(*refused: int, calls: list[int] | None = None) -> Handlers:
    """Handlers that record an effect, except for the numbers in `refused`."""
    handlers = Handlers()

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        if calls is not None:
            calls.append(event.n)
        if event.n in refused:
            raise RuntimeError(f"{event.n} is refused")
        await record_effect(conn, envelope, event)

    return handlers


async def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered_and_the_next_is_handled(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    bad, good = await record_events(
        engine, counted(1, 2), context=CommandContext(traceparent=TRACEPARENT)
    )
    await publish(settings, topic, [bad, good])
    calls: list[int] = []

    async with running(make_runner(settings, engine, topic, refusing(1, calls=calls))) as runner:
        await eventually(lambda: _effects_of(engine, 1))
        assert runner.dead_lettered_total == 1

    # Tried in its batch (when both came in one fetch), then alone with its retries.
    assert calls.count(1) - (settings.consumer_max_retries + 1) in (0, 1)
    assert calls[-1:] == [2]
    assert calls.count(2) == 1
    assert await effects(engine) == {good.id: 1}
    [record] = await read_topic(settings, dead_letter_topic(settings, CONSUMER))
    assert (record.key, record.value) == (bad.stream_id.encode(), bad.model_dump_json().encode())
    headers = dict(record.headers)
    assert set(headers) == {"type", "id", "traceparent"} | ERROR_HEADERS
    assert (headers["type"], headers["id"], headers["traceparent"]) == (
        bad.type.encode(),
        str(bad.id).encode(),
        TRACEPARENT.encode(),
    )
    assert headers["error_type"] == b"RuntimeError"
    assert headers["error_message"] == b"1 is refused"
    assert headers["original_topic"] == topic.encode()
    assert (headers["original_partition"], headers["original_offset"]) == (b"0", b"0")
    assert headers["consumer"] == CONSUMER.encode()
    failed_at = datetime.fromisoformat(headers["failed_at"].decode())
    assert datetime.now(UTC) - failed_at < timedelta(minutes=1)


async def test_retries_back_off_exponentially(settings: Settings, engine: AsyncEngine) -> None:
    settings = settings.model_copy(
        update={"consumer_max_retries": 3, "consumer_retry_backoff_ms": 100}
    )
    topic = await create_topic(settings, "counter.events")
    await publish(settings, topic, await record_events(engine, counted(1)))
    handlers, attempts = Handlers(), []

    @handlers.on(Counted.event_type)
    async def fail(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("always")

    async with running(make_runner(settings, engine, topic, handlers)) as runner:
        await eventually(lambda: _dead_lettered(runner, 1))

    gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
    assert len(gaps) == 3
    for gap, expected in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert expected * 0.95 <= gap < expected + 0.5


async def test_a_version_conflict_is_handled_again_and_never_dead_lettered(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    # No retries for failures, three conflicts per attempt: more conflicts than that
    # make the partition wait and try again, never give the message up.
    settings = settings.model_copy(
        update={"consumer_max_retries": 0, "consumer_conflict_attempts": 3}
    )
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    await publish(settings, topic, await record_events(engine, counted(1)))
    handlers, attempts = Handlers(), []

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        attempts.append(event.n)
        if len(attempts) <= 7:
            raise VersionConflict(f"stream {envelope.stream_id} has moved on")
        await record_effect(conn, envelope, event)

    async with running(make_runner(settings, engine, topic, handlers)) as runner:
        await eventually(lambda: _effects_of(engine, 1))
        assert (runner.dead_lettered_total, runner.conflicts_total) == (0, 7)

    assert attempts == [1] * 8
    assert await list_dead_letters(settings, CONSUMER, engine=engine) == []


async def test_poison_messages_are_dead_lettered_at_once_with_a_clear_reason(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    # Retrying a poison message would take seconds: the waits below would time out.
    settings = settings.model_copy(update={"consumer_retry_backoff_ms": 5_000})
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    template, good = await record_events(engine, counted(1, 2))
    await publish_raw(settings, topic, b'{"id": "not json')
    await publish_raw(settings, topic, b'{"hello": "world"}')
    await publish_raw(settings, topic, _altered(template, type="tests.NeverHeardOf"))
    await publish_raw(settings, topic, _altered(template, schema_version=2))
    await publish_raw(settings, topic, _altered(template, payload={"n": "many"}))
    await publish(settings, topic, [good])
    calls: list[int] = []

    async with running(make_runner(settings, engine, topic, refusing(calls=calls))) as runner:
        await eventually(lambda: _effects_of(engine, 1))
        assert runner.dead_lettered_total == 5

    assert calls == [2]
    letters = await list_dead_letters(settings, CONSUMER, engine=engine)
    assert [(letter.original_offset, letter.error_type) for letter in letters] == [
        (0, "MalformedJson"),
        (1, "InvalidEnvelope"),
        (2, "UnknownEventType"),
        (3, "FutureSchemaVersion"),
        (4, "InvalidPayload"),
    ]
    messages = [letter.error_message for letter in letters]
    assert messages[0].startswith("not valid JSON")
    assert messages[1].startswith("not an event envelope: id: Field required")
    assert messages[2] == "unknown event type 'tests.NeverHeardOf'"
    assert messages[3] == "tests.Counted has schema version 2, newer than the 1 this code knows"
    assert messages[4].startswith("tests.Counted payload is invalid: n:")


async def test_dead_letters_are_listed_with_where_from_and_why(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    topic = await create_topic(settings, "counter.events", partitions=2)
    envelopes = await record_events(engine, counted(1, 2, 3), streams=3)
    await publish(settings, topic, envelopes)
    async with running(make_runner(settings, engine, topic, refusing(1, 2, 3))) as runner:
        await eventually(lambda: _dead_lettered(runner, 3))

    letters = await list_dead_letters(settings, CONSUMER, engine=engine)
    assert sorted(letter.event_id or "" for letter in letters) == sorted(
        str(e.id) for e in envelopes
    )
    assert [letter.offset for letter in letters] == [0, 1, 2]
    for letter in letters:
        assert letter.event_type == Counted.event_type
        assert (letter.error_type, letter.original_topic) == ("RuntimeError", topic)
        assert letter.error_message.endswith("is refused")
        assert letter.failed_at is not None
        assert not ERROR_HEADERS & {name for name, _ in letter.headers}
    assert await list_dead_letters(settings, "nobody", engine=engine) == []


async def test_replaying_after_fixing_the_handler_applies_each_effect_once(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    envelopes = await record_events(engine, counted(1, 2))
    await publish(settings, topic, envelopes)
    refused = {1, 2}
    handlers = Handlers()

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        if event.n in refused:
            raise RuntimeError(f"{event.n} is refused")
        await record_effect(conn, envelope, event)

    async with running(make_runner(settings, engine, topic, handlers)) as runner:
        await eventually(lambda: _dead_lettered(runner, 2))
        assert await effects(engine) == {}

        refused.clear()  # the fix is deployed
        assert await replay_dead_letters(settings, CONSUMER, engine=engine) == 2
        await eventually(lambda: _effects_of(engine, 2))
        # Replaying again, as an operator might: the inbox absorbs it.
        assert await replay_dead_letters(settings, CONSUMER, [0], engine=engine) == 1
        await eventually(lambda: _seen(runner, 3))

    assert await effects(engine) == {e.id: 1 for e in envelopes}
    assert (runner.handled_total, runner.redelivered_total) == (2, 1)
    replayed = (await read_topic(settings, topic))[2:]
    assert [(r.key, r.value, r.headers) for r in replayed] == [
        (
            e.stream_id.encode(),
            e.model_dump_json().encode(),
            (("type", e.type.encode()), ("id", str(e.id).encode())),
        )
        for e in [*envelopes, envelopes[0]]
    ]


async def test_replaying_an_offset_without_a_dead_letter_is_refused(
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    with pytest.raises(NotFound, match=r"offset\(s\) \[7\]"):
        await replay_dead_letters(settings, CONSUMER, [7], engine=engine)


async def test_the_dlq_command_lists_and_replays_dead_letters(settings: Settings) -> None:
    # The command finds the consumer's own database, as a service's would be.
    await migrate("chassis", settings.database_url_of(CONSUMER))
    engine = make_engine(settings.database_url_of(CONSUMER), pool_size=2)
    try:
        await _list_and_replay_with_the_command(settings, engine)
    finally:
        await engine.dispose()
        await drop_database(settings.database_url_of(CONSUMER))


async def _list_and_replay_with_the_command(settings: Settings, engine: AsyncEngine) -> None:
    empty = await cascade_dlq(settings, "list", "--consumer", CONSUMER)
    assert (empty.exit_code, empty.stdout.strip()) == (0, f"{CONSUMER}: no dead letters")
    await create_effects_table(engine)
    topic = await create_topic(settings, "counter.events")
    [envelope] = await record_events(engine, counted(1))
    await publish(settings, topic, [envelope])
    async with running(make_runner(settings, engine, topic, refusing(1))) as runner:
        await eventually(lambda: _dead_lettered(runner, 1))

    listed = await cascade_dlq(settings, "list", "--consumer", CONSUMER)
    assert listed.exit_code == 0, listed.output
    for expected in (
        "1 dead letter",
        str(envelope.id),
        Counted.event_type,
        f"{topic}[0]@0",
        "RuntimeError: 1 is refused",
    ):
        assert expected in listed.stdout

    replayed = await cascade_dlq(settings, "replay", "--consumer", CONSUMER, "--offset", "0")
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 1 dead letter" in replayed.stdout
    assert len(await read_topic(settings, topic)) == 2

    refused = await cascade_dlq(settings, "replay", "--consumer", CONSUMER, "--offset", "5")
    assert refused.exit_code == 1
    assert "no dead letter of counter at offset(s) [5]" in refused.stderr

    unknown = await cascade_dlq(settings, "list", "--consumer", "nobody")
    assert unknown.exit_code == 1
    assert "cannot read the dead letters of nobody" in unknown.stderr


# --- helpers ---------------------------------------------------------------


async def cascade_dlq(settings: Settings, *args: str) -> Result:
    """`cascade dlq ...` with the settings in the environment. In a thread, since
    the command runs its own event loop."""
    env = {
        **settings_env(settings),
        "COLUMNS": "300",
        "DATABASE_URL": settings.database_url or "",
        "CASCADE_DATABASE_PREFIX": settings.database_prefix,
    }
    return await asyncio.to_thread(CliRunner().invoke, dlq_app, list(args), env=env)


def _altered(envelope: Envelope, **changes: object) -> bytes:
    return envelope.model_copy(update=changes).model_dump_json().encode()


async def _effects_of(engine: AsyncEngine, count: int) -> bool:
    return len(await effects(engine)) >= count


async def _dead_lettered(runner: ConsumerRunner, count: int) -> bool:
    return runner.dead_lettered_total >= count


async def _seen(runner: ConsumerRunner, count: int) -> bool:
    return runner.handled_total + runner.redelivered_total >= count


@pytest.mark.slow
async def test_dead_letters_outlive_a_broker_that_lost_everything(
    settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    await create_effects_table(engine)
    async with same_identity_broker(tmp_path / "tansu.log") as broker:
        own = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap_servers})
        topic = await create_topic(own, "counter.events")
        [envelope] = await record_events(engine, counted(1))
        await publish(own, topic, [envelope])
        refused = {1}
        async with running(make_runner(own, engine, topic, refusing_while(refused))) as runner:
            await eventually(lambda: _dead_lettered(runner, 1))

        await asyncio.to_thread(broker.restart)  # the topic and the dead-letter topic are gone

        [letter] = await list_dead_letters(own, CONSUMER, engine=engine)
        assert (letter.event_id, letter.error_type) == (str(envelope.id), "RuntimeError")
        await create_topic(own, "counter.events")  # as the relay does when it notices
        refused.clear()
        async with running(make_runner(own, engine, topic, refusing_while(refused))) as runner:
            assert await replay_dead_letters(own, CONSUMER, engine=engine) == 1
            await eventually(lambda: _effects_of(engine, 1))
        assert await effects(engine) == {envelope.id: 1}
        assert await unresolved_count(engine, CONSUMER) == 0
        # The next dead letter's notification makes the dead-letter topic again.
        async with engine.begin() as conn:
            [another] = await EventStore(KEY).append(
                conn,
                stream_type="counter",
                stream_id="counter-another",
                expected_version=0,
                new_events=counted(9),
                context=CommandContext(),
            )
        refused.add(9)
        async with running(make_runner(own, engine, topic, refusing_while(refused))) as runner:
            await publish(own, topic, [another])
            await eventually(lambda: _dead_lettered(runner, 1))
        assert len(await read_topic(own, dead_letter_topic(own, CONSUMER))) == 1


def refusing_while(refused: set[int]) -> Handlers:
    handlers = Handlers()

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        if event.n in refused:
            raise RuntimeError(f"{event.n} is refused")
        await record_effect(conn, envelope, event)

    return handlers
