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


@event("tests.Remarked")
class Remarked(Event):
    """A remark by its actor about a person named by `about`: personal both ways."""

    personal_fields = frozenset({"remark", "name"})
    personal_subjects = {"name": "about"}
    subject_fields = frozenset({"about"})
    about: str
    name: str
    remark: str
    n: int
