"""Composition root of the applications service."""

from __future__ import annotations

from pathlib import Path

from services.applications import (
    NAME,
    PORT,
    annex_api,
    api,
    award_handlers,
    declaration_api,
    erasure,
    esr_api,
    panel_api,
    redress_api,
    replica,
    results,
    review_api,
    tables,
)
from shared.app import Chassis, Component, ServiceDefinition, consumes
from shared.asyncapi import asyncapi_router

TITLE = "Cascade applications"
DESCRIPTION = (
    "Organisations, applications, eligibility, evaluation, ranking, selection and "
    "agreements. Writes `applications.events`."
)
SOURCES = ("calls", "payments")


def consumer(chassis: Chassis) -> list[Component]:
    """The component keeping the local replica of every call from `calls.events`,
    and freeing the budget of the grants payments refuses."""
    handlers = replica.handlers(chassis)
    award_handlers.on_grant_refused(chassis, handlers)
    results.on_results_published(handlers)
    return list(consumes(SOURCES, handlers)(chassis))


def definition(*, consume: bool = True) -> ServiceDefinition:
    """The applications service; tests that need no call replica leave out the consumer."""
    return ServiceDefinition(
        name=NAME,
        title=TITLE,
        description=DESCRIPTION,
        port=PORT,
        migrations=Path(__file__).parent / "migrations",
        tables=tables.metadata,
        consumes=SOURCES if consume else (),
        routers=[
            api.router,
            review_api.router,
            annex_api.router,
            panel_api.router,
            esr_api.router,
            redress_api.router,
            declaration_api.router,
            asyncapi_router("applications", title=TITLE, description=DESCRIPTION),
        ],
        components=[consumer] if consume else [],
        reproject=erasure.reproject,
    )


SERVICE = definition()
