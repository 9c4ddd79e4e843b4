"""A consumer of the counters service's events in a process of its own, logging
JSON lines with trace ids; for the cross-process tracing test.

    python -m tests.support.traced_consumer DATABASE_URL TOPIC   (settings from the environment)
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.consumer import ConsumerRunner, Handlers
from shared.db import make_engine
from shared.events import Envelope
from shared.logs import configure_logging
from shared.settings import Settings
from shared.telemetry import configure_tracing
from tests.support.counters import CounterCreated


async def consume(database_url: str, topic: str) -> None:
    settings = Settings()
    configure_logging("INFO", "json", "traced-consumer")
    configure_tracing(settings, "traced-consumer")
    handlers = Handlers()

    @handlers.on(CounterCreated.event_type)
    async def on_counter_created(
        conn: AsyncConnection, envelope: Envelope, event: CounterCreated
    ) -> None:
        return None  # the inbox logs the handled event with its trace id

    runner = ConsumerRunner(
        settings,
        make_engine(database_url),
        "traced",
        [topic],
        handlers,
        heartbeat_interval_ms=500,
        poll_timeout_ms=100,
    )
    await runner.start()
    sys.stdout.write("joined\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1], sys.argv[2]))
