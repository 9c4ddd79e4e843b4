"""The relay's side of the broker: one producer session, and what the relay needs
to tell whether the topic still holds what it published before."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, OffsetOutOfRangeError, ProducerClosed
from aiokafka.structs import TopicPartition

from shared.bus import (
    bootstrap,
    create_missing,
    encode,
    event_topic_spec,
    headers_of,
    make_producer,
)
from shared.errors import InfrastructureUnavailable
from shared.events import Envelope
from shared.settings import Settings

# What an unreachable or refusing broker looks like to the relay: back off, retry.
BROKER_ERRORS = (KafkaError, InfrastructureUnavailable)
REQUEST_TIMEOUT_MS = 5_000
READ_BACK_S = 3.0  # a record that is there comes back in milliseconds


class BrokerSession:
    """A producer and an admin client for one topic, opened afresh after every
    failure so that each reconnection looks at the broker again."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.settings = settings
        self.topic = topic
        self._producer = make_producer(settings)
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap(settings), request_timeout_ms=REQUEST_TIMEOUT_MS
        )

    async def __aenter__(self) -> BrokerSession:
        starting = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # A client cancelled while connecting can leave its socket behind;
            # let the start finish (bounded by the request timeout) so that
            # closing really closes everything.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(starting, REQUEST_TIMEOUT_MS / 1000)
            await self.close()
            raise
        except BaseException:
            await self.close()
            raise
        return self

    async def _start(self) -> None:
        await self._admin.start()
        await self._producer.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        # Whatever is still pending belongs to a batch the relay will send again
        # from its checkpoint. Fail it now: stop() would otherwise wait out
        # request_timeout_ms for a broker that may be gone, and stop must be quick.
        self._producer._message_accumulator.fail_all(ProducerClosed())
        try:
            await self._producer.stop()
        finally:
            await self._admin.close()

    async def partition_count(self) -> int | None:
        """The topic's partition count; None if the topic does not exist."""
        if self.topic not in await self._admin.list_topics():
            return None
        described = await self._admin.describe_topics([self.topic])
        return len(described[0]["partitions"])

    async def partitions_short_of(self, ends: dict[int, int]) -> list[int]:
        """The partitions that no longer hold their record at `ends[p] - 1` (the
        last one the broker acknowledged there), read back from the broker.

        The end offsets alone would do on Kafka, but tansu reports the base
        offset of a partition's last batch plus one, so a partition whose end
        looks short is read back at that offset before it counts as lost."""
        wanted = {TopicPartition(self.topic, p): end for p, end in ends.items() if end > 0}
        if not wanted:
            return []
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self.settings),
            enable_auto_commit=False,
            auto_offset_reset="none",
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        try:
            await reader.start()
            broker_ends = await reader.end_offsets(list(wanted))
            unsure = {tp: end for tp, end in wanted.items() if broker_ends[tp] < end}
            found = await _read_back(reader, unsure) if unsure else set()
        finally:
            await reader.stop()
        return sorted(tp.partition for tp in unsure if tp not in found)

    async def recreate_topic(self) -> None:
        """Create the topic with its configured partitions, deleting first one that
        has another count (auto-created by some client with the broker's default):
        it holds nothing the relay will not publish again."""
        count = await self.partition_count()
        if count is not None and count != self.settings.event_topic_partitions:
            await self._admin.delete_topics([self.topic])
            for _ in range(50):  # deletion is asynchronous on a real cluster
                if self.topic not in await self._admin.list_topics():
                    break
                await asyncio.sleep(0.1)
        await create_missing(self.settings, [event_topic_spec(self.settings, self.topic)])

    async def publish(self, envelopes: Sequence[Envelope]) -> dict[int, int]:
        """Send every envelope keyed by its stream, and return only once the
        broker acknowledged them all (raise the first failure otherwise): per
        partition written, the offset after the last record acknowledged."""
        sent: list[asyncio.Future[Any]] = []
        try:
            for envelope in envelopes:
                sent.append(
                    await self._producer.send(
                        self.topic,
                        encode(envelope),
                        key=envelope.stream_id.encode(),
                        headers=headers_of(envelope),
                    )
                )
        except BaseException:
            # The whole batch will be retried; the outcome of what was queued no
            # longer matters, but an unread failure would be logged as a bug.
            for future in sent:
                future.add_done_callback(_consume_outcome)
            raise
        ends: dict[int, int] = {}
        for outcome in await asyncio.gather(*sent, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome
            ends[outcome.partition] = max(ends.get(outcome.partition, 0), outcome.offset + 1)
        return ends


async def _read_back(
    reader: AIOKafkaConsumer, ends: dict[TopicPartition, int]
) -> set[TopicPartition]:
    """The partitions of `ends` that still hold a record at `ends[tp] - 1`."""
    reader.assign(list(ends))
    for tp, end in ends.items():
        reader.seek(tp, end - 1)
    found: set[TopicPartition] = set()
    deadline = asyncio.get_running_loop().time() + READ_BACK_S
    while len(found) < len(ends) and asyncio.get_running_loop().time() < deadline:
        try:
            batch = await reader.getmany(*(set(ends) - found), timeout_ms=200, max_records=1)
        except OffsetOutOfRangeError as exc:  # the offset lies beyond what the log holds
            lost = set(exc.args[0]) if exc.args and isinstance(exc.args[0], dict) else set()
            if not lost:
                break
            ends = {tp: end for tp, end in ends.items() if tp not in lost}
            continue
        for tp, records in batch.items():
            if any(record.offset >= ends[tp] - 1 for record in records):
                found.add(tp)
    return found


def _consume_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
