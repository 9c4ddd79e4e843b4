"""Composition root of the reporting service."""

from shared.app import ServiceDefinition

SERVICE = ServiceDefinition(
    name="reporting",
    title="Cascade reporting",
    description="Projections, point-in-time figures, the audit trail and 360Giving exports, "
    "built from every service's events.",
    owns_events=False,
)
