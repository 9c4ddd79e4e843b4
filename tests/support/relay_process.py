"""A relay in a process of its own, for tests that kill it.

Usage: `python -m tests.support.relay_process DATABASE_URL SERVICE`, with the
other settings in CASCADE_* variables. Prints "leader" once it leads, then runs
until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from shared.bus import event_topic
from shared.db import make_engine
from shared.relay import Relay
from shared.settings import Settings


async def main(database_url: str, service: str) -> None:
    settings = Settings()
    relay = Relay(settings, make_engine(database_url, pool_size=2), event_topic(settings, service))
    await relay.start()
    while True:
        if relay.is_leader:
            break
        await asyncio.sleep(0.02)
    print("leader", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
