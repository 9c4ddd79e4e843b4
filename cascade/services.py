"""The services Cascade runs, by name; their definitions are imported when needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The service packages are light (a name and a port); their definitions are not.
from services import applications, calls, payments, reporting
from shared import registry

if TYPE_CHECKING:
    from shared.app import ServiceDefinition
    from shared.settings import Settings

PACKAGES = (calls, applications, payments, reporting)
NAMES: tuple[str, ...] = tuple(package.NAME for package in PACKAGES)
DEFAULT_PORTS: dict[str, int] = {package.NAME: package.PORT for package in PACKAGES}
# Enough for the settings to find any service's port without importing its code.
registry.register(*(registry.Listing(name, port) for name, port in DEFAULT_PORTS.items()))


def definitions() -> dict[str, ServiceDefinition]:
    """Every service's definition by name, each registered with the chassis."""
    from services.applications.main import SERVICE as applications_service
    from services.calls.main import SERVICE as calls_service
    from services.payments.main import SERVICE as payments_service
    from services.reporting.main import SERVICE as reporting_service

    found = (calls_service, applications_service, payments_service, reporting_service)
    registry.register(*found)
    return {definition.name: definition for definition in found}


def load_service(name: str) -> ServiceDefinition:
    if name not in NAMES:
        raise ValueError(f"unknown service {name!r}: choose one of {', '.join(NAMES)}")
    return definitions()[name]


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the missing event and dead-letter topics of every service."""
    from shared.bus import ensure_topics as ensure

    return await ensure(settings, list(definitions().values()))


def event_owners() -> tuple[str, ...]:
    """The services that record events of their own (and so have a chain to verify)."""
    return tuple(name for name, d in definitions().items() if d.owns_events)
