"""The services this process knows of: only what the composition root registers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Registration(Protocol):
    """What the chassis reads of a service here (a `shared.app.ServiceDefinition`)."""

    @property
    def name(self) -> str: ...
    @property
    def port(self) -> int: ...


@dataclass(frozen=True)
class Listing:
    """The least a service registers: its name and default port."""

    name: str
    port: int


_registered: dict[str, Registration] = {}


def register(*services: Registration) -> None:
    for service in services:
        _registered[service.name] = service


def registered() -> tuple[Registration, ...]:
    return tuple(_registered.values())


def default_port(service: str) -> int:
    """The port a service listens on unless told otherwise."""
    if service not in _registered:
        known = ", ".join(_registered) or "none registered"
        raise ValueError(
            f"unknown service {service!r} (known: {known}); "
            f"set CASCADE_{service.upper()}_PORT or CASCADE_{service.upper()}_URL"
        )
    return _registered[service].port
