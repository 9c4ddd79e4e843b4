"""The chassis benchmark, side by side in one run against one server and broker:
appends against raw asyncpg and the `eventsourcing` recorder, the relay, the
consumer against raw aiokafka, commit-to-handled latency. `make bench`."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench import appends, audits, messaging, recorder
from bench.figures import Tally, ratio
from bench.infra import infrastructure, machine
from cascade.migrate import migrate
from cascade.services import ensure_topics
from shared.db import (
    asyncpg_url,
    connect,
    drop_database,
    ensure_database,
    make_engine,
    with_database,
)
from shared.settings import Settings

CONNECTIONS = (8, 50)
console = Console(width=150)


@dataclass
class Figures:
    single: appends.SingleAppends
    batch: Tally
    copy: Tally
    raw_rows: dict[int, Tally]
    store_rows: dict[int, Tally]
    writers: Tally
    eventsourcing: Tally
    relay: float
    consumed: float
    consumed_raw: float
    p50: float
    p99: float
    verify: list[audits.VerifyFigures]


async def append_stages(server_url: str, name: str, progress: Progress) -> dict[str, object]:
    url, raw_db = with_database(server_url, name), with_database(server_url, f"{name}_raw")
    concurrent_db = with_database(server_url, f"{name}_concurrent")
    es_db = with_database(server_url, f"{name}_es")
    for db in (raw_db, concurrent_db):
        await migrate("bench", db)
    await ensure_database(es_db)
    task = progress.add_task("appends", total=2 * appends.SINGLE_APPENDS + 2 * appends.BATCHES)
    engine = make_engine(url, pool_size=25)
    concurrent = make_engine(concurrent_db, pool_size=25)
    raw = await connect(raw_db)
    try:
        found: dict[str, object] = {}

        def advance(n: int) -> None:
            progress.advance(task, n)

        found["single"] = await appends.single_appends(engine, raw, advance)
        found["batch"], found["copy"] = await appends.batch_appends(engine, raw, advance)
        progress.update(task, description="one-row transactions")
        found["raw_rows"], found["store_rows"] = {}, {}
        for n in CONNECTIONS:
            found["raw_rows"][n] = await appends.one_row_transactions(asyncpg_url(raw_db), n)  # type: ignore[index]
            found["store_rows"][n] = await appends.store_appends_concurrently(concurrent, n, "c")  # type: ignore[index]
        progress.update(task, description=f"{appends.WRITERS} writers: Cascade, eventsourcing")
        found["writers"] = await recorder.cascade_appends(concurrent)
        found["eventsourcing"] = await asyncio.to_thread(recorder.eventsourcing_appends, es_db)
        return found
    finally:
        await raw.close()
        await engine.dispose()
        await concurrent.dispose()
        for db in (raw_db, concurrent_db, es_db):
            await drop_database(db)


async def main() -> None:
    with infrastructure() as (server_url, servers):
        name = f"bench{uuid.uuid4().hex[:8]}"
        settings = Settings(
            environment="test",
            database_url=server_url,
            database_prefix=name,
            kafka_bootstrap_servers=servers,
            kafka_enable_idempotence=False,
            topic_prefix=f"{name}.",
            consumer_session_timeout_ms=6000,
        )
        url = settings.database_url_of("bench")
        await migrate("bench", url)
        await ensure_topics(settings)
        engine = make_engine(url, pool_size=20)
        try:
            with Progress(console=console, transient=True) as progress:
                found = await append_stages(server_url, f"{name}_bench", progress)
                events = appends.SINGLE_APPENDS + appends.BATCHES * appends.BATCH_SIZE
                # The relay and consumers carry the appends of the first two stages.
                found["relay"] = await messaging.relay_rate(settings, engine, events, progress)
                found["consumed"], found["consumed_raw"] = await messaging.consumer_rates(
                    settings, engine, events, progress
                )
                latency_db = with_database(server_url, f"{name}_latency")
                await migrate("bench", latency_db)
                latency_engine = make_engine(latency_db, pool_size=20)
                try:
                    found["p50"], found["p99"] = await messaging.latency(
                        settings, latency_engine, progress
                    )
                finally:
                    await latency_engine.dispose()
                    await drop_database(latency_db)
                task = progress.add_task("audit verify", total=sum(audits.SIZES))
                found["verify"] = await audits.verify_figures(
                    settings, f"{name}_verify", lambda n: progress.advance(task, n)
                )
        finally:
            await engine.dispose()
            await drop_database(url)
    report(Figures(**found))  # type: ignore[arg-type]


def report(f: Figures) -> None:
    table = Table(title=f"Chassis benchmark ({machine()})")
    for column in (
        "measure",
        "Cascade",
        "baseline",
        "ratio",
        "target",
        "client CPU/op µs (Cascade / baseline)",
    ):
        table.add_column(column)
    s = f.single
    table.add_row(
        "single-event append tx/s, store vs raw asyncpg",
        f"{s.store.rate:,.0f}",
        f"{s.raw.rate:,.0f}",
        ratio(s.store.rate, s.raw.rate),
        ">= 0.8x",
        f"{s.store.cpu_us:,.0f} / {s.raw.cpu_us:,.0f}",
    )
    n = s.store.operations
    table.add_row(
        "  of which the append statement itself (CPU)",
        "",
        "",
        "",
        "",
        f"{s.store_statement_cpu / n * 1e6:,.0f} / {s.raw_statement_cpu / n * 1e6:,.0f}",
    )
    table.add_row(
        f"batch append events/s ({appends.BATCH_SIZE}/tx), store vs COPY",
        f"{f.batch.rate:,.0f}",
        f"{f.copy.rate:,.0f}",
        ratio(f.batch.rate, f.copy.rate),
        "",
        f"{f.batch.cpu_us:,.1f} / {f.copy.cpu_us:,.1f}",
    )
    for c in CONNECTIONS:
        table.add_row(
            f"one-row tx/s over {c} connections, store append vs raw asyncpg",
            f"{f.store_rows[c].rate:,.0f}",
            f"{f.raw_rows[c].rate:,.0f}",
            ratio(f.store_rows[c].rate, f.raw_rows[c].rate),
            "",
            f"{f.store_rows[c].cpu_us:,.0f} / {f.raw_rows[c].cpu_us:,.0f}",
        )
    table.add_row(
        f"appends/s with {appends.WRITERS} writers, Cascade vs eventsourcing recorder",
        f"{f.writers.rate:,.0f}",
        f"{f.eventsourcing.rate:,.0f}",
        ratio(f.writers.rate, f.eventsourcing.rate),
        ">= 3x",
        f"{f.writers.cpu_us:,.0f} / {f.eventsourcing.cpu_us:,.0f}",
    )
    table.add_row("relay events/s (store to broker)", f"{f.relay:,.0f}", "", "", "", "")
    table.add_row(
        "consumer events/s, inbox vs raw aiokafka",
        f"{f.consumed:,.0f}",
        f"{f.consumed_raw:,.0f}",
        ratio(f.consumed, f.consumed_raw),
        "",
        "",
    )
    table.add_row(
        f"commit-to-handled p50 / p99 at {messaging.LATENCY_RATE}/s (ms)",
        f"{f.p50:.1f} / {f.p99:.1f}",
        "",
        "",
        "p99 < 100",
        "",
    )
    console.print(table)
    audit = Table(title="GET /v1/audit/verify (reporting here, the calls feed in another process)")
    for column in (
        "events",
        "verify s",
        "events/s",
        "/healthz meanwhile p50 / p99 / max ms",
        "target",
        "resident memory gained MiB",
    ):
        audit.add_column(column)
    for v in f.verify:
        audit.add_row(
            f"{v.events:,}",
            f"{v.seconds:.1f}",
            f"{2 * v.events / v.seconds:,.0f}",
            audits.healthz_line(v),
            "< 50 ms",
            f"{v.peak_mib:.1f}",
        )
    console.print(audit)


if __name__ == "__main__":
    asyncio.run(main())
