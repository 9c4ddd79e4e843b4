"""Composition root of the calls service."""

from __future__ import annotations

from pathlib import Path

from services.calls import NAME, PORT, api, policies, public_api, results_api, tables
from services.calls.scheduler import CallScheduler
from shared.app import Chassis, Component, ServiceDefinition
from shared.asyncapi import asyncapi_router

TITLE = "Cascade calls"
DESCRIPTION = "Programmes and open calls: rules, budgets, deadlines. Writes `calls.events`."


def definition(*, scheduler_max_sleep_s: float = 1.0, consume: bool = True) -> ServiceDefinition:
    """The calls service. Tests make its scheduler look at the clock more often, and
    leave out the consumer where no other service's events are involved."""

    def scheduler(chassis: Chassis) -> list[Component]:
        return [CallScheduler(chassis, max_sleep_s=scheduler_max_sleep_s)]

    return ServiceDefinition(
        name=NAME,
        title=TITLE,
        description=DESCRIPTION,
        port=PORT,
        migrations=Path(__file__).parent / "migrations",
        tables=tables.metadata,
        consumes=policies.SOURCES if consume else (),
        routers=[
            api.router,
            public_api.router,
            results_api.router,
            asyncapi_router("calls", title=TITLE, description=DESCRIPTION),
        ],
        components=[scheduler, policies.consumer] if consume else [scheduler],
    )


SERVICE = definition()
