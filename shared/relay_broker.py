"""The relay's side of the broker: one producer session, and the checks that tell
whether the topic still holds what the relay published before."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, ProducerClosed
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

    async def cluster_id(self) -> str:
        """Kafka keeps its cluster id for life; tansu draws a new one at every start."""
        return str((await self._admin.describe_cluster())["cluster_id"])

    async def ensure_topic(self) -> bool:
        """Create the topic (with its proper partition count) if it is missing,
        before any producer asks for it: the local broker would auto-create it
        with a default count. True if it was missing."""
        if self.topic in await self._admin.list_topics():
            return False
        await create_missing(self.settings, [event_topic_spec(self.settings, self.topic)])
        return True

    async def holds_nothing(self) -> bool:
        """True if no record was ever written to any partition of the topic."""
        described = await self._admin.describe_topics([self.topic])
        partitions = [TopicPartition(self.topic, p["partition"]) for p in described[0]["partitions"]]
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self.settings), enable_auto_commit=False,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        try:
            await consumer.start()
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        return all(offset == 0 for offset in ends.values())

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Send every envelope keyed by its stream, and return only once the
        broker acknowledged them all; raise the first failure otherwise."""
        sent: list[asyncio.Future[Any]] = []
        try:
            for envelope in envelopes:
                sent.append(await self._producer.send(
                    self.topic, encode(envelope), key=envelope.stream_id.encode(),
                    headers=headers_of(envelope),
                ))
        except BaseException:
            # The whole batch will be retried; the outcome of what was queued no
            # longer matters, but an unread failure would be logged as a bug.
            for future in sent:
                future.add_done_callback(_consume_outcome)
            raise
        for outcome in await asyncio.gather(*sent, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome


def _consume_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
