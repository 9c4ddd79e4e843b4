"""Composition root of the reporting service."""

from __future__ import annotations

from pathlib import Path

from services.reporting import NAME, PORT, api, audit_api, dossier_api, exports_api, tables
from services.reporting.feeds import FeedClients
from services.reporting.freshness import freshness
from services.reporting.healing import healer
from services.reporting.ingest import consumer
from services.reporting.signing import signing_key_checked
from services.reporting.sources import SOURCES
from shared.app import ServiceDefinition

TITLE = "Cascade reporting"
DESCRIPTION = (
    "Projections, point-in-time figures, the audit trail and 360Giving exports, "
    "built from every service's events."
)


def definition(*, feeds: FeedClients | None = None) -> ServiceDefinition:
    """The reporting service; `feeds` reach the other services' event feeds (over
    HTTP at their configured URLs unless given, as tests do in-process)."""
    return ServiceDefinition(
        name=NAME,
        title=TITLE,
        description=DESCRIPTION,
        port=PORT,
        migrations=Path(__file__).parent / "migrations",
        tables=tables.metadata,
        consumes=SOURCES,
        routers=[api.router, audit_api.router(feeds), dossier_api.router, exports_api.router],
        components=[signing_key_checked, consumer, freshness, healer(feeds)],
        owns_events=False,
    )


SERVICE = definition()
