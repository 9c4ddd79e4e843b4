"""Applications: the aggregate that decides on its own events, from draft to
contract, evaluation and selection included. No I/O. (Its state is rebuilt in
`application_state`; organisations live in `organisations`; the evaluation
panel's state in `panel`; the call's money in `call_money`.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from services.applications.annexes import Annex
from services.applications.application_state import ApplicationState
from services.applications.errors import (
    AlreadyContracted,
    AlreadySubmitted,
    DuplicateMember,
    NotADraft,
    NotSelectable,
    NotSelected,
    NotUnderEvaluation,
    NotWithdrawable,
)
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
    Arrival,
    Award,
    DeclarationMade,
    EligibilityAssessed,
    EvaluationSubmitted,
    EvaluatorAssigned,
    Objective,
    OrganisationRef,
    RuleOutcome,
)
from services.applications.organisations import Organisation
from services.applications.scoring import Ranked
from shared.errors import NotFound

__all__ = ["Application", "Organisation"]
WITHDRAWABLE: frozenset[ApplicationStatus] = frozenset(
    {
        "draft",
        "submitted",
        "eligible",
        "ineligible",
        "under_evaluation",
        "evaluated",
        "selected",
        "reserve",
        "rejected",
    }
)
Cause = Literal["initial", "divergence", "replacement", "re_evaluation"]
ReserveCode = Literal["below_budget_line", "beneficiary_limit"]


class Application(ApplicationState):
    """An application and every decision on it; each records the events that say
    what happened."""

    # --- the applicant -----------------------------------------------------------

    def draft(
        self,
        call_id: str,
        programme_id: str,
        lead_organisation_id: str,
        partners: tuple[str, ...],
        title: str,
        summary: str,
        requested_cents: int,
        trl: int,
        objectives: tuple[Objective, ...],
        now: datetime,
        answers: Answers | None = None,
        personal_answers: Answers | None = None,
    ) -> None:
        _distinct_members(lead_organisation_id, partners)
        self.record(
            ApplicationDrafted(
                application_id=self.id,
                call_id=call_id,
                programme_id=programme_id,
                lead_organisation_id=lead_organisation_id,
                partner_organisation_ids=partners,
                title=title,
                summary=summary,
                requested_cents=requested_cents,
                trl=trl,
                objectives=objectives,
                drafted_at=now,
                answers=answers or {},
                personal_answers=personal_answers or {},
                personal_pointers=tuple(sorted(personal_answers or {})),
            )
        )

    def edit(
        self,
        partners: tuple[str, ...],
        title: str,
        summary: str,
        requested_cents: int,
        trl: int,
        objectives: tuple[Objective, ...],
        answers: Answers | None = None,
        personal_answers: Answers | None = None,
    ) -> None:
        """Edit the draft; answers None keep the answers as they are."""
        self.require_draft("edit")
        if answers is None:
            answers, personal_answers = self.stored_answers
        _distinct_members(self.lead_organisation_id, partners)
        self.record(
            ApplicationEdited(
                application_id=self.id,
                partner_organisation_ids=partners,
                title=title,
                summary=summary,
                requested_cents=requested_cents,
                trl=trl,
                objectives=objectives,
                answers=answers,
                personal_answers=personal_answers or {},
                personal_pointers=tuple(sorted(personal_answers or {})),
            )
        )

    def declare(self, declaration: DeclarationMade) -> None:
        """A declaration on honour (`declarations.declaration` decided it), while drafted."""
        self.require_draft("declare on")
        self.record(declaration)

    def submit(
        self,
        lead: OrganisationRef,
        partners: tuple[OrganisationRef, ...],
        receipt: int,
        outcomes: tuple[RuleOutcome, ...],
        rules_version: int,
        now: datetime,
        arrival: Arrival | None = None,
    ) -> None:
        self.require_draft("submit")
        self.record(
            ApplicationSubmitted(
                application_id=self.id,
                call_id=self.call_id,
                programme_id=self.programme_id,
                lead=lead,
                partners=partners,
                requested_cents=self.requested_cents,
                trl=self.trl,
                objectives=self.objectives,
                receipt=receipt,
                submitted_at=now,
                arrival=arrival,
            )
        )
        self.record(
            EligibilityAssessed(
                application_id=self.id,
                call_id=self.call_id,
                eligible=all(o.passed for o in outcomes),
                rules_version=rules_version,
                outcomes=outcomes,
                assessed_at=now,
            )
        )

    def withdraw(self, now: datetime) -> int:
        """Withdraw; the selected amount this frees (0 if none)."""
        if self.status == "contracted":
            raise AlreadyContracted(
                "the agreement is signed: a contracted application cannot be withdrawn"
            )
        if self.status not in WITHDRAWABLE:
            raise NotWithdrawable(
                f"a {self.status} application cannot be withdrawn", application_status=self.status
            )
        freed = self.amount_cents if self.status == "selected" else 0
        self.record(
            ApplicationWithdrawn(
                application_id=self.id,
                call_id=self.call_id,
                previous_status=self.status,
                freed_cents=freed,
                withdrawn_at=now,
            )
        )
        return freed

    def attach_annex(
        self,
        annex_id: str,
        code: str,
        name: str,
        media_type: str,
        size: int,
        sha256: str,
        by: str,
        now: datetime,
    ) -> Annex:
        """The annex now attached under `code`: a new one, taking the place of the
        one attached before, or that one when it is the same file (nothing recorded)."""
        self.require_draft("attach an annex to")
        current = self.annexes.get(code)
        if current is not None and current.same_file(name, media_type, sha256):
            return current
        self.record(
            AnnexAttached(
                annex_id=annex_id,
                application_id=self.id,
                call_id=self.call_id,
                code=code,
                name=name,
                media_type=media_type,
                size=size,
                sha256=sha256,
                replaces=current.id if current else None,
                attached_by=by,
                attached_at=now,
            )
        )
        return self.annexes[code]

    def remove_annex(self, annex_id: str, by: str, now: datetime) -> Annex:
        self.require_draft("remove an annex from")
        annex = next((a for a in self.annexes.values() if a.id == annex_id), None)
        if annex is None:
            raise NotFound(f"application {self.id} has no annex {annex_id}")
        self.record(
            AnnexRemoved(
                annex_id=annex.id,
                application_id=self.id,
                code=annex.code,
                sha256=annex.sha256,
                removed_by=by,
                removed_at=now,
            )
        )
        return annex

    def require_draft(self, action: str) -> None:
        if self.status != "draft":
            error = AlreadySubmitted if action == "submit" else NotADraft
            raise error(
                f"cannot {action} a {self.status} application", application_status=self.status
            )

    # --- first come, first served ------------------------------------------------

    def select_on_receipt(self, amount_cents: int, committed_cents: int, now: datetime) -> None:
        """First come, first served: funded at once."""
        assert self.status == "eligible"
        self.record(
            ApplicationSelected(
                application_id=self.id,
                award=self.award(amount_cents),
                cause="first_come_first_served",
                reason=f"eligible, received as number {self.receipt}, and the budget allowed it",
                committed_cents=committed_cents,
                selected_at=now,
            )
        )

    def reserve_for_lack_of_budget(self, available_cents: int, now: datetime) -> None:
        self.record(
            ApplicationReserved(
                application_id=self.id,
                call_id=self.call_id,
                reason_code="budget_exhausted",
                reason=f"eligible, but only {available_cents / 100:,.2f} of the call's budget is "
                f"left for {self.requested_cents / 100:,.2f} requested",
                reserved_at=now,
            )
        )

    def reserve_over_beneficiary_limit(self, reason: str, now: datetime) -> None:
        self.record(
            ApplicationReserved(
                application_id=self.id,
                call_id=self.call_id,
                reason_code="beneficiary_limit",
                reason=reason,
                reserved_at=now,
            )
        )

    # --- evaluation and ranking --------------------------------------------------

    def assign(self, assignment_id: str, evaluator_id: str, cause: Cause, now: datetime) -> None:
        reviewed = cause == "re_evaluation" or self.panel.re_evaluating
        if self.status not in ("eligible", "under_evaluation") and not reviewed:
            raise NotUnderEvaluation(
                f"a {self.status} application is not evaluated", application_status=self.status
            )
        self.record(
            EvaluatorAssigned(
                assignment_id=assignment_id,
                application_id=self.id,
                call_id=self.call_id,
                evaluator_id=evaluator_id,
                cause=cause,
                assigned_at=now,
            )
        )

    def accept_assignment(self, assignment_id: str, evaluator_id: str, now: datetime) -> None:
        self.record(self.panel.accepted(assignment_id, self.id, evaluator_id, now))

    def decline_assignment(
        self, assignment_id: str, evaluator_id: str, reason: str, now: datetime
    ) -> None:
        self.record(self.panel.declined(assignment_id, self.id, evaluator_id, reason, now))

    def evaluate(
        self,
        evaluator_id: str,
        scores: Mapping[str, float],
        total: float,
        comment: str,
        now: datetime,
    ) -> str:
        """Record the evaluator's scores (already checked against the call): the
        assignment id."""
        if self.status != "under_evaluation" and not self.panel.re_evaluating:
            raise NotUnderEvaluation(
                f"a {self.status} application takes no more evaluations",
                application_status=self.status,
            )
        seat = self.panel.scoring_seat(evaluator_id)
        self.record(
            EvaluationSubmitted(
                application_id=self.id,
                call_id=self.call_id,
                assignment_id=seat.assignment_id,
                evaluator_id=evaluator_id,
                scores=dict(scores),
                total=total,
                comment=comment,
                submitted_at=now,
            )
        )
        return seat.assignment_id

    def rank(self, ranked: Ranked, now: datetime) -> None:
        self.record(
            ApplicationRanked(
                application_id=self.id,
                call_id=self.call_id,
                rank=ranked.rank,
                score=ranked.score,
                criterion_scores=ranked.criterion_scores,
                passed=ranked.passed,
                reason=ranked.reason,
                ranked_at=now,
            )
        )
        if not ranked.passed:
            self.record(
                ApplicationRejected(
                    application_id=self.id,
                    call_id=self.call_id,
                    reason_code="below_threshold",
                    reason=ranked.reason,
                    rejected_at=now,
                )
            )

    def select(
        self,
        amount_cents: int,
        committed_cents: int,
        reason: str,
        now: datetime,
        freed_by: str | None = None,
        re_evaluated: bool = False,
    ) -> None:
        """Selected down the ranking, promoted from the reserve list (`freed_by`),
        or after the re-evaluation an upheld review sent it to."""
        if self.status not in ("evaluated", "reserve"):
            raise NotSelectable(
                f"a {self.status} application cannot be selected", application_status=self.status
            )
        self.record(
            ApplicationSelected(
                application_id=self.id,
                award=self.award(amount_cents),
                cause="re_evaluation"
                if re_evaluated
                else ("ranking" if freed_by is None else "promoted"),
                reason=reason,
                freed_by=freed_by,
                score=self.ranked.score if self.ranked else None,
                committed_cents=committed_cents,
                selected_at=now,
            )
        )

    def reserve(
        self, reason_code: ReserveCode, reason: str, reserve_rank: int, now: datetime
    ) -> None:
        self.record(
            ApplicationReserved(
                application_id=self.id,
                call_id=self.call_id,
                reason_code=reason_code,
                reason=reason,
                reserve_rank=reserve_rank,
                reserved_at=now,
            )
        )

    # --- the agreement -----------------------------------------------------------

    def sign(self, now: datetime) -> None:
        self._require_selected("signed")
        assert self.lead is not None
        self.record(
            ApplicationContracted(
                application_id=self.id,
                call_id=self.call_id,
                programme_id=self.programme_id,
                organisation=self.lead,
                objectives=self.objectives,
                amount_cents=self.amount_cents,
                contracted_at=now,
            )
        )

    def decline(self, reason: str, now: datetime) -> int:
        """The applicant turns the award down: the amount freed."""
        self._require_selected("declined")
        self.record(
            ApplicationDeclined(
                application_id=self.id,
                call_id=self.call_id,
                amount_cents=self.amount_cents,
                reason=reason,
                declined_at=now,
            )
        )
        return self.amount_cents

    def refuse_award(self, reason_code: str, reason: str, now: datetime) -> int:
        """Payments refused the grant of a contracted application: the amount freed
        (0, and nothing recorded, when the application is not contracted: a replay)."""
        if self.status != "contracted":
            return 0
        self.record(
            ApplicationAwardRefused(
                application_id=self.id,
                call_id=self.call_id,
                amount_cents=self.amount_cents,
                reason_code=reason_code,
                reason=reason,
                refused_at=now,
            )
        )
        return self.amount_cents

    def award(self, amount_cents: int) -> Award:
        assert self.lead is not None
        return Award(
            call_id=self.call_id,
            programme_id=self.programme_id,
            organisation=self.lead,
            objectives=self.objectives,
            requested_cents=self.requested_cents,
            amount_cents=amount_cents,
        )

    def _require_selected(self, action: str) -> None:
        if self.status != "selected":
            raise NotSelected(
                f"only a selected application can be {action}, not a {self.status} one",
                application_status=self.status,
            )


def _distinct_members(lead: str, partners: tuple[str, ...]) -> None:
    if lead in partners or len(set(partners)) != len(partners):
        raise DuplicateMember("an organisation appears more than once in the application")
