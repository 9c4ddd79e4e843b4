"""What a service's handlers and background components share (built by shared.app)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import metrics
from shared.clock import Clock
from shared.eventstore import EventStore
from shared.repository import Repository
from shared.settings import Settings


class Component(Protocol):
    """A background part of a service (relay, consumer, scheduler)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


Reproject = Callable[[AsyncConnection, "Chassis", str, str], Awaitable[None]]
"""Rewrite the query rows of one stream (`stream_type`, `stream_id`) from its events."""


@dataclass
class Chassis:
    """What every request handler and background component of a service shares."""

    service: str
    settings: Settings
    engine: AsyncEngine
    store: EventStore
    repository: Repository
    clock: Clock
    metrics: metrics.ServiceMetrics
    components: list[Component] = field(default_factory=list)
    # Run on a data subject's erasure for each stream that held their personal fields:
    # its query rows made again from its events, which now read as erased.
    reproject: Reproject | None = None
