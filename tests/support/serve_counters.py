"""The counters test service, consuming its own events, served exactly as
`cascade serve` serves a real one; for process-level tests.

    python -m tests.support.serve_counters DATABASE_URL PORT   (settings from the environment)
"""

from __future__ import annotations

import sys

from sqlalchemy.ext.asyncio import AsyncConnection

from cascade.serve import serve
from shared.app import consumes
from shared.consumer import Handlers
from shared.events import Envelope
from tests.support import counters

handlers = Handlers()


@handlers.on(counters.CounterCreated.event_type)
async def on_created(
    conn: AsyncConnection, envelope: Envelope, created: counters.CounterCreated
) -> None:
    return None


if __name__ == "__main__":
    definition = counters.service()
    definition.components = [consumes([counters.NAME], handlers)]
    serve(definition, counters.CounterSettings(counters_database_url=sys.argv[1]), int(sys.argv[2]))
