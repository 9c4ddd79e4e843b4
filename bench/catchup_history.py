"""The history the catch-up benchmark replays: ten events per case (an
application drafted, submitted, assessed, ranked, and its grant awarded, paid,
recovered or cancelled), chained and hashed as the event store would."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.applications.events import (
    ApplicationDrafted,
    ApplicationRanked,
    ApplicationRejected,
    ApplicationSubmitted,
    EligibilityAssessed,
    OrganisationRef,
    RuleOutcome,
)
from services.payments.events import (
    GrantAwarded,
    GrantCancelled,
    PaymentDisbursed,
    RecoveryOrdered,
    RecoveryReceived,
)
from shared.events import SYSTEM, Envelope, Event
from shared.ids import uuid7
from shared.integrity import GENESIS, event_hash

EVENTS_PER_CASE = 10
KEY = b"bench-catchup-key"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def case(n: int) -> list[tuple[str, list[Event]]]:
    """One applicant's history: its application (applications) and its grant (payments)."""
    application, call, programme, organisation = f"a-{n}", f"c-{n % 20}", "p-1", f"o-{n}"
    lead = OrganisationRef(
        organisation_id=organisation, name=f"SME {n}", country="FR", size="small", pic=None
    )
    grant = {
        "grant_id": f"g-{n}",
        "application_id": application,
        "call_id": call,
        "programme_id": programme,
        "organisation_id": organisation,
        "country": "FR",
        "currency": "EUR",
    }
    return [
        (
            f"application-{n}",
            [
                ApplicationDrafted(
                    application_id=application,
                    call_id=call,
                    programme_id=programme,
                    lead_organisation_id=organisation,
                    partner_organisation_ids=(),
                    title="t",
                    summary="s",
                    requested_cents=4_000_000,
                    trl=4,
                    objectives=("innovate",),
                    drafted_at=T0,
                ),
                ApplicationSubmitted(
                    application_id=application,
                    call_id=call,
                    programme_id=programme,
                    lead=lead,
                    partners=(),
                    requested_cents=4_000_000,
                    trl=4,
                    objectives=("innovate",),
                    receipt=n + 1,
                    submitted_at=T0 + DAY,
                ),
                EligibilityAssessed(
                    application_id=application,
                    call_id=call,
                    eligible=True,
                    rules_version=1,
                    outcomes=(
                        RuleOutcome(type="trl_between", description="d", passed=True, reason="r"),
                    ),
                    assessed_at=T0 + DAY,
                ),
                ApplicationRanked(
                    application_id=application,
                    call_id=call,
                    rank=None,
                    score=3.2,
                    criterion_scores={},
                    passed=False,
                    reason="below",
                    ranked_at=T0 + 9 * DAY,
                ),
                ApplicationRejected(
                    application_id=application,
                    call_id=call,
                    reason_code="below_threshold",
                    reason="below",
                    rejected_at=T0 + 9 * DAY,
                ),
            ],
        ),
        (
            f"grant-{n}",
            [
                GrantAwarded(
                    grant_id=f"g-{n}",
                    application_id=application,
                    call_id=call,
                    programme_id=programme,
                    organisation_id=organisation,
                    amount_cents=4_000_000,
                    awarded_at=T0,
                    country="FR",
                ),
                PaymentDisbursed(
                    **grant,
                    payment_order_id=f"po-{n}",
                    instalment_id=f"i-{n}",
                    amount_cents=2_800_000,
                    bank_reference="B1",
                    paid_cents=2_800_000,
                    awarded_at=T0,
                    disbursed_at=T0 + 5 * DAY,
                ),
                RecoveryOrdered(
                    **grant,
                    recovery_id=f"r-{n}",
                    amount_cents=500_000,
                    reason="x",
                    ordered_at=T0 + 6 * DAY,
                ),
                RecoveryReceived(
                    **grant,
                    recovery_id=f"r-{n}",
                    amount_cents=500_000,
                    recovered_cents=500_000,
                    received_at=T0 + 7 * DAY,
                ),
                GrantCancelled(
                    **grant,
                    released_cents=1_200_000,
                    paid_cents=2_800_000,
                    reason="stop",
                    cancelled_at=T0 + 8 * DAY,
                ),
            ],
        ),
    ]


def chained(stream_id: str, events: Sequence[Event]) -> list[Envelope]:
    """The events as versions 1, 2, ... of a stream, hashed as the event store does."""
    envelopes, prev = [], GENESIS
    for version, new_event in enumerate(events, start=1):
        row: dict[str, Any] = {
            "id": uuid7(),
            "type": new_event.event_type,
            "schema_version": new_event.schema_version,
            "stream_type": stream_id.split("-")[0],
            "stream_id": stream_id,
            "version": version,
            "occurred_at": T0,
            "recorded_at": T0,
            "actor": SYSTEM.model_dump(mode="json"),
            "correlation_id": uuid7(),
            "causation_id": None,
            "traceparent": None,
            "payload": new_event.model_dump(mode="json"),
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(KEY, prev, row)
        envelopes.append(Envelope(**row, position=None))
    return envelopes


def history(cases: int) -> Iterator[tuple[str, list[Envelope]]]:
    """(source, envelopes) in chunks of a thousand cases."""
    for start in range(0, cases, 1_000):
        by_source: dict[str, list[Envelope]] = {"applications": [], "payments": []}
        for n in range(start, min(cases, start + 1_000)):
            application, grant = case(n)
            by_source["applications"] += chained(*application)
            by_source["payments"] += chained(*grant)
        yield from by_source.items()
