"""The applications service's public contract: the events it publishes on
`applications.events`.

Every event about an application names its call and programme, and the events
that decide money (selection, contracting) carry the organisation's country,
size and identifiers, the objectives and the amounts, so reporting and payments
need nothing else. Free text written by people (names of persons, comments,
reasons typed by a user) is personal data: each event lists such fields in
`personal_fields`, sealed with their data subject's key when stored; the ids of
people (`sub`s) are in `subject_fields`, kept clear (docs/PERSONAL_DATA.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.erasure_events import erasure_event
from shared.events import Event, event
from shared.values import Cents, Instant

Size = Literal["micro", "small", "medium", "large"]
Objective = Literal["network", "innovate", "adopt", "train", "go_international"]
ApplicationStatus = Literal[
    "draft",
    "submitted",
    "eligible",
    "ineligible",
    "under_evaluation",
    "evaluated",
    "selected",
    "reserve",
    "rejected",
    "contracted",
    "declined",
    "withdrawn",
    "award_refused",
]


class Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrganisationRef(Data):
    """An organisation as it stood when an event about its application was recorded."""

    organisation_id: str
    name: str
    country: str
    size: Size
    pic: str | None = None
    vat_id: str | None = None


class RuleOutcome(Data):
    """One eligibility rule of the call, evaluated: `reason` says why, for a person."""

    type: str
    description: str
    passed: bool
    reason: str


@event("applications.CallBudgetExhausted")
class CallBudgetExhausted(Event):
    """A first-come-first-served call has no budget left for another eligible
    submission: later ones go to its reserve list while the list has room."""

    call_id: str
    committed_cents: Cents
    budget_cents: Cents
    exhausted_at: Instant


@event("applications.CallReserveListFull")
class CallReserveListFull(Event):
    """A first-come-first-served call's budget is used up and its reserve list is
    full: the applications service refuses later submissions (`call_closed`), and
    the calls service closes the call."""

    call_id: str
    reserved: int
    reserve_limit: int
    full_at: Instant


# --- organisations and evaluators ---------------------------------------------------


@event("applications.OrganisationRegistered")
class OrganisationRegistered(Event):
    """A legal person applying for funding; `registered_by` (the first member) is personal."""

    subject_fields = frozenset({"registered_by"})
    organisation_id: str
    name: str
    country: str
    size: Size
    pic: str | None
    vat_id: str | None
    registered_on: date
    tags: tuple[str, ...]
    registered_by: str
    registered_at: Instant


@event("applications.OrganisationMemberAdded")
class OrganisationMemberAdded(Event):
    subject_fields = frozenset({"member_sub"})
    organisation_id: str
    member_sub: str
    added_at: Instant


@event("applications.EvaluatorRegistered")
class EvaluatorRegistered(Event):
    personal_fields = frozenset({"name"})
    personal_subjects = {"name": "sub"}
    subject_fields = frozenset({"sub"})
    evaluator_id: str
    sub: str
    name: str
    conflicts: tuple[str, ...]  # organisation ids
    registered_at: Instant
    # ISO 3166-1 alpha-2; absent in older events. Panels may ask for distinct ones.
    nationality: str | None = None


@event("applications.ConflictDeclared")
class ConflictDeclared(Event):
    evaluator_id: str
    organisation_id: str
    declared_at: Instant


# --- applications -------------------------------------------------------------------


Answers = dict[str, Any]
"""A form's answers (a JSON object); `personal_answers` holds the ones the form
marks `x-personal`, by JSON pointer, out of `answers` (shared/forms.py). Once its
author is erased, `personal_answers` reads as the erased marker (a string), and
`personal_pointers` (clear: places in the form, not answers) says where they were."""


@event("applications.ApplicationDrafted")
class ApplicationDrafted(Event):
    """`title`, `summary` and the personal answers are written by the applicant: personal."""

    personal_fields = frozenset({"title", "summary", "personal_answers"})
    application_id: str
    call_id: str
    programme_id: str
    lead_organisation_id: str
    partner_organisation_ids: tuple[str, ...]
    title: str
    summary: str
    requested_cents: Cents
    trl: int
    objectives: tuple[Objective, ...]
    drafted_at: Instant
    answers: Answers = {}
    personal_answers: Answers | str = {}
    personal_pointers: tuple[str, ...] = ()


@event("applications.ApplicationEdited")
class ApplicationEdited(Event):
    """The draft's editable fields after the edit, whole."""

    personal_fields = frozenset({"title", "summary", "personal_answers"})
    application_id: str
    partner_organisation_ids: tuple[str, ...]
    title: str
    summary: str
    requested_cents: Cents
    trl: int
    objectives: tuple[Objective, ...]
    answers: Answers = {}
    personal_answers: Answers | str = {}
    personal_pointers: tuple[str, ...] = ()


DeclarationCode = Literal["no_double_funding", "no_exclusion_situation", "sme_status"]
SmeCategory = Literal["micro", "small", "medium"]


class SmeFigures(Data):
    """The SME self-assessment (Commission Recommendation 2003/361/EC): staff
    headcount in annual work units, and the annual turnover or the balance sheet
    total in euro cents (at least one of the two)."""

    headcount: int = Field(ge=0, le=10_000_000, strict=True)
    annual_turnover_cents: Cents | None = None
    balance_sheet_total_cents: Cents | None = None


@event("applications.DeclarationMade")
class DeclarationMade(Event):
    """A member of the lead organisation declared on honour, for the application;
    a later declaration of the same code replaces it. `sme_category` is what the
    figures of an `sme_status` declaration make the organisation."""

    subject_fields = frozenset({"declared_by"})
    declaration_id: str
    application_id: str
    call_id: str
    organisation_id: str
    code: DeclarationCode
    figures: SmeFigures | None = None
    sme_category: SmeCategory | None = None
    declared_by: str
    declared_at: Instant


class Arrival(Data):
    """When and where a submission entered the service, before it waited for
    anything: `sequence` counts the arrivals at `instance` since it started, so
    an auditor can replay who came first at each instance."""

    instance: str
    sequence: int
    arrived_at: Instant


@event("applications.ApplicationSubmitted")
class ApplicationSubmitted(Event):
    """`receipt` is the application's place in the order of receipt within its call;
    `arrival` says when it entered the service (absent in older events)."""

    application_id: str
    call_id: str
    programme_id: str
    lead: OrganisationRef
    partners: tuple[OrganisationRef, ...]
    requested_cents: Cents
    trl: int
    objectives: tuple[Objective, ...]
    receipt: int
    submitted_at: Instant
    arrival: Arrival | None = None


@event("applications.EligibilityAssessed")
class EligibilityAssessed(Event):
    application_id: str
    call_id: str
    eligible: bool
    rules_version: int
    outcomes: tuple[RuleOutcome, ...]
    assessed_at: Instant


@event("applications.EvaluatorAssigned")
class EvaluatorAssigned(Event):
    assignment_id: str
    application_id: str
    call_id: str
    evaluator_id: str
    # `re_evaluation`: after an upheld review, by evaluators who had not scored it.
    cause: Literal["initial", "divergence", "replacement", "re_evaluation"]
    assigned_at: Instant


@event("applications.AssignmentAccepted")
class AssignmentAccepted(Event):
    assignment_id: str
    application_id: str
    evaluator_id: str
    accepted_at: Instant


@event("applications.AssignmentDeclined")
class AssignmentDeclined(Event):
    personal_fields = frozenset({"reason"})
    assignment_id: str
    application_id: str
    evaluator_id: str
    reason: str
    declined_at: Instant


@event("applications.EvaluationSubmitted")
class EvaluationSubmitted(Event):
    personal_fields = frozenset({"comment"})
    application_id: str
    call_id: str
    assignment_id: str
    evaluator_id: str
    scores: dict[str, float]
    total: float  # the weighted mean of this evaluator's scores
    comment: str
    submitted_at: Instant


@event("applications.ApplicationRanked")
class ApplicationRanked(Event):
    application_id: str
    call_id: str
    rank: int | None  # None when rejected
    score: float
    criterion_scores: dict[str, float]
    passed: bool
    reason: str
    ranked_at: Instant


class Award(Data):
    """The money side of a decision: who, where, how much, for what."""

    call_id: str
    programme_id: str
    organisation: OrganisationRef
    objectives: tuple[Objective, ...]
    requested_cents: Cents
    amount_cents: Cents


@event("applications.ApplicationSelected")
class ApplicationSelected(Event):
    """`cause`: `first_come_first_served`, `ranking`, `promoted` from the reserve
    list after another selected application freed `freed_by`'s budget, or
    `re_evaluation` after an upheld review."""

    application_id: str
    award: Award
    cause: Literal["first_come_first_served", "ranking", "promoted", "re_evaluation"]
    reason: str
    freed_by: str | None = None
    score: float | None = None
    committed_cents: Cents  # the call's selected total after this one
    selected_at: Instant


@event("applications.ApplicationReserved")
class ApplicationReserved(Event):
    application_id: str
    call_id: str
    reason_code: Literal["budget_exhausted", "below_budget_line", "beneficiary_limit"]
    reason: str
    reserve_rank: int | None = None
    reserved_at: Instant


@event("applications.ApplicationRejected")
class ApplicationRejected(Event):
    application_id: str
    call_id: str
    reason_code: str
    reason: str
    rejected_at: Instant


@event("applications.ApplicationContracted")
class ApplicationContracted(Event):
    """The agreement is signed: payments turns it into a grant."""

    application_id: str
    call_id: str
    programme_id: str
    organisation: OrganisationRef
    objectives: tuple[Objective, ...]
    amount_cents: Cents
    contracted_at: Instant


@event("applications.ApplicationDeclined")
class ApplicationDeclined(Event):
    personal_fields = frozenset({"reason"})
    application_id: str
    call_id: str
    amount_cents: Cents  # the budget freed
    reason: str
    declined_at: Instant


@event("applications.ApplicationWithdrawn")
class ApplicationWithdrawn(Event):
    application_id: str
    call_id: str
    previous_status: ApplicationStatus
    freed_cents: Cents
    withdrawn_at: Instant


@event("applications.ApplicationAwardRefused")
class ApplicationAwardRefused(Event):
    """Payments refused the grant (`GrantRefused`): the application's budget is freed."""

    application_id: str
    call_id: str
    amount_cents: Cents
    reason_code: str
    reason: str
    refused_at: Instant


@event("applications.PartnerInvited")
class PartnerInvited(Event):
    """A member of the lead organisation asked a partner named on the application
    to join it: the partner consents by accepting."""

    invitation_id: str
    application_id: str
    call_id: str
    lead_organisation_id: str
    organisation_id: str  # the partner invited
    invited_by: str
    invited_at: Instant


@event("applications.PartnerInvitationAccepted")
class PartnerInvitationAccepted(Event):
    """A member of the partner organisation consented to the application naming it."""

    invitation_id: str
    application_id: str
    organisation_id: str
    accepted_by: str
    accepted_at: Instant


# --- annexes ------------------------------------------------------------------------


@event("applications.AnnexAttached")
class AnnexAttached(Event):
    """A file joined a draft as one of the annexes its call requires. Its bytes are
    in the service's file store under `sha256`: the hash proves which bytes were
    handed in. `replaces`: the annex of the same code it took the place of."""

    personal_fields = frozenset({"name"})
    personal_subjects = {"name": "attached_by"}
    subject_fields = frozenset({"attached_by"})
    annex_id: str
    application_id: str
    call_id: str
    code: str
    name: str
    media_type: str
    size: int
    sha256: str
    replaces: str | None = None
    attached_by: str
    attached_at: Instant


@event("applications.AnnexRemoved")
class AnnexRemoved(Event):
    """An annex taken off a draft (its bytes stay in the file store)."""

    subject_fields = frozenset({"removed_by"})
    annex_id: str
    application_id: str
    code: str
    sha256: str
    removed_by: str
    removed_at: Instant


# --- the call's evaluation panel, results and redress ----------------------------------


@event("applications.CallPanelAppointed")
class CallPanelAppointed(Event):
    """The programme manager appointed the call's panel: assignment draws only
    from it, with at least `min_distinct_nationalities` per application."""

    call_id: str
    evaluator_ids: tuple[str, ...]
    min_distinct_nationalities: int
    appointed_at: Instant


class RankingEntry(Data):
    """One application in a version of the call's ranking, with its outcome then."""

    application_id: str
    rank: int | None  # None when rejected
    score: float
    status: ApplicationStatus
    reserve_rank: int | None = None


@event("applications.RankingVersionRecorded")
class RankingVersionRecorded(Event):
    """A version of the call's ranking, never rewritten: 1 as selected, then one
    more each time a re-evaluation after a review changes an outcome
    (`review_request_id` names it). `application_ids` lists every application
    in it, so each one's audit trail shows every version it was ranked in."""

    call_id: str
    version: int
    cause: Literal["selection", "re_evaluation"]
    review_request_id: str | None = None
    application_ids: tuple[str, ...]
    entries: tuple[RankingEntry, ...]
    recorded_at: Instant


@event("applications.CallSelectionCompleted")
class CallSelectionCompleted(Event):
    """The call's applications were selected down its ranking: the calls service
    may publish the results."""

    call_id: str
    ranking_version: int
    selected: int
    reserved: int
    rejected: int
    committed_cents: Cents
    completed_at: Instant


@event("applications.EvaluationCommentsConsolidated")
class EvaluationCommentsConsolidated(Event):
    """The programme manager's comment on each criterion, consolidated from the
    evaluators' comments: what the evaluation summary report shows."""

    personal_fields = frozenset({"comments"})
    application_id: str
    call_id: str
    # criterion code -> comment; the erased marker (a string) once its author is erased
    comments: dict[str, str] | str
    criteria: tuple[str, ...] = ()  # the criteria commented on (clear: codes of the call)
    consolidated_at: Instant


ReviewState = Literal["requested", "dismissed", "upheld", "re_evaluated"]


@event("applications.ReviewRequested")
class ReviewRequested(Event):
    """A member of the lead organisation of a rejected or reserve application
    asked, once and within the call's review window, for a review of its
    evaluation; `ranking_version` is the ranking it contests."""

    personal_fields = frozenset({"grounds"})
    subject_fields = frozenset({"requested_by"})
    review_request_id: str
    application_id: str
    call_id: str
    programme_id: str
    outcome: Literal["rejected", "reserve"]
    reserve_rank: int | None = None
    ranking_version: int
    grounds: str
    requested_by: str
    requested_at: Instant


@event("applications.ReviewDecided")
class ReviewDecided(Event):
    """A reviewer, independent of the application's evaluators, decided:
    `upheld` sends the application to re-evaluation by evaluators of the panel
    who have not scored it (`re_evaluators`)."""

    personal_fields = frozenset({"reasons"})
    subject_fields = frozenset({"decided_by"})
    review_request_id: str
    application_id: str
    call_id: str
    outcome: Literal["upheld", "dismissed"]
    reasons: str
    decided_by: str
    re_evaluators: int = 0
    decided_at: Instant


@event("applications.ReEvaluationCompleted")
class ReEvaluationCompleted(Event):
    """The re-evaluation after an upheld review is scored: its outcome, and the
    new version of the ranking when the outcome changed (None when it did not)."""

    review_request_id: str
    application_id: str
    call_id: str
    score: float
    passed: bool
    previous_status: ApplicationStatus
    status: ApplicationStatus
    reserve_rank: int | None = None
    outcome_changed: bool
    ranking_version: int | None = None
    completed_at: Instant


DataSubjectErased = erasure_event("applications")
