"""A running calls service per test, on its own database, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shared.clock import FixedClock
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support.calls import T0, auth, client_of, running_calls


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def calls_database(service_database: MakeDatabase) -> str:
    return await service_database("calls")


@pytest.fixture
async def app(settings: Settings, calls_database: str, clock: FixedClock) -> AsyncIterator[FastAPI]:
    async with running_calls(settings, calls_database, clock) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as c:
        yield c


@pytest.fixture
def manager(settings: Settings) -> dict[str, str]:
    return auth(settings, "programme_manager")


@pytest.fixture
def applicant(settings: Settings) -> dict[str, str]:
    return auth(settings, "applicant", sub="sme")
