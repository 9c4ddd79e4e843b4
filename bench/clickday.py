"""The click-day benchmark: N organisations and drafts prepared untimed, then all
submitted by C concurrent clients through the HTTP API of real service
processes; beside it, the raw PostgreSQL rate of one-row transactions with 50
connections on the same server. `make bench-clickday` (N=1000 C=200 BUDGET=100)."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.infra import infrastructure, machine
from shared.auth import mint_token
from shared.db import asyncpg_url
from tests.support.stack import ServiceStack, stack_settings

N = int(os.environ.get("N", "1000"))
CLIENTS = int(os.environ.get("C", "200"))
FUNDED = int(os.environ.get("BUDGET", "100"))
GRANT = 10_000_00
RAW_CONNECTIONS, RAW_SECONDS = 50, 5.0


async def raw_rate(server_url: str) -> float:
    """One-row INSERT transactions per second, 50 connections, straight asyncpg."""
    dsn = asyncpg_url(server_url)
    pool = await asyncpg.create_pool(dsn, min_size=RAW_CONNECTIONS, max_size=RAW_CONNECTIONS)
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, n int)")
        done, stop = 0, time.monotonic() + RAW_SECONDS

        async def writer() -> None:
            nonlocal done
            async with pool.acquire() as conn:
                while time.monotonic() < stop:
                    async with conn.transaction():
                        await conn.execute("INSERT INTO bench_rows VALUES ($1, 1)", uuid.uuid4())
                    done += 1

        started = time.monotonic()
        await asyncio.gather(*(writer() for _ in range(RAW_CONNECTIONS)))
        return done / (time.monotonic() - started)
    finally:
        await pool.execute("DROP TABLE IF EXISTS bench_rows")
        await pool.close()


async def prepare(
    stack: ServiceStack, manager: dict[str, str], sme: dict[str, str]
) -> tuple[str, list[str]]:
    urls = stack.urls
    async with httpx.AsyncClient(timeout=60) as http:
        programme = (
            await http.post(
                f"{urls['calls']}/v1/programmes",
                headers=manager,
                json={
                    "code": f"CD-{uuid.uuid4().hex[:6]}",
                    "name": "Click day",
                    "currency": "EUR",
                    "budget_cents": 10 * FUNDED * GRANT,
                    "objectives": ["innovate"],
                },
            )
        ).json()
        opens = datetime.now(UTC) + timedelta(seconds=20)
        call = (
            await http.post(
                f"{urls['calls']}/v1/calls",
                headers=manager,
                json={
                    "programme_id": programme["id"],
                    "code": f"V-{uuid.uuid4().hex[:6]}",
                    "title": "Vouchers",
                    "kind": "green_voucher",
                    "selection_mode": "first_come_first_served",
                    "budget_cents": FUNDED * GRANT,
                    "max_grant_cents": GRANT,
                    "min_grant_cents": 0,
                    "opens_at": opens.isoformat(),
                    "closes_at": (opens + timedelta(hours=2)).isoformat(),
                    "objectives": ["innovate"],
                    "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
                },
            )
        ).json()
        published = await http.post(
            f"{urls['calls']}/v1/calls/{call['id']}/publish", headers=manager
        )
        assert published.status_code == 200, published.text
        gate = asyncio.Semaphore(20)

        async def draft(n: int) -> str:
            async with gate:
                org = (
                    await http.post(
                        f"{urls['applications']}/v1/organisations",
                        headers=sme,
                        json={
                            "name": f"SME {n}",
                            "country": "FR",
                            "size": "small",
                            "pic": f"9{n:08d}",
                            "registered_on": "2019-05-01",
                            "tags": [],
                        },
                    )
                ).json()
                body = {
                    "call_id": call["id"],
                    "lead_organisation_id": org["id"],
                    "partner_organisation_ids": [],
                    "title": "Heat pump",
                    "summary": "Retrofit",
                    "requested_cents": GRANT,
                    "trl": 6,
                    "objectives": ["innovate"],
                }
                while True:  # the call reaches applications through the broker
                    answer = await http.post(
                        f"{urls['applications']}/v1/applications", headers=sme, json=body
                    )
                    if answer.status_code == 201:
                        return str(answer.json()["id"])
                    await asyncio.sleep(0.2)

        drafts = await asyncio.gather(*(draft(n) for n in range(N)))
        wait = (opens + timedelta(seconds=1) - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, wait))  # until the call is open
        return call["id"], list(drafts)


async def click(stack: ServiceStack, sme: dict[str, str], drafts: list[str]) -> dict[str, Any]:
    url = stack.urls["applications"]
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for sent, draft_id in enumerate(drafts):
        queue.put_nowait((sent, draft_id))
    latencies: list[float] = []
    retries: list[str] = []
    answers: list[tuple[int, int, dict[str, Any]]] = []
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def client() -> None:
            while not queue.empty():
                sent, draft_id = queue.get_nowait()
                started = time.perf_counter()
                for attempt in range(5):  # a client retries under its Idempotency-Key
                    try:
                        answer = await http.post(
                            f"{url}/v1/applications/{draft_id}/submit",
                            headers={**sme, "Idempotency-Key": draft_id},
                        )
                        break
                    except httpx.TransportError:
                        if attempt == 4:
                            raise
                        retries.append(draft_id)
                latencies.append(time.perf_counter() - started)
                body = answer.json()
                answers.append((sent, answer.status_code, body.get("application", body)))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies": sorted(latencies),
        "answers": answers,
        "retries": len(retries),
    }


def inversions(answers: list[tuple[int, int, dict[str, Any]]]) -> int:
    """Pairs whose receipts are in the other order than the requests were sent
    (arrival at the service follows sending, but concurrent clients interleave:
    only pairs sent more than `CLIENTS` apart are counted)."""
    received = sorted(
        (body["receipt"], sent) for sent, _, body in answers if body.get("receipt") is not None
    )
    order = [sent for _, sent in received]
    return sum(
        1
        for i in range(len(order))
        for j in range(i + 1, min(len(order), i + 400))
        if order[i] > order[j] + CLIENTS
    )


async def reporting_lag(
    stack: ServiceStack, manager: dict[str, str], call_id: str, submitted: int
) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as http:
        while time.monotonic() - started < 120:
            report = await http.get(
                f"{stack.urls['reporting']}/v1/reports/calls/{call_id}", headers=manager
            )
            if report.status_code == 200 and (
                report.json().get("applications_submitted") == submitted
            ):
                return time.monotonic() - started
            await asyncio.sleep(0.05)
    return float("nan")


async def measure(stack: ServiceStack, server_url: str) -> tuple[dict[str, Any], float, float]:
    settings = stack.settings
    manager = {"Authorization": f"Bearer {mint_token(settings, 'mgr', ['programme_manager'])}"}
    sme = {"Authorization": f"Bearer {mint_token(settings, 'sme', ['applicant'])}"}
    call_id, drafts = await prepare(stack, manager, sme)
    run = await click(stack, sme, drafts)
    submitted = sum(1 for _, _, body in run["answers"] if body.get("receipt"))
    lag = await reporting_lag(stack, manager, call_id, submitted)
    return run, lag, await raw_rate(server_url)


def main() -> None:
    with (
        infrastructure() as (server_url, servers),
        tempfile.TemporaryDirectory(prefix="cascade-clickday-") as tmp,
    ):
        settings = stack_settings(server_url, servers, f"clickday{uuid.uuid4().hex[:6]}")
        stack = ServiceStack(settings, Path(tmp))
        stack.start()
        try:
            run, lag, raw = asyncio.run(measure(stack, server_url))
        finally:
            stack.stop()
            if os.environ.get("KEEP_LOGS"):
                shutil.copytree(Path(tmp) / "logs", os.environ["KEEP_LOGS"], dirs_exist_ok=True)
    report(run, lag, raw)


def report(run: dict[str, Any], lag: float, raw: float) -> None:
    lat = run["latencies"]
    rate = len(lat) / run["elapsed"]
    selected = sum(1 for _, _, body in run["answers"] if body.get("status") == "selected")
    q = statistics.quantiles(lat, n=100)
    print(f"machine: {machine()}")
    print(f"click day: {N} submissions, {CLIENTS} clients, budget for {FUNDED}")
    print(f"  submissions/s       {rate:10.1f}")
    print(
        f"  p50 / p95 / p99     {q[49] * 1000:.0f} / {q[94] * 1000:.0f} / {q[98] * 1000:.0f} ms"
        f"  (max {lat[-1] * 1000:.0f} ms)"
    )
    print(f"  selected            {selected:10d}  (budget's count {FUNDED})")
    print(f"  client retries      {run['retries']:10d}  (connection dropped, same key)")
    print(f"  order inversions    {inversions(run['answers']):10d}")
    print(f"  reporting final in  {lag:10.2f} s")
    print(f"raw PostgreSQL one-row transactions, {RAW_CONNECTIONS} connections: {raw:.0f}/s")
    print(f"ratio click day / raw: {rate / raw:.2f}x  (target >= 0.5x)")


if __name__ == "__main__":
    main()
