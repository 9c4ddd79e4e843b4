"""An application's state, rebuilt from its own events. No I/O."""

from __future__ import annotations

import functools
from datetime import datetime

from services.applications.annexes import Annex
from services.applications.events import (
    AnnexAttached,
    AnnexRemoved,
    Answers,
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
    DeclarationCode,
    DeclarationMade,
    EligibilityAssessed,
    EvaluationCommentsConsolidated,
    EvaluationSubmitted,
    EvaluatorAssigned,
    Objective,
    OrganisationRef,
    RuleOutcome,
)
from services.applications.panel import Panel
from shared import forms
from shared.aggregate import Aggregate
from shared.events import Event


class ApplicationState(Aggregate):
    """What an application's events say; `domain.Application` adds the decisions."""

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
        self.annexes: dict[str, Annex] = {}  # by code
        self.outcome_reason = ""  # why it was selected, reserved or rejected
        self.consolidated: dict[str, str] = {}  # criterion code -> the manager's comment
        # The form's answers as the events hold them: the others, the personal ones.
        self.stored_answers: tuple[Answers, Answers] = ({}, {})
        self.declarations: dict[DeclarationCode, DeclarationMade] = {}

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
        personal = event.personal_answers
        if isinstance(personal, str):  # erased: each answer's place shows the marker
            personal = dict.fromkeys(event.personal_pointers, personal)
        self.stored_answers = (event.answers, personal)

    @property
    def answers(self) -> Answers:
        """The form's answers, whole."""
        return forms.join_personal(*self.stored_answers)

    @apply.register
    def _declared(self, event: DeclarationMade) -> None:
        self.declarations[event.code] = event

    @apply.register
    def _submitted(self, event: ApplicationSubmitted) -> None:
        self.status, self.receipt, self.submitted_at = (
            "submitted",
            event.receipt,
            event.submitted_at,
        )
        self.lead = event.lead

    @apply.register
    def _assessed(self, event: EligibilityAssessed) -> None:
        self.status = "eligible" if event.eligible else "ineligible"
        self.outcomes = event.outcomes

    @apply.register
    def _selected(self, event: ApplicationSelected) -> None:
        self.status, self.amount_cents = "selected", event.award.amount_cents
        self.outcome_reason = event.reason

    @apply.register
    def _reserved(self, event: ApplicationReserved) -> None:
        self.status, self.reason_code = "reserve", event.reason_code
        self.reserve_rank, self.outcome_reason = event.reserve_rank, event.reason

    @apply.register
    def _withdrawn(self, event: ApplicationWithdrawn) -> None:
        self.status = "withdrawn"

    @apply.register(EvaluatorAssigned)
    @apply.register(AssignmentAccepted)
    @apply.register(AssignmentDeclined)
    @apply.register(EvaluationSubmitted)
    def _panel(
        self,
        event: EvaluatorAssigned | AssignmentAccepted | AssignmentDeclined | EvaluationSubmitted,
    ) -> None:
        self.panel.apply(event)
        # A re-evaluation after an upheld review leaves the outcome standing until it ends.
        if isinstance(event, EvaluatorAssigned) and event.cause != "re_evaluation":
            self.status = "under_evaluation"

    @apply.register
    def _ranked(self, event: ApplicationRanked) -> None:
        self.status, self.ranked = "evaluated", event

    @apply.register
    def _rejected(self, event: ApplicationRejected) -> None:
        self.status, self.reason_code = "rejected", event.reason_code
        self.outcome_reason = event.reason

    @apply.register
    def _consolidated(self, event: EvaluationCommentsConsolidated) -> None:
        comments = event.comments
        if isinstance(comments, str):  # erased: every criterion's comment shows the marker
            comments = dict.fromkeys(event.criteria, comments)
        self.consolidated = {**self.consolidated, **comments}

    @apply.register
    def _contracted(self, event: ApplicationContracted) -> None:
        self.status = "contracted"

    @apply.register
    def _declined(self, event: ApplicationDeclined) -> None:
        self.status = "declined"

    @apply.register
    def _award_refused(self, event: ApplicationAwardRefused) -> None:
        self.status, self.reason_code = "award_refused", event.reason_code

    @apply.register
    def _annex_attached(self, event: AnnexAttached) -> None:
        self.annexes[event.code] = Annex(
            event.annex_id,
            event.code,
            event.name,
            event.media_type,
            event.size,
            event.sha256,
            event.attached_at,
        )

    @apply.register
    def _annex_removed(self, event: AnnexRemoved) -> None:
        self.annexes.pop(event.code, None)
