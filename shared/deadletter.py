"""Dead letters: messages a consumer gave up on, kept with the reason, to list and replay."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.bus import bootstrap, dead_letter_topic, make_producer
from shared.clock import Clock
from shared.errors import InfrastructureUnavailable, NotFound
from shared.settings import Settings

logger = logging.getLogger("cascade.consumer")

# Added to the original headers; removed again when a dead letter is replayed.
ERROR_HEADERS = ("error_type", "error_message", "original_topic", "original_partition",
                 "original_offset", "consumer", "failed_at")
MAX_ERROR_MESSAGE = 4_000  # headers travel with every fetch: keep them small


@dataclass(frozen=True)
class DeadLetter:
    """One message on a dead-letter topic, with where it came from and why it failed."""

    partition: int
    offset: int
    original_topic: str
    original_partition: int
    original_offset: int
    event_type: str | None
    event_id: str | None
    error_type: str
    error_message: str
    failed_at: datetime | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    """The original headers, without the error headers."""


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
    """Copies the messages a consumer gives up on to its dead-letter topic, with the reason."""

    def __init__(self, settings: Settings, consumer: str, clock: Clock) -> None:
        self._settings, self._consumer, self._clock = settings, consumer, clock
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
        """Copy `original` (key, value, headers) with the reason; raises KafkaError
        if the broker does not take it, so the caller must not move past it."""
        assert self._producer is not None, "start() first"
        await self._producer.send_and_wait(
            self._topic, value=original.value, key=original.key,
            headers=dead_letter_headers(original, self._consumer, error, self._clock.now()),
        )
        logger.error(
            "consumer %s dead-lettered %s[%d]@%d: %s: %s", self._consumer, original.topic,
            original.partition, original.offset, type(error).__name__, error,
            extra={"consumer": self._consumer, "error_type": type(error).__name__},
        )


async def ensure_dead_letter_topic(settings: Settings, consumer: str) -> None:
    """Create the consumer's dead-letter topic (one partition, so offsets name letters)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(settings), request_timeout_ms=10_000)
    try:
        await admin.start()
        if dead_letter_topic(settings, consumer) not in await admin.list_topics():
            await admin.create_topics([NewTopic(dead_letter_topic(settings, consumer), 1, 1)])
    except TopicAlreadyExistsError:
        pass  # another process was quicker
    except (KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(f"cannot create the dead-letter topic: {exc}") from None
    finally:
        await admin.close()


async def list_dead_letters(
    settings: Settings, consumer: str, *, timeout: float = 30.0
) -> list[DeadLetter]:
    """Every dead letter of `consumer`, oldest first, read without a consumer group."""
    return [dead_letter_from(record) for record in await _read_all(
        settings, dead_letter_topic(settings, consumer), timeout)]


async def replay_dead_letters(
    settings: Settings, consumer: str, offsets: list[int] | None = None
) -> int:
    """Republish dead letters (all, or those at `offsets`) to their original topic
    and partition with their original key, value and headers; returns how many.

    Replaying an event the consumer has since handled is harmless: its inbox
    already holds the event, so the consumer acknowledges it without effect."""
    letters = await list_dead_letters(settings, consumer)
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
                letter.original_topic, value=letter.value, key=letter.key,
                partition=letter.original_partition, headers=list(letter.headers),
            )
    except (KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(f"cannot replay to Kafka: {exc}") from None
    finally:
        await producer.stop()
    return len(letters)


async def _read_all(settings: Settings, topic: str, timeout: float) -> list[Any]:
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap(settings), group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", request_timeout_ms=10_000,
    )
    try:
        await asyncio.wait_for(reader.start(), timeout)
        if topic not in await reader.topics():
            return []
        partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        return await asyncio.wait_for(_read_to_end(reader, partitions), timeout)
    except (KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(f"cannot read {topic}: {exc or type(exc).__name__}") from None
    finally:
        await reader.stop()


async def _read_to_end(reader: AIOKafkaConsumer, partitions: list[TopicPartition]) -> list[Any]:
    end: dict[TopicPartition, int] = await reader.end_offsets(partitions)
    records: list[Any] = []
    while [tp for tp in partitions if await reader.position(tp) < end[tp]]:
        for batch in (await reader.getmany(*partitions, timeout_ms=500)).values():
            records.extend(batch)
    return sorted(records, key=lambda r: (r.partition, r.offset))


def dead_letter_from(record: Any) -> DeadLetter:
    """Read a dead-letter record back; tolerant, since anyone may have produced it."""
    headers: dict[str, str] = {name: value.decode("utf-8", "replace")
                               for name, value in record.headers}
    event_type, event_id = headers.get("type"), headers.get("id")
    if event_type is None or event_id is None:
        event_type, event_id = _type_and_id_in(record.value)
    failed_at = headers.get("failed_at")
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        original_topic=headers.get("original_topic", ""),
        original_partition=int(headers.get("original_partition", "-1")),
        original_offset=int(headers.get("original_offset", "-1")),
        event_type=event_type,
        event_id=event_id,
        error_type=headers.get("error_type", ""),
        error_message=headers.get("error_message", ""),
        failed_at=datetime.fromisoformat(failed_at) if failed_at else None,
        key=record.key,
        value=record.value,
        headers=tuple((n, v) for n, v in record.headers if n not in ERROR_HEADERS),
    )


def _type_and_id_in(value: bytes | None) -> tuple[str | None, str | None]:
    """The event type and id from the value, for a message produced without headers."""
    try:
        body = json.loads(value or b"")
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return _str_or_none(body.get("type")), _str_or_none(body.get("id"))


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
