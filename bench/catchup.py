"""The reporting catch-up benchmark: reporting's real consumer applying a history
of events from the real broker, and commit-to-handled latency at a steady rate.
`make bench-catchup`.

Prepared untimed: a history of applications and grants (ten events per case, on
the applications and payments topics, as their relays publish them). Timed:
a fresh reporting database catching up with it, in a process of its own, whose
peak memory (RSS) is measured; twice, with a quarter of the history and with
all of it, so that memory that grows with the history shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from bench.catchup_history import EVENTS_PER_CASE, KEY, case, history
from bench.infra import infrastructure, machine
from cascade.migrate import migrate
from cascade.services import ensure_topics
from services.reporting.ingest import handlers as reporting_handlers
from shared.bus import encode, event_topic, headers_of, make_producer
from shared.consumer import ConsumerRunner
from shared.db import drop_database, make_engine, with_database
from shared.eventstore import CommandContext, EventStore
from shared.inbox import Message
from shared.relay import Relay
from shared.settings import Settings

LATENCY_RATE, LATENCY_SECONDS = 200, 10
console = Console()


def settings_for(server: str, servers: str, name: str) -> Settings:
    return Settings(
        environment="test",
        database_url=server,
        database_prefix=name,
        kafka_bootstrap_servers=servers,
        kafka_enable_idempotence=False,
        topic_prefix=f"{name}.",
        integrity_key=SecretStr(KEY.decode() + "-0123456789abcdef0123"),
        reporting_heal_interval_ms=0,
    )


async def prepare(settings: Settings, cases: int) -> int:
    """Publish the history as the relays would: keyed by stream, with their headers."""
    await ensure_topics(settings)
    producer = make_producer(settings)
    await producer.start()
    published = 0
    try:
        for source, envelopes in history(cases):
            sent = [
                await producer.send(
                    event_topic(settings, source),
                    encode(e),
                    key=e.stream_id.encode(),
                    headers=headers_of(e),
                )
                for e in envelopes
            ]
            await asyncio.gather(*sent)
            published += len(envelopes)
    finally:
        await producer.stop()
    return published


# --- the consuming process -------------------------------------------------------


async def catch_up(settings: Settings, database: str, expected: int) -> dict[str, float]:
    """Run reporting's consumer until it applied `expected` events; its figures."""
    engine = make_engine(database, pool_size=8)
    runner = ConsumerRunner(
        settings,
        engine,
        "reporting",
        [event_topic(settings, s) for s in ("calls", "applications", "payments")],
        reporting_handlers(),
    )
    await runner.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    try:
        while runner.handled_total < expected:  # noqa: ASYNC110 - a counter has nothing to await
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        await runner.stop()
        await engine.dispose()
    return {
        "events": runner.handled_total,
        "seconds": elapsed,
        "events_per_s": expected / elapsed,
        "cpu_ms_per_event": cpu * 1000 / expected,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def latency(settings: Settings, database: str, source_database: str) -> dict[str, float]:
    """Commit-to-handled at LATENCY_RATE events/s: appended to a source's store, published
    by its relay, handled by reporting's consumer (the moment its batch handler ends)."""
    engine, source = make_engine(database, pool_size=8), make_engine(source_database, pool_size=4)
    handled_at: dict[str, float] = {}
    handlers = reporting_handlers()
    batch = handlers.batch
    assert batch is not None

    async def timed(conn: Any, messages: Sequence[Message]) -> None:
        await batch(conn, messages)
        now = time.time()
        for message in messages:
            handled_at[str(message.envelope.id)] = now

    handlers.in_batches(timed)
    topic = event_topic(settings, "payments")
    runner = ConsumerRunner(settings, engine, "reporting", [topic], handlers)
    relay = Relay(settings, source, topic)
    store = EventStore(KEY)
    committed_at: dict[str, float] = {}
    await runner.start()
    await relay.start()
    try:
        await asyncio.sleep(2)  # the relay leads, the consumer is assigned
        interval, began = 1 / LATENCY_RATE, time.perf_counter()
        for n in range(LATENCY_RATE * LATENCY_SECONDS):
            await asyncio.sleep(max(0.0, began + n * interval - time.perf_counter()))
            awarded = case(10_000_000 + n)[1][1][0]
            async with source.begin() as conn:
                [envelope] = await store.append(
                    conn,
                    stream_type="grant",
                    stream_id=f"live-{n}",
                    expected_version=0,
                    new_events=[awarded],
                    context=CommandContext(),
                )
            committed_at[str(envelope.id)] = time.time()
        deadline = time.monotonic() + 30
        while len(handled_at) < len(committed_at) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()
        await runner.stop()
        await engine.dispose()
        await source.dispose()
    delays = sorted(
        (handled_at[i] - at) * 1000 for i, at in committed_at.items() if i in handled_at
    )
    return {
        "sent": len(committed_at),
        "handled": len(delays),
        "p50_ms": statistics.median(delays),
        "p99_ms": delays[int(len(delays) * 0.99) - 1],
        "max_ms": delays[-1],
    }


# --- the benchmark ---------------------------------------------------------------


def run_child(mode: str, place: tuple[str, str, str], *args: str) -> dict[str, float]:
    """The catch-up or the latency run in a process of its own (its memory is its own)."""
    env = {**os.environ, "CASCADE_LOG_LEVEL": "WARNING"}
    answer = subprocess.run(
        [sys.executable, "-m", "bench.catchup", f"--{mode}", json.dumps(place), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    figures: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return figures


async def main(events: int) -> None:
    console.print(f"machine: {machine()}")
    with infrastructure() as (server, servers):
        rows = []
        for size in (events // 4, events):
            place = (server, servers, f"catchup{size}")
            settings = settings_for(*place)
            database = with_database(server, f"bench_catchup_{size}")
            await migrate("reporting", database)
            prepared = await prepare(settings, size // EVENTS_PER_CASE)
            console.print(f"history of {prepared:,} events published; reporting catches up")
            rows.append((prepared, run_child("catch-up", place, database, str(prepared))))
            await drop_database(database)
        place = (server, servers, "latency")
        await ensure_topics(settings_for(*place))
        database = with_database(server, "bench_catchup_latency")
        source = with_database(server, "bench_catchup_source")
        await migrate("reporting", database)
        await migrate("payments", source)
        live = run_child("latency", place, database, source)
        await drop_database(database)
        await drop_database(source)

    table = Table(title="reporting catch-up (real consumer, real broker)")
    for column in ("history", "events/s", "CPU ms/event", "seconds", "peak RSS MiB"):
        table.add_column(column, justify="right")
    for prepared, figures in rows:
        table.add_row(
            f"{prepared:,}",
            f"{figures['events_per_s']:,.0f}",
            f"{figures['cpu_ms_per_event']:.3f}",
            f"{figures['seconds']:.1f}",
            f"{figures['peak_rss_mib']:.0f}",
        )
    console.print(table)
    small, large = rows[0][1], rows[1][1]
    console.print(
        f"peak RSS {large['peak_rss_mib'] / small['peak_rss_mib']:.2f}x for "
        f"{rows[1][0] / rows[0][0]:.0f}x the history; target >= 5,000 events/s: "
        f"{large['events_per_s'] / 5000:.2f}x"
    )
    console.print(
        f"commit-to-handled at {LATENCY_RATE} events/s for {LATENCY_SECONDS} s "
        f"(store -> relay -> broker -> reporting): {live['handled']:.0f}/{live['sent']:.0f} "
        f"handled, p50 {live['p50_ms']:.1f} ms, p99 {live['p99_ms']:.1f} ms, "
        f"max {live['max_ms']:.1f} ms (target p99 < 100 ms)"
    )


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catch-up", nargs=3, metavar=("SETTINGS", "DATABASE", "EVENTS"))
    parser.add_argument("--latency", nargs=3, metavar=("SETTINGS", "DATABASE", "SOURCE"))
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    if args.catch_up:
        settings = settings_for(*json.loads(args.catch_up[0]))
        figures = asyncio.run(catch_up(settings, args.catch_up[1], int(args.catch_up[2])))
    elif args.latency:
        settings = settings_for(*json.loads(args.latency[0]))
        figures = asyncio.run(latency(settings, args.latency[1], args.latency[2]))
    else:
        asyncio.run(main(args.events))
        return
    print(json.dumps(figures))


if __name__ == "__main__":
    child(sys.argv[1:])
