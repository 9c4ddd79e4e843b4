"""Applications: the aggregate that decides on its own events, from draft to
contract. No I/O. (Organisations live in `organisations`; the evaluation panel's
state in `panel`.)"""

from __future__ import annotations

import functools
from datetime import datetime

from services.applications.events import (
    ApplicationAwardRefused,
    ApplicationContracted,
    ApplicationDeclined,
    ApplicationDrafted,
    ApplicationEdited,
    ApplicationRanked,
    ApplicationRejected,
    ApplicationReserved,
    ApplicationSelected,
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    AssignmentAccepted,
    AssignmentDeclined,
    Award,
    EligibilityAssessed,
    EvaluationSubmitted,
    EvaluatorAssigned,
    Objective,
    OrganisationRef,
    RuleOutcome,
)
from services.applications.organisations import Organisation
from services.applications.panel import Panel
from shared.aggregate import Aggregate
from shared.errors import RuleViolation
from shared.events import Event

__all__ = ["Application", "Organisation"]
WITHDRAWABLE: frozenset[ApplicationStatus] = frozenset({
    "draft", "submitted", "eligible", "ineligible", "under_evaluation", "evaluated",
    "selected", "reserve", "rejected"})


class Application(Aggregate):
    stream_type = "application"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.call_id = self.programme_id = self.lead_organisation_id = ""
        self.partner_organisation_ids: tuple[str, ...] = ()
        self.title = self.summary = ""
        self.requested_cents = self.trl = 0
        self.objectives: tuple[Objective, ...] = ()
        self.status: ApplicationStatus = "draft"
        self.receipt: int | None = None
        self.submitted_at: datetime | None = None
        self.lead: OrganisationRef | None = None
        self.outcomes: tuple[RuleOutcome, ...] = ()
        self.amount_cents = 0
        self.reason_code: str | None = None
        self.panel = Panel()
        self.ranked: ApplicationRanked | None = None
        self.reserve_rank: int | None = None

    # --- decisions ---------------------------------------------------------------

    def draft(self, call_id: str, programme_id: str, lead_organisation_id: str,
              partners: tuple[str, ...], title: str, summary: str, requested_cents: int,
              trl: int, objectives: tuple[Objective, ...], now: datetime) -> None:
        _distinct_members(lead_organisation_id, partners)
        self.record(ApplicationDrafted(
            application_id=self.id, call_id=call_id, programme_id=programme_id,
            lead_organisation_id=lead_organisation_id, partner_organisation_ids=partners,
            title=title, summary=summary, requested_cents=requested_cents, trl=trl,
            objectives=objectives, drafted_at=now))

    def edit(self, partners: tuple[str, ...], title: str, summary: str, requested_cents: int,
             trl: int, objectives: tuple[Objective, ...]) -> None:
        self.require_draft("edit")
        _distinct_members(self.lead_organisation_id, partners)
        self.record(ApplicationEdited(
            application_id=self.id, partner_organisation_ids=partners, title=title,
            summary=summary, requested_cents=requested_cents, trl=trl, objectives=objectives))

    def submit(self, lead: OrganisationRef, partners: tuple[OrganisationRef, ...], receipt: int,
               outcomes: tuple[RuleOutcome, ...], rules_version: int, now: datetime) -> None:
        self.require_draft("submit")
        self.record(ApplicationSubmitted(
            application_id=self.id, call_id=self.call_id, programme_id=self.programme_id,
            lead=lead, partners=partners, requested_cents=self.requested_cents, trl=self.trl,
            objectives=self.objectives, receipt=receipt, submitted_at=now))
        self.record(EligibilityAssessed(
            application_id=self.id, call_id=self.call_id,
            eligible=all(o.passed for o in outcomes), rules_version=rules_version,
            outcomes=outcomes, assessed_at=now))

    def select_on_receipt(self, amount_cents: int, committed_cents: int, now: datetime) -> None:
        """First come, first served: funded at once."""
        assert self.status == "eligible"
        self.record(ApplicationSelected(
            application_id=self.id, award=self.award(amount_cents),
            cause="first_come_first_served",
            reason=f"eligible, received as number {self.receipt}, and the budget allowed it",
            committed_cents=committed_cents, selected_at=now))

    def reserve_for_lack_of_budget(self, available_cents: int, now: datetime) -> None:
        self.record(ApplicationReserved(
            application_id=self.id, call_id=self.call_id, reason_code="budget_exhausted",
            reason=f"eligible, but only {available_cents / 100:,.2f} of the call's budget is "
                   f"left for {self.requested_cents / 100:,.2f} requested",
            reserved_at=now))

    def reserve_over_beneficiary_limit(self, reason: str, now: datetime) -> None:
        self.record(ApplicationReserved(
            application_id=self.id, call_id=self.call_id, reason_code="beneficiary_limit",
            reason=reason, reserved_at=now))

    def withdraw(self, now: datetime) -> int:
        """Withdraw; the selected amount this frees (0 if none)."""
        if self.status == "contracted":
            raise RuleViolation("the agreement is signed: a contracted application cannot be "
                                "withdrawn", code="already_contracted")
        if self.status not in WITHDRAWABLE:
            raise RuleViolation(f"a {self.status} application cannot be withdrawn",
                                code="not_withdrawable", application_status=self.status)
        freed = self.amount_cents if self.status == "selected" else 0
        self.record(ApplicationWithdrawn(
            application_id=self.id, call_id=self.call_id, previous_status=self.status,
            freed_cents=freed, withdrawn_at=now))
        return freed

    def award(self, amount_cents: int) -> Award:
        assert self.lead is not None
        return Award(call_id=self.call_id, programme_id=self.programme_id, organisation=self.lead,
                     objectives=self.objectives, requested_cents=self.requested_cents,
                     amount_cents=amount_cents)

    def require_draft(self, action: str) -> None:
        if self.status != "draft":
            code = "already_submitted" if action == "submit" else "not_a_draft"
            raise RuleViolation(f"cannot {action} a {self.status} application", code=code,
                                application_status=self.status)

    # --- state -------------------------------------------------------------------

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _drafted(self, event: ApplicationDrafted) -> None:
        self.call_id, self.programme_id = event.call_id, event.programme_id
        self.lead_organisation_id = event.lead_organisation_id
        self._fields(event)

    @apply.register
    def _edited(self, event: ApplicationEdited) -> None:
        self._fields(event)

    def _fields(self, event: ApplicationDrafted | ApplicationEdited) -> None:
        self.partner_organisation_ids = event.partner_organisation_ids
        self.title, self.summary, self.trl = event.title, event.summary, event.trl
        self.requested_cents, self.objectives = event.requested_cents, event.objectives

    @apply.register
    def _submitted(self, event: ApplicationSubmitted) -> None:
        self.status, self.receipt, self.submitted_at = "submitted", event.receipt, event.submitted_at
        self.lead = event.lead

    @apply.register
    def _assessed(self, event: EligibilityAssessed) -> None:
        self.status = "eligible" if event.eligible else "ineligible"
        self.outcomes = event.outcomes

    @apply.register
    def _selected(self, event: ApplicationSelected) -> None:
        self.status, self.amount_cents = "selected", event.award.amount_cents

    @apply.register
    def _reserved(self, event: ApplicationReserved) -> None:
        self.status, self.reason_code = "reserve", event.reason_code
        self.reserve_rank = event.reserve_rank

    @apply.register
    def _withdrawn(self, event: ApplicationWithdrawn) -> None:
        self.status = "withdrawn"

    @apply.register(EvaluatorAssigned)
    @apply.register(AssignmentAccepted)
    @apply.register(AssignmentDeclined)
    @apply.register(EvaluationSubmitted)
    def _panel(self, event: EvaluatorAssigned | AssignmentAccepted | AssignmentDeclined
               | EvaluationSubmitted) -> None:
        self.panel.apply(event)
        if isinstance(event, EvaluatorAssigned):
            self.status = "under_evaluation"

    @apply.register
    def _ranked(self, event: ApplicationRanked) -> None:
        self.status, self.ranked = "evaluated", event

    @apply.register
    def _rejected(self, event: ApplicationRejected) -> None:
        self.status, self.reason_code = "rejected", event.reason_code

    @apply.register
    def _contracted(self, event: ApplicationContracted) -> None:
        self.status = "contracted"

    @apply.register
    def _declined(self, event: ApplicationDeclined) -> None:
        self.status = "declined"

    @apply.register
    def _award_refused(self, event: ApplicationAwardRefused) -> None:
        self.status, self.reason_code = "award_refused", event.reason_code


def _distinct_members(lead: str, partners: tuple[str, ...]) -> None:
    if lead in partners or len(set(partners)) != len(partners):
        raise RuleViolation("an organisation appears more than once in the application",
                            code="duplicate_member")
