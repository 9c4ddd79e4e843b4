"""Polling in tests by wall time, generously: a busy machine is slow, and how long
something takes is for benchmarks to measure, never for a test to bound."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator

PATIENCE_S = 30.0


def polls(seconds: float = PATIENCE_S) -> Iterator[int]:
    """The attempts of a polling loop: at least one, then more until `seconds` pass."""
    deadline = time.monotonic() + seconds
    attempt = 0
    while attempt == 0 or time.monotonic() < deadline:
        yield attempt
        attempt += 1


async def eventually(
    check: Callable[[], bool | Awaitable[bool]],
    timeout: float = PATIENCE_S,
    interval: float = 0.02,
) -> None:
    """Until `check` (plain or async) holds; an AssertionError once `timeout` passed."""
    for _ in polls(timeout):
        outcome = check()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"not so within {timeout} s")
