"""Composition root of the payments service."""

from shared.app import ServiceDefinition

SERVICE = ServiceDefinition(
    name="payments",
    title="Cascade payments",
    description="Grants, instalments, four-eyes payments, reports, recoveries, the ledger and "
    "the de minimis register. Writes `payments.events`.",
)
