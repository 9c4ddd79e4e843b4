"""Reading topics back in tests: every partition from the beginning, no consumer group."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

Records = list[ConsumerRecord]


async def partitions_of(bootstrap: str, topic: str, timeout: float = 15.0) -> list[TopicPartition]:
    """The topic's partitions, once it exists. Only lists topics, since asking for
    one by name makes the local broker create it with a default partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
    try:
        await admin.start()
        async with asyncio.timeout(timeout):
            while True:
                if topic in await admin.list_topics():
                    break
                await asyncio.sleep(0.05)
        [described] = await admin.describe_topics([topic])
        return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    finally:
        await admin.close()


async def read_topic(
    bootstrap: str,
    topic: str,
    until: Callable[[Records], bool] = lambda _: True,
    timeout: float = 15.0,
    quiet: float = 0.0,
) -> Records:
    """The topic's records, read until `until(records)` holds and nothing new came
    for `quiet` seconds, or `timeout` runs out (the caller asserts on what came
    back). Order holds within each partition."""
    partitions = await partitions_of(bootstrap, topic, timeout)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    records: Records = []
    clock = asyncio.get_running_loop().time
    try:
        await consumer.start()
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = clock() + timeout
        last_news = clock()
        while clock() < deadline and not (until(records) and clock() - last_news >= quiet):
            for batch in (await consumer.getmany(timeout_ms=50)).values():
                records.extend(batch)
                last_news = clock()
    finally:
        await consumer.stop()
    return records


async def read_all(bootstrap: str, topic: str) -> Records:
    """Every record the topic holds, duplicates included. (Counting by end offsets
    would not do: tansu reports the last batch's first offset + 1 as the end.)"""
    return await read_topic(bootstrap, topic, quiet=0.3)


def header(record: ConsumerRecord, name: str) -> str | None:
    values = [value.decode() for key, value in record.headers if key == name]
    return values[0] if values else None


def ids_of(records: Records) -> set[str]:
    return {header(record, "id") or "" for record in records}


def has_ids(expected: Iterable[Any]) -> Callable[[Records], bool]:
    """`until` for read_topic: every one of these event ids was read."""
    wanted = {str(event_id) for event_id in expected}
    return lambda records: wanted <= ids_of(records)


def versions_by_stream(records: Records) -> dict[str, list[int]]:
    """Each stream's event versions in the order first received (a republished
    duplicate is skipped, as an idempotent consumer would)."""
    seen: set[str] = set()
    streams: dict[str, list[int]] = {}
    for record in records:
        envelope = json.loads(record.value)
        if envelope["id"] in seen:
            continue
        seen.add(envelope["id"])
        assert record.key.decode() == envelope["stream_id"]
        streams.setdefault(envelope["stream_id"], []).append(envelope["version"])
    return streams
