"""One running payments service per test module, fed through the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.payments import Payments, payments_world


@pytest.fixture(scope="module")
async def payments(pg_server_url: str, kafka_bootstrap: str) -> AsyncIterator[Payments]:
    async with payments_world(pg_server_url, kafka_bootstrap) as world:
        yield world
