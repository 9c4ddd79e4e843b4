"""A consumer in a process of its own that dies abruptly (SIGKILL: no commit, no
leaving the group) when its handler is called for the Nth time; for takeover tests.

    python -m tests.support.consumer_process DATABASE_URL TOPIC N   (settings from the environment)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.consumer import Handlers
from shared.db import make_engine
from shared.events import Envelope
from shared.settings import Settings
from tests.support.consuming import make_runner, record_effect
from tests.support.events import Counted

VICTIM = "victim"


async def consume_until_killed(database_url: str, topic: str, die_on_call: int) -> None:
    handlers, calls = Handlers(), 0

    @handlers.on(Counted.event_type)
    async def count(conn: AsyncConnection, envelope: Envelope, event: Counted) -> None:
        nonlocal calls
        calls += 1
        if calls == die_on_call:
            os.kill(os.getpid(), signal.SIGKILL)
        await record_effect(conn, envelope, event, VICTIM)

    engine = make_engine(database_url)
    runner = make_runner(Settings(), engine, topic, handlers)
    await runner.start()
    sys.stdout.write("joined\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(consume_until_killed(sys.argv[1], sys.argv[2], int(sys.argv[3])))
