"""One stack of four service processes for the end-to-end tests, on the
session's PostgreSQL server and broker, with its own databases, topics and ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from cascade.demo.client import Cascade
from tests.conftest import unique_name
from tests.support.stack import ServiceStack, stack_settings


@pytest.fixture(scope="session")
def stack(
    pg_server_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceStack]:
    settings = stack_settings(pg_server_url, kafka_bootstrap, unique_name("e2e"))
    running = ServiceStack(settings, tmp_path_factory.mktemp("stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
async def cascade(stack: ServiceStack) -> AsyncIterator[Cascade]:
    api = Cascade(stack.settings, stack.urls)
    yield api
    await api.aclose()
