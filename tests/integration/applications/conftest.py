"""Both services per test, each on its own database, sharing the broker and a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.clock import FixedClock
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support.applications import World, client_of, running_applications
from tests.support.calls import T0, running_calls
from tests.support.calls import client_of as calls_client_of


@pytest.fixture
async def world(settings: Settings, service_database: MakeDatabase) -> AsyncIterator[World]:
    clock = FixedClock(T0)
    calls_db, applications_db = (
        await service_database("calls"),
        await service_database("applications"),
    )
    async with (
        running_calls(settings, calls_db, clock, consume=True) as calls_app,
        calls_client_of(calls_app) as calls,
        running_applications(settings, applications_db, clock) as app,
        client_of(app) as client,
    ):
        yield World(settings, clock, calls_app, calls, app, client)
