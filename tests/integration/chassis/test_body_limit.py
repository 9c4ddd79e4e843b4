"""A request body over the configured limit (1 MiB by default) is refused with a
413 problem before it is parsed, whether its length is declared or it streams in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from tests.support.api import assert_problem, event_count

MIB = 1024 * 1024
CHUNK = 64 * 1024


def padded(size: int) -> bytes:
    """A valid counter body of about `size` bytes."""
    return json.dumps({"name": "c", "padding": "x" * size}).encode()


async def test_a_body_declared_over_the_limit_is_413_and_records_nothing(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    answer = await client.post(
        "/v1/counters",
        content=padded(10 * MIB),
        headers={**manager, "Content-Type": "application/json"},
    )
    assert_problem(answer, 413, "payload_too_large")
    assert await event_count(app) == 0


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    body, sent = padded(10 * MIB), []

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), CHUNK):
            sent.append(start)
            yield body[start : start + CHUNK]

    answer = await client.post(
        "/v1/counters", content=chunks(), headers={**manager, "Content-Type": "application/json"}
    )
    assert "content-length" not in answer.request.headers
    assert_problem(answer, 413, "payload_too_large")
    assert len(sent) * CHUNK <= 2 * MIB  # the rest was never read
    assert await event_count(app) == 0


async def test_a_body_within_the_limit_is_taken(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    answer = await client.post(
        "/v1/counters",
        content=padded(MIB - 100),
        headers={**manager, "Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
