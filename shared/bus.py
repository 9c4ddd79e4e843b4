"""Kafka plumbing shared by the relay and the consumers: topic names, clients, topics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

import aiokafka.admin.client
import aiokafka.client
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.metadata import MetadataRequest

from shared.errors import InfrastructureUnavailable
from shared.events import Envelope
from shared.settings import Settings


class TopicOwner(Protocol):
    """What the topics of a service depend on (a `shared.app.ServiceDefinition`)."""

    @property
    def name(self) -> str: ...
    @property
    def owns_events(self) -> bool: ...
    @property
    def consumes(self) -> Sequence[str]: ...


# The topics are the history reporting rebuilds from, and a dead letter waits for
# a person: neither may expire with a broker's default retention (7 days).
KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


class _MetadataRequestNeverCreating(MetadataRequest):  # type: ignore[misc]
    """aiokafka asks brokers to create every topic it asks about (and has no option
    against it): a consumer subscribing after a broker restart would re-create an
    event topic with the broker's default partition count and settings. Topics
    are created by `ensure_topics`, the relay and the consumers, by name, only."""

    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False
    ) -> None:
        super().__init__(topics, allow_auto_topic_creation)


aiokafka.client.MetadataRequest = _MetadataRequestNeverCreating
aiokafka.admin.client.MetadataRequest = _MetadataRequestNeverCreating


def event_topic(settings: Settings, service: str) -> str:
    return settings.topic(f"{service}.events")


def dead_letter_topic(settings: Settings, service: str) -> str:
    return settings.topic(f"{service}.dlq")


def bootstrap(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        raise InfrastructureUnavailable("no broker configured: set KAFKA_BOOTSTRAP_SERVERS")
    return settings.kafka_bootstrap_servers


def make_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap(settings),
        acks="all",
        enable_idempotence=settings.idempotent_producer,
        linger_ms=0,
        request_timeout_ms=10_000,
    )


def headers_of(envelope: Envelope) -> list[tuple[str, bytes]]:
    """Kafka headers repeat what a router or tracer needs without parsing the value."""
    headers = [("type", envelope.type.encode()), ("id", str(envelope.id).encode())]
    if envelope.traceparent:
        headers.append(("traceparent", envelope.traceparent.encode()))
    return headers


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


def event_topic_spec(settings: Settings, topic: str) -> NewTopic:
    return NewTopic(topic, settings.event_topic_partitions, 1, topic_configs=KEEP_FOREVER)


def topics_of(settings: Settings, services: Sequence[TopicOwner]) -> list[NewTopic]:
    """An event topic per service that records events, a dead-letter topic per consumer."""
    wanted = [
        event_topic_spec(settings, event_topic(settings, s.name)) for s in services if s.owns_events
    ]
    wanted += [
        NewTopic(dead_letter_topic(settings, s.name), 1, 1, topic_configs=KEEP_FOREVER)
        for s in services
        if s.consumes
    ]
    return wanted


async def ensure_topics(
    settings: Settings, services: Sequence[TopicOwner], timeout: float = 10.0
) -> list[str]:
    """Create the event topics and dead-letter topics of `services` that do not exist yet."""
    return await create_missing(settings, topics_of(settings, services), timeout)


async def create_missing(
    settings: Settings, wanted: Sequence[NewTopic], timeout: float = 10.0
) -> list[str]:
    """Create those of `wanted` that do not exist yet; their names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(settings), request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process was quicker
                await admin.create_topics(missing)
        return [t.name for t in missing]
    except (TimeoutError, KafkaError, OSError) as exc:
        raise InfrastructureUnavailable(
            f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc or type(exc).__name__}"
        ) from None
    finally:
        await admin.close()
