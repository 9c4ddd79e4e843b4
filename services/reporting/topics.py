"""Reading the three event topics from their beginning, without a consumer group,
for a rebuild: every partition up to the end it had when the reading began."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.reporting.sources import SOURCES
from shared.bus import bootstrap, event_topic
from shared.settings import Settings

log = logging.getLogger("cascade.reporting.topics")
QUIET_S = 10.0  # a partition silent this long before its end offset has nothing more to give


class Progress(Protocol):
    """What a rebuild tells the person waiting for it."""

    def stage(self, description: str, total: int | None) -> None: ...
    def advance(self, count: int) -> None: ...


async def topic_values(settings: Settings, progress: Progress) -> AsyncIterator[list[bytes | None]]:
    """The messages' values, a batch at a time, in order within each partition."""
    kafka = AIOKafkaConsumer(
        bootstrap_servers=bootstrap(settings), enable_auto_commit=False, group_id=None
    )
    await kafka.start()
    try:
        partitions = await _partitions(kafka, [event_topic(settings, s) for s in SOURCES])
        begin = await kafka.beginning_offsets(partitions)
        end = await kafka.end_offsets(partitions)
        progress.stage("Reading the event topics", sum(end[tp] - begin[tp] for tp in partitions))
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if end[tp] > begin[tp]}
        quiet = 0.0
        while remaining and quiet < QUIET_S:
            batch = await kafka.getmany(*remaining, timeout_ms=500, max_records=1_000)
            quiet = 0.0 if batch else quiet + 0.5
            for records in batch.values():
                yield [record.value for record in records]
            for tp in list(remaining):
                if await kafka.position(tp) >= end[tp]:
                    remaining.discard(tp)
        if remaining:
            log.warning("partitions %s ended before their end offsets", sorted(remaining))
    finally:
        await kafka.stop()


async def _partitions(kafka: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    existing = await kafka.topics()  # lists every topic; naming one could create it
    return [
        TopicPartition(topic, partition)
        for topic in topics
        if topic in existing
        for partition in sorted(kafka.partitions_for_topic(topic) or ())
    ]
