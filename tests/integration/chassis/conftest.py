"""The counters test service running on its own database, with a client and a
programme manager's headers: what the HTTP convention tests drive."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support import counters
from tests.support.api import auth, client_of, running


@pytest.fixture
async def app(settings: Settings, service_database: MakeDatabase) -> AsyncIterator[FastAPI]:
    async with running(settings, await service_database(counters.NAME)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as c:
        yield c


@pytest.fixture
def manager(settings: Settings) -> dict[str, str]:
    return auth(settings, "programme_manager")
