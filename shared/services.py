"""Finding a service's definition by name (the CLI serves any of them)."""

from __future__ import annotations

import importlib

from shared.app import ServiceDefinition
from shared.settings import SERVICES


def load_service(name: str) -> ServiceDefinition:
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}: choose one of {', '.join(SERVICES)}")
    definition: ServiceDefinition = importlib.import_module(f"services.{name}.main").SERVICE
    return definition
