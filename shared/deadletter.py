"""Dead letters: messages a consumer gave up on, kept with the reason in the
consumer's own database, to list and replay.

The database, not the broker, holds them: a broker that loses its topics (the
local one keeps everything in memory) must not take with it the only trace of a
message that a service never applied. The consumer's dead-letter topic still
gets a copy, as a notification for whoever watches it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from sqlalchemy import func, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus import KEEP_FOREVER, bootstrap, dead_letter_topic, make_producer
from shared.clock import Clock
from shared.db import make_engine
from shared.errors import InfrastructureUnavailable, NotFound
from shared.settings import Settings
from shared.tables import dead_letters

logger = logging.getLogger("cascade.consumer")

# Added to the original headers of the notification on the dead-letter topic.
ERROR_HEADERS = (
    "error_type",
    "error_message",
    "original_topic",
    "original_partition",
    "original_offset",
    "consumer",
    "failed_at",
)
MAX_ERROR_MESSAGE = 4_000
NOTIFY_TIMEOUT_S = 5.0
UNRESOLVED = text("""
    SELECT count(DISTINCT COALESCE(d.event_id::text, d.number::text)) FROM dead_letters d
    WHERE d.consumer = :consumer AND NOT EXISTS (
        SELECT 1 FROM inbox i WHERE i.consumer = d.consumer AND i.event_id = d.event_id)""")


@dataclass(frozen=True)
class DeadLetter:
    """One message a consumer gave up on, with where it came from and why it failed."""

    offset: int
    """The dead letter's number in its consumer's database, from 0: what replay names."""
    original_topic: str
    original_partition: int
    original_offset: int
    event_type: str | None
    event_id: str | None
    error_type: str
    error_message: str
    failed_at: datetime
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    replays: int = 0


def dead_letter_headers(
    original: Any, consumer: str, error: BaseException, failed_at: datetime
) -> list[tuple[str, bytes]]:
    """The original record's headers plus why, where and when it failed."""
    reason = {
        "error_type": type(error).__name__,
        "error_message": str(error)[:MAX_ERROR_MESSAGE],
        "original_topic": original.topic,
        "original_partition": str(original.partition),
        "original_offset": str(original.offset),
        "consumer": consumer,
        "failed_at": failed_at.isoformat(),
    }
    return [*original.headers, *((name, value.encode()) for name, value in reason.items())]


class DeadLetterWriter:
    """Keeps the messages a consumer gives up on in its database, and notifies its
    dead-letter topic."""

    def __init__(
        self, settings: Settings, engine: AsyncEngine, consumer: str, clock: Clock
    ) -> None:
        self._settings, self._engine = settings, engine
        self._consumer, self._clock = consumer, clock
        self._topic = dead_letter_topic(settings, consumer)
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        await ensure_dead_letter_topic(self._settings, self._consumer)
        self._producer = make_producer(self._settings)
        try:
            await self._producer.start()
        except (KafkaError, OSError) as exc:
            raise InfrastructureUnavailable(f"cannot reach Kafka: {exc}") from None

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(self, original: Any, error: BaseException) -> None:
        """Keep `original` (key, value, headers) with the reason; raises what the
        database raises, so the caller must not move past it. The notification
        is best effort: the letter is kept whether or not the broker takes it."""
        failed_at = self._clock.now()
        event_type, event_id = _type_and_id_of(original)
        async with self._engine.begin() as conn:
            await conn.execute(
                dead_letters.insert().values(
                    consumer=self._consumer,
                    topic=original.topic,
                    partition=original.partition,
                    offset=original.offset,
                    event_id=_uuid_or_none(event_id),
                    event_type=event_type,
                    key=original.key,
                    value=original.value,
                    headers=_encode_headers(original.headers),
                    error_type=type(error).__name__,
                    error_message=str(error)[:MAX_ERROR_MESSAGE],
                    failed_at=failed_at,
                )
            )
        logger.error(
            "consumer %s dead-lettered %s %s from %s[%d]@%d: %s: %s (cascade dlq list --consumer %s)",
            self._consumer,
            event_type or "a message",
            event_id or "",
            original.topic,
            original.partition,
            original.offset,
            type(error).__name__,
            error,
            self._consumer,
            extra={
                "consumer": self._consumer,
                "error_type": type(error).__name__,
                "event_type": event_type,
                "event_id": event_id,
            },
        )
        await self._notify(original, error, failed_at)

    async def _notify(self, original: Any, error: BaseException, failed_at: datetime) -> None:
        assert self._producer is not None, "start() first"
        headers = dead_letter_headers(original, self._consumer, error, failed_at)
        try:
            for attempt in range(2):
                try:
                    await asyncio.wait_for(
                        self._producer.send_and_wait(
                            self._topic, value=original.value, key=original.key, headers=headers
                        ),
                        NOTIFY_TIMEOUT_S,
                    )
                    return
                except (KafkaError, TimeoutError):
                    if attempt:
                        raise
                    # A broker that restarted empty: the topic is made again, never auto-created.
                    await ensure_dead_letter_topic(self._settings, self._consumer)
        except (KafkaError, TimeoutError, InfrastructureUnavailable) as exc:
            logger.warning(
                "consumer %s: dead-letter topic %s not notified: %r",
                self._consumer,
                self._topic,
                exc,
                extra={"consumer": self._consumer},
            )


async def ensure_dead_letter_topic(settings: Settings, consumer: str) -> None:
    """Create the consumer's dead-letter topic (one partition) if it is missing."""
    topic = dead_letter_topic(settings, consumer)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(settings), request_timeout_ms=10_000)
    try:
        await admin.start()
        if topic not in await admin.list_topics():
            await admin.create_topics([NewTopic(topic, 1, 1, topic_configs=KEEP_FOREVER)])
    except TopicAlreadyExistsError:
        pass  # another process was quicker
    except (KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(f"cannot create the dead-letter topic: {exc}") from None
    finally:
        await admin.close()


async def unresolved_count(engine: AsyncEngine, consumer: str) -> int:
    """Dead letters whose event the consumer has not handled since (by a replay):
    each is a message some other service's figures include and this one's lack."""
    async with engine.connect() as conn:
        return int(await conn.scalar(UNRESOLVED, {"consumer": consumer}) or 0)


async def list_dead_letters(
    settings: Settings,
    consumer: str,
    *,
    engine: AsyncEngine | None = None,
) -> list[DeadLetter]:
    """Every dead letter of `consumer`, oldest first, from its database (the
    consumer's own unless `engine` is given)."""
    try:
        async with _database(settings, consumer, engine) as db, db.connect() as conn:
            rows = await conn.execute(
                dead_letters.select()
                .where(dead_letters.c.consumer == consumer)
                .order_by(dead_letters.c.number)
            )
            return [_letter_of(row) for row in rows]
    except (SQLAlchemyError, OSError) as exc:
        raise InfrastructureUnavailable(
            f"cannot read the dead letters of {consumer} in its database: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None


async def replay_dead_letters(
    settings: Settings,
    consumer: str,
    offsets: list[int] | None = None,
    *,
    engine: AsyncEngine | None = None,
) -> int:
    """Republish dead letters (all, or those numbered `offsets`) to their original
    topic and partition with their original key, value and headers; returns how many.

    Replaying an event the consumer has since handled is harmless: its inbox
    already holds the event, so the consumer acknowledges it without effect."""
    letters = await list_dead_letters(settings, consumer, engine=engine)
    if offsets is not None:
        missing = set(offsets) - {letter.offset for letter in letters}
        if missing:
            raise NotFound(f"no dead letter of {consumer} at offset(s) {sorted(missing)}")
        letters = [letter for letter in letters if letter.offset in set(offsets)]
    producer = make_producer(settings)
    try:
        await producer.start()
        for letter in letters:
            await producer.send_and_wait(
                letter.original_topic,
                value=letter.value,
                key=letter.key,
                partition=letter.original_partition,
                headers=list(letter.headers),
            )
    except (KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(f"cannot replay to Kafka: {exc}") from None
    finally:
        await producer.stop()
    async with _database(settings, consumer, engine) as db, db.begin() as conn:
        await conn.execute(
            update(dead_letters)
            .where(dead_letters.c.number.in_([letter.offset for letter in letters]))
            .values(replays=dead_letters.c.replays + 1, last_replayed_at=func.now())
        )
    return len(letters)


@asynccontextmanager
async def _database(
    settings: Settings, consumer: str, engine: AsyncEngine | None
) -> AsyncIterator[AsyncEngine]:
    """`engine` as it is, or an engine of the consumer's own database, disposed after."""
    if engine is not None:
        yield engine
        return
    bootstrap(settings)  # a replay needs the broker too: say so before anything
    own = make_engine(settings.database_url_of(consumer), pool_size=1)
    try:
        yield own
    finally:
        await own.dispose()


def _letter_of(row: Any) -> DeadLetter:
    return DeadLetter(
        offset=row.number,
        original_topic=row.topic,
        original_partition=row.partition,
        original_offset=row.offset,
        event_type=row.event_type,
        event_id=str(row.event_id) if row.event_id else None,
        error_type=row.error_type,
        error_message=row.error_message,
        failed_at=row.failed_at,
        key=row.key,
        value=row.value,
        headers=tuple((name, base64.b64decode(value)) for name, value in row.headers),
        replays=row.replays,
    )


def _encode_headers(headers: Any) -> list[list[str]]:
    return [[name, base64.b64encode(value).decode()] for name, value in headers]


def _type_and_id_of(record: Any) -> tuple[str | None, str | None]:
    """The event type and id from the headers, else from the value; tolerant,
    since a poison message may have neither."""
    headers = {name: value.decode("utf-8", "replace") for name, value in record.headers}
    if "type" in headers and "id" in headers:
        return headers["type"], headers["id"]
    try:
        body = json.loads(record.value or b"")
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return _str_or_none(body.get("type")), _str_or_none(body.get("id"))


def _uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
