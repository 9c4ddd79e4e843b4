"""`GET /v1/audit/verify` on histories of 10k and 100k events: how long it takes,
how long `/healthz` of the same process takes to answer meanwhile, and how much
resident memory the process gains while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import multiprocessing
import socket
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import psutil
import uvicorn
from fastapi import FastAPI

from cascade.migrate import migrate
from services.calls.events import CallPublished
from services.reporting import store
from services.reporting.feeds import tls_context
from services.reporting.main import definition
from shared import feed_api
from shared.app import ServiceDefinition, create_app
from shared.db import drop_database, make_engine
from shared.eventstore import CommandContext, EventStore
from shared.settings import Settings
from shared.tokens import mint_token

SIZES = (10_000, 100_000)
STREAM_LENGTH = 100  # events per stream, appended as one batch
HEALTH_EVERY_S = 0.02


@dataclasses.dataclass
class VerifyFigures:
    events: int
    seconds: float
    healthz_ms: list[float]
    peak_mib: float = 0.0  # the process's resident memory above what it had before

    @property
    def healthz_p99(self) -> float:
        ordered = sorted(self.healthz_ms)
        return ordered[max(0, int(len(ordered) * 0.99) - 1)]


async def build_history(settings: Settings, events: int, advance: Callable[[int], None]) -> None:
    """`events` calls events at the source, and the same in reporting's audit copy."""
    engine = make_engine(settings.database_url_of("calls"))
    copy = make_engine(settings.database_url_of("reporting"))
    eventstore = EventStore(settings.integrity_key.get_secret_value().encode())
    at = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        for s in range(events // STREAM_LENGTH):
            async with engine.begin() as conn:
                recorded = await eventstore.append(
                    conn,
                    stream_type="call",
                    stream_id=f"call-{s:06d}",
                    expected_version=0,
                    new_events=[
                        CallPublished(call_id=f"call-{s:06d}", published_at=at)
                        for _ in range(STREAM_LENGTH)
                    ],
                    context=CommandContext(),
                )
            async with copy.begin() as conn:
                await store.keep_copies(conn, [("calls", e) for e in recorded], "topic")
            advance(STREAM_LENGTH)
    finally:
        await engine.dispose()
        await copy.dispose()


def serve_feed(settings: dict[str, object], port: int) -> None:
    """The calls service's feed alone (no relay, no consumer), in a process of its
    own as in a deployment: its work is not in reporting's event loop."""
    app = create_app(
        ServiceDefinition(
            name="calls",
            title="calls feed",
            description="",
            port=port,
            owns_events=False,
            routers=[feed_api.router],
        ),
        Settings(**settings),
    )
    # Keep-alive longer than any pause between two pages on a busy machine.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=300)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def reporting_with_calls_feed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Reporting in this process (without its consumer: the copy is there
    already), reading the calls feed from another process."""
    port = free_port()
    tls_context()  # made once per process, as in the service: not inside the timed verify
    feed = multiprocessing.get_context("spawn").Process(
        target=serve_feed, args=(settings.model_dump(), port), daemon=True
    )
    feed.start()
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as probe:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                if not feed.is_alive():
                    raise RuntimeError("the calls feed process died")
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the calls feed did not start within a minute")

        def feeds(name: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=url, timeout=60, verify=tls_context())

        reporting: FastAPI = create_app(
            dataclasses.replace(definition(feeds=feeds), components=[]), settings
        )
        async with (
            reporting.router.lifespan_context(reporting),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=reporting),
                base_url="http://reporting",
                timeout=900,
            ) as client,
        ):
            yield client
    finally:
        feed.terminate()
        feed.join(10)


async def timed_verify(client: httpx.AsyncClient, token: str, events: int) -> VerifyFigures:
    figures = VerifyFigures(events, 0.0, [])
    done = asyncio.Event()
    process = psutil.Process()
    before = process.memory_info().rss

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            answer = await client.get("/healthz")
            assert answer.status_code == 200
            figures.healthz_ms.append((time.perf_counter() - started) * 1000)
            figures.peak_mib = max(figures.peak_mib, (process.memory_info().rss - before) / 2**20)
            await asyncio.sleep(HEALTH_EVERY_S)

    prober = asyncio.create_task(probe())
    started = time.perf_counter()
    answer = await client.get(
        "/v1/audit/verify",
        params={"service": "calls"},
        headers={"Authorization": f"Bearer {token}"},
    )
    figures.seconds = time.perf_counter() - started
    done.set()
    await prober
    body = answer.json()
    summary = body["sources"]["calls"]
    if not body["intact"] or summary["feed_events"] != events:
        raise RuntimeError(
            f"verify did not see the history whole: {summary} {body['differences'][:3]}"
        )
    return figures


async def verify_figures(
    settings: Settings, name: str, advance: Callable[[int], None]
) -> list[VerifyFigures]:
    results = []
    for events in SIZES:
        mine = settings.model_copy(update={"database_prefix": f"{name}_{events}"})
        urls = [mine.database_url_of(s) for s in ("calls", "reporting")]
        try:
            for service, url in zip(("calls", "reporting"), urls, strict=True):
                await migrate(service, url)
            await build_history(mine, events, advance)
            token = mint_token(mine, "bench-auditor", ["auditor"])
            gc.collect()
            async with reporting_with_calls_feed(mine) as client:
                results.append(await timed_verify(client, token, events))
        finally:
            for url in urls:
                await drop_database(url)
    return results


def healthz_line(figures: VerifyFigures) -> str:
    values = figures.healthz_ms
    return (
        f"{statistics.median(values):.1f} / {figures.healthz_p99:.1f} / {max(values):.1f}"
        if values
        else "-"
    )
