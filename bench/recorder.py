"""Cascade's append against the `eventsourcing` library's PostgreSQL application
recorder, each with the same number of writers on the same server: one event
per transaction, each writer on its own streams."""

from __future__ import annotations

import asyncio
import threading
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.appends import KEY, WRITER_APPENDS, WRITERS, Ticked, append_one
from bench.figures import Tally
from shared.eventstore import EventStore


def datastore_options(url: str) -> dict[str, str]:
    """The connection options `PostgresDatastore` takes, from a server URL (a
    Unix socket given as `?host=` included)."""
    parts = urlsplit(url)
    host = parse_qs(parts.query).get("host", [parts.hostname or "localhost"])[0]
    return {
        "dbname": parts.path.lstrip("/"),
        "host": host,
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
    }


def eventsourcing_appends(url: str) -> Tally:
    """WRITERS threads, each inserting WRITER_APPENDS events one at a time."""
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
    except ImportError:
        raise SystemExit(
            "the eventsourcing comparison needs `pip install '.[bench]'` (make bench does it)"
        ) from None
    datastore = PostgresDatastore(**datastore_options(url), pool_size=WRITERS)
    try:
        recorder = PostgresApplicationRecorder(datastore)
        recorder.create_table()
        state = Ticked(n=0).model_dump_json().encode()  # the same payload as ours
        start = threading.Barrier(WRITERS + 1)

        def writer() -> None:
            start.wait()
            for _ in range(WRITER_APPENDS):
                recorder.insert_events(
                    [
                        StoredEvent(
                            originator_id=uuid.uuid4(),
                            originator_version=1,
                            topic="bench:Ticked",
                            state=state,
                        )
                    ]
                )

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        tally = Tally()
        with tally.measure(WRITERS * WRITER_APPENDS):
            start.wait()
            for thread in threads:
                thread.join()
        return tally
    finally:
        datastore.close()


async def cascade_appends(engine: AsyncEngine) -> Tally:
    store = EventStore(KEY)

    async def writer(w: int) -> None:
        for i in range(WRITER_APPENDS):
            await append_one(engine, store, f"writer-{w}-{i}", i)

    tally = Tally()
    with tally.measure(WRITERS * WRITER_APPENDS):
        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return tally
