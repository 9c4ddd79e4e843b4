"""A grant's life in memory: instalments, four eyes, reports, recoveries, cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.payments.grant import FourEyes, Grant
from shared.errors import RuleViolation
from tests.support.payments_domain import AWARDED_AT, awarded, instalment_ids

NOW = AWARDED_AT + timedelta(days=3)


def types(grant: Grant) -> list[str]:
    return [e.event_type.split(".")[1] for e in grant.pending]


def paid_first_instalment(grant: Grant) -> str:
    first = instalment_ids(grant)[0]
    grant.order_payment(first, "o1", "fo-anna", NOW)
    grant.approve_payment("o1", "fo-ben", NOW)
    grant.disburse("o1", "BANK-1", NOW)
    return first


def test_an_award_splits_the_plan_and_makes_the_signature_instalment_due() -> None:
    grant = awarded(100_001)
    first, final = grant.instalments.values()
    assert (first.amount_cents, first.status) == (70_000, "due")
    assert (final.amount_cents, final.status) == (30_001, "scheduled")
    assert types(grant) == ["GrantAwarded", "InstalmentDue"]
    assert grant.pending[0].instalments[1].amount_cents == 30_001  # type: ignore[attr-defined]


def test_a_payment_goes_ordered_approved_paid_and_every_event_names_the_grant() -> None:
    grant = awarded(100_000)
    first = paid_first_instalment(grant)
    assert grant.instalments[first].status == "paid"
    assert grant.paid_cents == 70_000
    facts = {
        (e.grant_id, e.call_id, e.currency, e.country)  # type: ignore[attr-defined]
        for e in grant.pending[1:]
    }
    assert facts == {(grant.id, "call-1", "EUR", "FR")}


def test_the_orderer_cannot_approve_their_own_order() -> None:
    grant = awarded(100_000)
    grant.order_payment(instalment_ids(grant)[0], "o1", "fo-anna", NOW)
    with pytest.raises(FourEyes) as refused:
        grant.approve_payment("o1", "fo-anna", NOW)
    assert (refused.value.code, refused.value.status) == ("four_eyes", 403)
    assert grant.order("o1").status == "ordered"


def test_an_instalment_not_yet_due_cannot_be_ordered() -> None:
    grant = awarded(100_000)
    with pytest.raises(RuleViolation) as refused:
        grant.order_payment(instalment_ids(grant)[1], "o1", "fo-anna", NOW)
    assert refused.value.code == "instalment_not_due"


def test_a_second_approval_or_disbursement_is_refused() -> None:
    grant = awarded(100_000)
    paid_first_instalment(grant)
    with pytest.raises(RuleViolation) as twice_approved:
        grant.approve_payment("o1", "fo-carl", NOW)
    with pytest.raises(RuleViolation) as twice_paid:
        grant.disburse("o1", "BANK-2", NOW)
    assert twice_approved.value.code == "payment_order_not_pending"
    assert twice_paid.value.code == "payment_order_not_approved"
    assert grant.paid_cents == 70_000


def test_a_failed_payment_is_ordered_again_as_a_second_attempt() -> None:
    grant = awarded(100_000)
    first = instalment_ids(grant)[0]
    grant.order_payment(first, "o1", "fo-anna", NOW)
    grant.approve_payment("o1", "fo-ben", NOW)
    grant.fail_payment("o1", "IBAN closed", NOW)
    assert grant.instalments[first].status == "failed"
    grant.order_payment(first, "o2", "fo-anna", NOW)
    assert grant.order("o2").attempt == 2
    assert grant.instalments[first].status == "ordered"


def test_an_approved_report_makes_the_final_instalment_due_and_paying_it_closes() -> None:
    grant = awarded(100_000)
    paid_first_instalment(grant)
    grant.submit_report("r1", "done", "sme", NOW)
    with pytest.raises(RuleViolation, match="awaits"):
        grant.submit_report("r2", "again", "sme", NOW)
    grant.approve_report("r1", NOW)
    final = instalment_ids(grant)[1]
    assert grant.instalments[final].status == "due"
    grant.order_payment(final, "o2", "fo-anna", NOW)
    grant.approve_payment("o2", "fo-ben", NOW)
    grant.disburse("o2", "BANK-2", NOW)
    assert (grant.status, grant.paid_cents) == ("closed", 100_000)
    assert types(grant)[-1] == "GrantClosed"


def test_a_rejected_report_can_be_submitted_again() -> None:
    grant = awarded(100_000)
    grant.submit_report("r1", "draft", "sme", NOW)
    grant.reject_report("r1", "incomplete", NOW)
    grant.submit_report("r2", "complete", "sme", NOW)
    assert [r.status for r in grant.reports.values()] == ["rejected", "submitted"]


def test_recoveries_are_limited_to_what_was_paid_and_not_yet_ordered_back() -> None:
    grant = awarded(100_000)
    with pytest.raises(RuleViolation) as nothing_paid:
        grant.order_recovery("c1", 1, "irregular", NOW)
    assert nothing_paid.value.code == "recovery_exceeds_paid"
    paid_first_instalment(grant)
    grant.order_recovery("c1", 50_000, "irregular", NOW)
    with pytest.raises(RuleViolation) as too_much:
        grant.order_recovery("c2", 20_001, "more", NOW)
    assert too_much.value.extra["recoverable_cents"] == 20_000
    grant.receive_recovery("c1", NOW)
    assert grant.recovered_cents == 50_000
    with pytest.raises(RuleViolation, match="already received"):
        grant.receive_recovery("c1", NOW)


def test_a_cancelled_grant_releases_what_is_unpaid_and_pays_nothing_more() -> None:
    grant = awarded(100_000)
    paid_first_instalment(grant)
    grant.cancel("fraud", NOW)
    assert (grant.status, grant.committed_cents) == ("cancelled", 70_000)
    with pytest.raises(RuleViolation) as refused:
        grant.order_payment(instalment_ids(grant)[1], "o2", "fo-anna", NOW)
    assert refused.value.code == "grant_cancelled"
    with pytest.raises(RuleViolation, match="cancelled"):
        grant.submit_report("r1", "late", "sme", NOW)


def test_a_grant_with_a_payment_under_way_cannot_be_cancelled() -> None:
    grant = awarded(100_000)
    grant.order_payment(instalment_ids(grant)[0], "o1", "fo-anna", NOW)
    with pytest.raises(RuleViolation) as refused:
        grant.cancel("stop", NOW)
    assert refused.value.code == "payment_in_progress"


def test_a_grant_rebuilt_from_its_events_has_the_same_state() -> None:
    grant = awarded(100_000)
    paid_first_instalment(grant)
    copy = Grant(grant.id)
    for e in grant.pending:
        copy.apply(e)
    assert (copy.paid_cents, copy.status, copy.instalments) == (
        grant.paid_cents,
        grant.status,
        grant.instalments,
    )
