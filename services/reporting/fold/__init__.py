"""Applying one event to the record of its stream. No I/O.

Each event type of the three contracts that moves a figure has a function, named
after the event it folds (`grant_awarded`, `call_status_moved`...); the others only
advance the record's version. The functions live beside each
contract (`calls`, `applications`, `payments`) and register themselves on
`dispatch.project`, which this package imports them for. An event at or below the record's
version was applied before (a redelivery, or the overlap of a rebuild's sources)
and changes nothing.
"""

from __future__ import annotations

# Importing the three modules registers their functions on `project`.
from services.reporting.fold import applications, calls, payments, redress
from services.reporting.fold.dispatch import Received, apply, apply_in_order, project, source_of

__all__ = [
    "Received",
    "applications",
    "apply",
    "apply_in_order",
    "calls",
    "payments",
    "project",
    "redress",
    "source_of",
]
