"""Composition root of the payments service."""

from __future__ import annotations

from pathlib import Path

from services.payments import (
    NAME,
    PORT,
    api,
    awards,
    budget_cut_policy,
    erasure,
    ledger_api,
    replica,
    report_annex_api,
    state_aid_api,
    tables,
)
from shared.app import Chassis, Component, ServiceDefinition, consumes
from shared.asyncapi import asyncapi_router
from shared.consumer import Handlers

TITLE = "Cascade payments"
DESCRIPTION = (
    "Grants, instalments, four-eyes payments, reports, recoveries, the ledger and "
    "the de minimis register of single undertakings (Regulation (EU) 2023/2831). "
    "Writes `payments.events`."
)
SOURCES = ("calls", "applications")


def consumer(chassis: Chassis) -> list[Component]:
    """The component keeping replicas of calls and organisations, turning
    contracted applications into grants, and deciding cuts of calls' budgets."""
    handlers = replica.handlers(Handlers(), awards.award_waiting(chassis))
    awards.on_contracts(chassis, handlers)
    budget_cut_policy.on_cut_requests(chassis, handlers)
    return list(consumes(SOURCES, handlers)(chassis))


def definition(*, consume: bool = True) -> ServiceDefinition:
    """The payments service; tests that need no other service's events leave out the consumer."""
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
            ledger_api.router,
            state_aid_api.router,
            report_annex_api.router,
            asyncapi_router("payments", title=TITLE, description=DESCRIPTION),
        ],
        components=[consumer] if consume else [],
        reproject=erasure.reproject,
    )


SERVICE = definition()
