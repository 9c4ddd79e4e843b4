"""One trace from an HTTP command, through the store and the relay (traceparent in
Kafka headers), into the handler of a consumer in another process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared.bus import event_topic
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support.api import auth, client_of, running
from tests.support.counters import NAME, CounterCreated
from tests.support.kafka import has_ids, header, read_topic

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture(scope="module", autouse=True)
def tracer_provider() -> None:
    # Spans must be real (recording) for a trace id to travel; the exporter is "none".
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())


@pytest.fixture
def consumer_process(settings: Settings, consumer_db: str) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "CASCADE_ENVIRONMENT": "test",
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "CASCADE_CONSUMER_SESSION_TIMEOUT_MS": "6000",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.traced_consumer",
            consumer_db,
            event_topic(settings, NAME),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.fixture
async def consumer_db(service_database: MakeDatabase, settings: Settings) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(event_topic(settings, NAME), 3, 1)])
    finally:
        await admin.close()
    return await service_database("traced")


def read_until(proc: subprocess.Popen[str], wanted: str) -> list[str]:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if wanted in line:
            return seen
    raise AssertionError("consumer exited:\n" + "".join(seen))


async def test_a_trace_runs_from_the_http_command_into_another_process(
    settings: Settings,
    service_database: MakeDatabase,
    consumer_process: subprocess.Popen[str],
) -> None:
    await asyncio.wait_for(asyncio.to_thread(read_until, consumer_process, "joined"), 60)
    async with running(settings, await service_database(NAME)) as app, client_of(app) as client:
        response = await client.post(
            "/v1/counters",
            json={"name": "traced"},
            headers={**auth(settings, "programme_manager"), "traceparent": INCOMING},
        )
        assert response.status_code == 201, response.text
        event_id = response.json()["event_ids"][0]
        handled = await asyncio.wait_for(
            asyncio.to_thread(read_until, consumer_process, event_id), 60
        )
    entry = json.loads(handled[-1])
    assert entry["trace_id"] == TRACE_ID
    assert entry["event_type"] == CounterCreated.event_type
    records = await read_topic(
        str(settings.kafka_bootstrap_servers),
        event_topic(settings, NAME),
        until=has_ids([event_id]),
    )
    published = [r for r in records if header(r, "id") == event_id]
    assert (header(published[0], "traceparent") or "").split("-")[1] == TRACE_ID
