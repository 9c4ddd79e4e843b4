"""Each stream's record, folded from its own events: statuses, decisions, money,
and redeliveries that change nothing."""

from __future__ import annotations

import logging

import pytest

from services.applications.events import (
    ApplicationContracted,
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
from services.reporting.fold import apply
from shared.events import Event
from tests.support.calls import DAY, T0
from tests.support.reporting_events import chain, folded

LEAD = OrganisationRef(
    organisation_id="org-1", name="Aerotech SAS", country="FR", size="small", pic="123456789"
)
GRANT = {
    "grant_id": "g-1",
    "application_id": "a-1",
    "call_id": "c-1",
    "programme_id": "p-1",
    "organisation_id": "org-1",
    "country": "FR",
    "currency": "EUR",
}


def application_story() -> list[Event]:
    return [
        ApplicationDrafted(
            application_id="a-1",
            call_id="c-1",
            programme_id="p-1",
            lead_organisation_id="org-1",
            partner_organisation_ids=(),
            title="t",
            summary="s",
            requested_cents=4_000_000,
            trl=4,
            objectives=("innovate",),
            drafted_at=T0,
        ),
        ApplicationSubmitted(
            application_id="a-1",
            call_id="c-1",
            programme_id="p-1",
            lead=LEAD,
            partners=(),
            requested_cents=4_000_000,
            trl=4,
            objectives=("innovate", "adopt"),
            receipt=1,
            submitted_at=T0 + DAY,
        ),
        EligibilityAssessed(
            application_id="a-1",
            call_id="c-1",
            eligible=True,
            rules_version=1,
            outcomes=(RuleOutcome(type="trl_between", description="d", passed=True, reason="r"),),
            assessed_at=T0 + DAY,
        ),
        ApplicationRanked(
            application_id="a-1",
            call_id="c-1",
            rank=None,
            score=3.2,
            criterion_scores={},
            passed=False,
            reason="below",
            ranked_at=T0 + 9 * DAY,
        ),
        ApplicationRejected(
            application_id="a-1",
            call_id="c-1",
            reason_code="below_threshold",
            reason="below",
            rejected_at=T0 + 9 * DAY,
        ),
    ]


def test_an_application_record_follows_its_status_score_and_decision() -> None:
    events = application_story()
    record = folded(chain("a-1", [(e, T0) for e in events]), events)
    application = record.application
    assert application is not None
    assert (application.status, application.score, application.failed_rules) == (
        "rejected",
        3.2,
        [],
    )
    assert (application.submitted_at, application.decided_at) == (T0 + DAY, T0 + 9 * DAY)
    assert application.organisation is not None
    assert application.organisation.country == "FR"
    assert application.objectives == ["innovate", "adopt"]
    assert (record.programme_id, record.call_id) == ("p-1", "c-1")


def test_an_ineligible_application_is_decided_when_assessed_with_its_failed_rules() -> None:
    events = application_story()[:2] + [
        EligibilityAssessed(
            application_id="a-1",
            call_id="c-1",
            eligible=False,
            rules_version=1,
            outcomes=(
                RuleOutcome(
                    type="applicant_country_in", description="d", passed=False, reason="NL"
                ),
                RuleOutcome(type="trl_between", description="d", passed=True, reason="4"),
            ),
            assessed_at=T0 + DAY,
        )
    ]
    application = folded(chain("a-1", [(e, T0) for e in events]), events).application
    assert application is not None
    assert (application.status, application.failed_rules, application.decided_at) == (
        "ineligible",
        ["applicant_country_in"],
        T0 + DAY,
    )


def test_an_event_applied_before_changes_nothing() -> None:
    events = application_story()
    envelopes = chain("a-1", [(e, T0) for e in events])
    record = folded(envelopes, events)
    before = record.model_dump()
    assert apply(record, envelopes[1], events[1]) is False
    assert record.model_dump() == before


def grant_story() -> list[Event]:
    return [
        GrantAwarded(
            grant_id="g-1",
            application_id="a-1",
            call_id="c-1",
            programme_id="p-1",
            organisation_id="org-1",
            amount_cents=4_000_000,
            awarded_at=T0,
            country="FR",
        ),
        PaymentDisbursed(
            **GRANT,
            payment_order_id="po-1",
            instalment_id="i-1",
            amount_cents=2_800_000,
            bank_reference="B1",
            paid_cents=2_800_000,
            awarded_at=T0,
            disbursed_at=T0 + 5 * DAY,
        ),
        RecoveryOrdered(
            **GRANT, recovery_id="r-1", amount_cents=500_000, reason="x", ordered_at=T0 + 6 * DAY
        ),
        RecoveryReceived(
            **GRANT,
            recovery_id="r-1",
            amount_cents=500_000,
            recovered_cents=500_000,
            received_at=T0 + 7 * DAY,
        ),
        GrantCancelled(
            **GRANT,
            released_cents=1_200_000,
            paid_cents=2_800_000,
            reason="stop",
            cancelled_at=T0 + 8 * DAY,
        ),
    ]


def test_a_grant_record_holds_its_money() -> None:
    events = grant_story()
    grant = folded(chain("g-1", [(e, T0 + i * DAY) for i, e in enumerate(events)]), events).grant
    assert grant is not None
    assert (grant.committed_cents, grant.paid_cents, grant.recovered_cents) == (
        2_800_000,
        2_800_000,
        500_000,
    )
    assert (grant.status, grant.first_paid_at, grant.last_changed_at) == (
        "cancelled",
        T0 + 5 * DAY,
        T0 + 4 * DAY,
    )


def test_a_recovery_ordered_but_not_received_recovers_nothing_yet() -> None:
    events = grant_story()[:3]
    grant = folded(chain("g-1", [(e, T0) for e in events]), events).grant
    assert grant is not None
    assert grant.recovered_cents == 0


def test_a_payment_of_a_grant_this_stream_did_not_award_moves_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    awarded, disbursed = grant_story()[:2]
    stray = disbursed.model_copy(update={"grant_id": "g-2"})
    with caplog.at_level(logging.WARNING, logger="cascade.reporting.fold"):
        grant = folded(chain("g-1", [(awarded, T0), (stray, T0)]), [awarded, stray]).grant
    assert grant is not None
    assert grant.paid_cents == 0
    assert "g-2" in caplog.text


def test_a_contract_records_its_date_and_amount() -> None:
    events = [
        *application_story()[:3],
        ApplicationContracted(
            application_id="a-1",
            call_id="c-1",
            programme_id="p-1",
            organisation=LEAD,
            objectives=("innovate",),
            amount_cents=3_000_000,
            contracted_at=T0 + 20 * DAY,
        ),
    ]
    application = folded(chain("a-1", [(e, T0) for e in events]), events).application
    assert application is not None
    assert (application.status, application.amount_cents, application.contracted_at) == (
        "contracted",
        3_000_000,
        T0 + 20 * DAY,
    )
