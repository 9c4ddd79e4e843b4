"""A tiny event type for chassis tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from shared.events import Event, event


@event("tests.Counted")
class Counted(Event):
    EPOCH: ClassVar[datetime] = datetime(2026, 1, 1, tzinfo=UTC)
    n: int


def counted(*numbers: int) -> list[Counted]:
    return [Counted(n=n) for n in numbers]
