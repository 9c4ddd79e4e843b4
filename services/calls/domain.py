"""Programmes and calls: aggregates that decide on their own events. No I/O."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from services.calls.errors import (
    BudgetBelowCommitted,
    BudgetCutNeedsAmendment,
    BudgetCutPending,
    CallAlreadyClosed,
    CallNotEditable,
    DeadlineNotLater,
    InvalidStatus,
    ProgrammeBudgetExceeded,
    ResultsAlreadyPublished,
    RulesFrozen,
    SelectionNotMade,
)
from services.calls.events import (
    RULES_VERSION,
    CallBudgetAmended,
    CallBudgetCutRefused,
    CallBudgetCutRequested,
    CallCancelled,
    CallClosed,
    CallCommitmentRecorded,
    CallCommitmentReleased,
    CallDeadlineExtended,
    CallDrafted,
    CallOpened,
    CallPublished,
    CallResultsPublished,
    CallSelectionRecorded,
    CallStatus,
    CallTerms,
    CallUpdated,
    DeMinimis,
    Objective,
    ProgrammeBudgetCarved,
    ProgrammeCreated,
)
from services.calls.validation import (
    CallInvalid,
    ProgrammeLimits,
    check_publishable,
    check_terms,
    error,
)
from shared.aggregate import Aggregate
from shared.events import Event

# Terms that decide who may be funded, how they are scored and what they hand in:
# frozen once a call opens, so every applicant is judged by the rules and fills in
# the form published when it opened.
FROZEN_WHEN_OPEN = frozenset(
    {
        "eligibility",
        "criteria",
        "pass_threshold",
        "form",
        "required_annexes",
        "required_declarations",
    }
)
EDITABLE: frozenset[CallStatus] = frozenset({"draft", "published", "open"})


class Programme(Aggregate):
    stream_type = "programme"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.code = self.name = self.currency = ""
        self.budget_cents = self.carved_cents = 0
        self.objectives: tuple[Objective, ...] = ()
        self.per_beneficiary_cap_cents: int | None = None
        self.de_minimis = DeMinimis()
        self.created_at: datetime | None = None
        self.shares: dict[str, int] = {}  # call id -> its budget

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _created(self, event: ProgrammeCreated) -> None:
        self.code, self.name, self.currency = event.code, event.name, event.currency
        self.budget_cents, self.objectives = event.budget_cents, event.objectives
        self.per_beneficiary_cap_cents = event.per_beneficiary_cap_cents
        self.de_minimis, self.created_at = event.de_minimis, event.created_at

    @apply.register
    def _carved(self, event: ProgrammeBudgetCarved) -> None:
        self.shares[event.call_id] = event.call_budget_cents
        self.carved_cents = event.carved_cents

    def create(
        self,
        code: str,
        name: str,
        currency: str,
        budget_cents: int,
        objectives: tuple[Objective, ...],
        per_beneficiary_cap_cents: int | None,
        de_minimis: DeMinimis,
        now: datetime,
    ) -> None:
        cap = per_beneficiary_cap_cents
        if cap is not None and cap > budget_cents:
            raise CallInvalid(
                [
                    error(
                        "per_beneficiary_cap_cents",
                        "the cap per beneficiary exceeds the programme's budget",
                        "cap_above_budget",
                    )
                ]
            )
        self.record(
            ProgrammeCreated(
                programme_id=self.id,
                code=code,
                name=name,
                currency=currency,
                budget_cents=budget_cents,
                objectives=objectives,
                per_beneficiary_cap_cents=cap,
                de_minimis=de_minimis,
                created_at=now,
            )
        )

    @property
    def remaining_cents(self) -> int:
        return self.budget_cents - self.carved_cents

    @property
    def limits(self) -> ProgrammeLimits:
        return ProgrammeLimits(self.objectives, self.per_beneficiary_cap_cents)

    def carve(self, call_id: str, budget_cents: int) -> None:
        """Set a call's share of the budget; the shares never add up to more than it."""
        current = self.shares.get(call_id, 0)
        if budget_cents == current and call_id in self.shares:
            return
        carved = self.carved_cents - current + budget_cents
        if carved > self.budget_cents:
            raise ProgrammeBudgetExceeded(
                f"the call needs {budget_cents} cents but the programme {self.code} has "
                f"{self.remaining_cents + current} cents left for it",
                remaining_cents=self.remaining_cents + current,
            )
        self.record(
            ProgrammeBudgetCarved(
                programme_id=self.id,
                call_id=call_id,
                call_budget_cents=budget_cents,
                carved_cents=carved,
            )
        )


class Call(Aggregate):
    stream_type = "call"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.programme_id = self.currency = ""
        self.rules_version = RULES_VERSION
        self.terms: CallTerms | None = None
        self.status: CallStatus = "draft"
        self.committed_cents = 0
        self.grants: set[str] = set()
        self.released_grants: set[str] = set()
        self.drafted_at: datetime | None = None
        self.published_at: datetime | None = None
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.closed_cause: str | None = None
        self.cancelled_at: datetime | None = None
        self.pending_cut: CallBudgetCutRequested | None = None
        self.selection: CallSelectionRecorded | None = None
        self.results: CallResultsPublished | None = None

    @property
    def t(self) -> CallTerms:
        assert self.terms is not None, "a call has terms from its first event"
        return self.terms

    # --- decisions ---------------------------------------------------------------

    def draft(self, programme: Programme, terms: CallTerms, now: datetime) -> None:
        _refuse_invalid(terms, programme)
        programme.carve(self.id, terms.budget_cents)
        self.record(
            CallDrafted(
                call_id=self.id,
                programme_id=programme.id,
                currency=programme.currency,
                rules_version=RULES_VERSION,
                terms=terms,
                drafted_at=now,
            )
        )

    def edit(self, programme: Programme, terms: CallTerms, now: datetime) -> None:
        changed = tuple(
            name for name in CallTerms.model_fields if getattr(terms, name) != getattr(self.t, name)
        )
        if self.status not in EDITABLE:
            raise CallNotEditable(f"a {self.status} call cannot be edited")
        if self.status == "open":
            frozen = sorted(FROZEN_WHEN_OPEN.intersection(changed))
            if frozen:
                raise RulesFrozen(
                    f"{', '.join(frozen)} are frozen once the call is open", fields=frozen
                )
            if changed:
                raise CallNotEditable(
                    "an open call changes only by extend-deadline, amend-budget or close"
                )
        if not changed:
            return
        if "budget_cents" in changed:
            self._refuse_pending_cut()
            if self.status != "draft" and terms.budget_cents < self.t.budget_cents:
                raise BudgetCutNeedsAmendment(
                    "a published call's budget is cut by amend-budget, which the payments "
                    "service confirms"
                )
        _refuse_invalid(terms, programme, now if self.status == "published" else None)
        programme.carve(self.id, terms.budget_cents)
        self.record(CallUpdated(call_id=self.id, terms=terms, changed=changed))
        self.advance(now)

    def publish(self, now: datetime) -> None:
        self._require("publish", "draft")
        problems = check_publishable(self.t, now)
        if problems:
            raise CallInvalid(problems)
        self.record(CallPublished(call_id=self.id, published_at=now))
        self.advance(now)

    def advance(self, now: datetime) -> None:
        """Open and close as the call's instants have come (also both, after downtime)."""
        if self.status == "published" and self.t.opens_at <= now:
            self.record(CallOpened(call_id=self.id, opened_at=now, scheduled_for=self.t.opens_at))
        if self.status == "open" and self.t.closes_at <= now:
            self.record(CallClosed(call_id=self.id, closed_at=now, cause="deadline"))

    def extend_deadline(self, closes_at: datetime, reason: str, now: datetime) -> None:
        if self.status == "closed" or (self.status == "open" and self.t.closes_at <= now):
            raise CallAlreadyClosed("the call has closed: its deadline cannot move")
        self._require("extend the deadline of", "published", "open")
        if closes_at <= self.t.closes_at:
            raise DeadlineNotLater(f"the new deadline must be later than {self.t.closes_at}")
        self.record(
            CallDeadlineExtended(
                call_id=self.id,
                previous_closes_at=self.t.closes_at,
                closes_at=closes_at,
                reason=reason,
            )
        )

    def amend_budget(
        self, programme: Programme, budget_cents: int, reason: str, request_id: str
    ) -> None:
        """Raise the budget, or cut a draft's, at once. A cut of a call that may hold
        money is a request (`CallBudgetCutRequested`) that the payments service,
        which commits money, confirms or refuses: this service may not yet have
        heard of every commitment."""
        self._require("amend the budget of", "draft", "published", "open", "closed")
        self._refuse_pending_cut()
        if budget_cents < self.committed_cents:
            raise BudgetBelowCommitted(
                f"{self.committed_cents} cents are already committed",
                committed_cents=self.committed_cents,
            )
        terms = self.t.model_copy(update={"budget_cents": budget_cents})
        _refuse_invalid(terms, programme)
        if budget_cents < self.t.budget_cents and self.status != "draft":
            self.record(
                CallBudgetCutRequested(
                    call_id=self.id,
                    request_id=request_id,
                    previous_budget_cents=self.t.budget_cents,
                    budget_cents=budget_cents,
                    reason=reason,
                )
            )
            return
        programme.carve(self.id, budget_cents)
        self.record(
            CallBudgetAmended(
                call_id=self.id,
                previous_budget_cents=self.t.budget_cents,
                budget_cents=budget_cents,
                reason=reason,
            )
        )

    def confirm_cut(self, programme: Programme, request_id: str) -> None:
        """Payments confirmed the pending cut: the budget and the programme's share
        follow (nothing when the request is not the pending one: a replay)."""
        cut = self.pending_cut
        if cut is None or cut.request_id != request_id:
            return
        if self.status != "cancelled":  # a cancelled call's share is already 0
            programme.carve(self.id, cut.budget_cents)
        self.record(
            CallBudgetAmended(
                call_id=self.id,
                previous_budget_cents=self.t.budget_cents,
                budget_cents=cut.budget_cents,
                reason=cut.reason,
            )
        )

    def refuse_cut(self, request_id: str, committed_cents: int, reason: str) -> None:
        cut = self.pending_cut
        if cut is None or cut.request_id != request_id:
            return
        self.record(
            CallBudgetCutRefused(
                call_id=self.id,
                request_id=request_id,
                budget_cents=cut.budget_cents,
                committed_cents=committed_cents,
                reason=reason,
            )
        )

    def _refuse_pending_cut(self) -> None:
        if self.pending_cut is not None:
            raise BudgetCutPending(
                f"a cut to {self.pending_cut.budget_cents} cents awaits the payments "
                "service's answer",
                pending_budget_cents=self.pending_cut.budget_cents,
            )

    def close_early(self, reason: str, now: datetime) -> None:
        self._require("close", "open")
        self.record(CallClosed(call_id=self.id, closed_at=now, cause="early", reason=reason))

    def close_exhausted(self, now: datetime) -> None:
        """A first-come-first-served call closes once its budget is used up."""
        if self.status == "open" and self.t.selection_mode == "first_come_first_served":
            self.record(CallClosed(call_id=self.id, closed_at=now, cause="budget_exhausted"))

    def cancel(self, programme: Programme, reason: str, now: datetime) -> None:
        self._require("cancel", "draft", "published", "open")
        programme.carve(self.id, 0)
        self.record(
            CallCancelled(
                call_id=self.id, cancelled_at=now, previous_status=self.status, reason=reason
            )
        )

    def record_commitment(self, grant_id: str, application_id: str, amount_cents: int) -> None:
        if grant_id in self.grants:
            return  # the same grant reported twice commits once
        self.record(
            CallCommitmentRecorded(
                call_id=self.id,
                grant_id=grant_id,
                application_id=application_id,
                amount_cents=amount_cents,
                committed_cents=self.committed_cents + amount_cents,
            )
        )

    def release_commitment(self, grant_id: str, released_cents: int) -> None:
        if grant_id in self.released_grants or grant_id not in self.grants:
            return  # reported twice, or of a grant this call never committed
        self.record(
            CallCommitmentReleased(
                call_id=self.id,
                grant_id=grant_id,
                released_cents=released_cents,
                committed_cents=max(0, self.committed_cents - released_cents),
            )
        )

    # --- results ----------------------------------------------------------------

    def record_selection(
        self, ranking_version: int, selected: int, reserved: int, rejected: int, now: datetime
    ) -> None:
        """Applications selected down the ranking (nothing new on a replay)."""
        if self.selection is not None and self.selection.ranking_version >= ranking_version:
            return
        self.record(
            CallSelectionRecorded(
                call_id=self.id,
                ranking_version=ranking_version,
                selected=selected,
                reserved=reserved,
                rejected=rejected,
                recorded_at=now,
            )
        )

    def publish_results(self, now: datetime) -> None:
        """Results are published once, after selection; the review window opens."""
        if self.status == "results_published" or self.results is not None:
            raise ResultsAlreadyPublished("the call's results are already published")
        if self.selection is None:
            raise SelectionNotMade(
                "the call's applications are not yet selected (or this service has not "
                "heard of it yet)",
                call_status=self.status,
            )
        days = self.t.review_request_days
        self.record(
            CallResultsPublished(
                call_id=self.id,
                published_at=now,
                review_request_days=days,
                review_requests_until=now + timedelta(days=days),
            )
        )

    def _require(self, action: str, *statuses: CallStatus) -> None:
        if self.status not in statuses:
            error = CallAlreadyClosed if self.status == "closed" else InvalidStatus
            raise error(f"cannot {action} a {self.status} call", call_status=self.status)

    # --- state -------------------------------------------------------------------

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _drafted(self, event: CallDrafted) -> None:
        self.programme_id, self.currency = event.programme_id, event.currency
        self.rules_version, self.terms = event.rules_version, event.terms
        self.drafted_at = event.drafted_at

    @apply.register
    def _updated(self, event: CallUpdated) -> None:
        self.terms = event.terms

    @apply.register
    def _published(self, event: CallPublished) -> None:
        self.status, self.published_at = "published", event.published_at

    @apply.register
    def _opened(self, event: CallOpened) -> None:
        self.status, self.opened_at = "open", event.opened_at

    @apply.register
    def _extended(self, event: CallDeadlineExtended) -> None:
        self.terms = self.t.model_copy(update={"closes_at": event.closes_at})

    @apply.register
    def _amended(self, event: CallBudgetAmended) -> None:
        self.terms = self.t.model_copy(update={"budget_cents": event.budget_cents})
        self.pending_cut = None

    @apply.register
    def _cut_requested(self, event: CallBudgetCutRequested) -> None:
        self.pending_cut = event

    @apply.register
    def _cut_refused(self, event: CallBudgetCutRefused) -> None:
        self.pending_cut = None

    @apply.register
    def _closed(self, event: CallClosed) -> None:
        self.status, self.closed_at, self.closed_cause = "closed", event.closed_at, event.cause

    @apply.register
    def _cancelled(self, event: CallCancelled) -> None:
        self.status, self.cancelled_at = "cancelled", event.cancelled_at

    @apply.register
    def _selection(self, event: CallSelectionRecorded) -> None:
        self.selection = event

    @apply.register
    def _results(self, event: CallResultsPublished) -> None:
        self.status, self.results = "results_published", event

    @apply.register
    def _committed(self, event: CallCommitmentRecorded) -> None:
        self.grants.add(event.grant_id)
        self.committed_cents = event.committed_cents

    @apply.register
    def _released(self, event: CallCommitmentReleased) -> None:
        self.released_grants.add(event.grant_id)
        self.committed_cents = event.committed_cents


def _refuse_invalid(terms: CallTerms, programme: Programme, now: datetime | None = None) -> None:
    problems = check_terms(terms, programme.limits)
    if now is not None:
        problems += check_publishable(terms, now)
    if problems:
        raise CallInvalid(problems)
