"""The calls service's public contract: the events on `calls.events` and the typed,
versioned eligibility rules the applications service evaluates.

Every event carries everything a consumer needs to keep a complete replica of a
programme or a call: a draft or an edit carries the call's whole terms, the
other events the fields they change. Free-text reasons are personal data
(ARCHITECTURE.md), so they are marked as such.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.erasure_events import erasure_event
from shared.events import Event, event
from shared.values import Cents, Instant, JsonDocument

RULES_VERSION = 1
"""The version of the eligibility rule set below: a rule type that changes meaning is a new version."""

Objective = Literal["network", "innovate", "adopt", "train", "go_international"]
OBJECTIVES: tuple[Objective, ...] = ("network", "innovate", "adopt", "train", "go_international")
CallKind = Literal[
    "innovation_voucher", "green_voucher", "demo_project", "services", "prize", "other"
]
SelectionMode = Literal["ranked", "first_come_first_served"]
CallStatus = Literal[
    "draft",
    "published",
    "open",
    "closed",
    "under_evaluation",
    "results_published",
    "closed_out",
    "cancelled",
]
Size = Literal["micro", "small", "medium", "large"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Score = Annotated[float, Field(allow_inf_nan=False)]
T = TypeVar("T")


class Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _distinct(values: tuple[T, ...]) -> tuple[T, ...]:
    if len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values


Distinct = Annotated[tuple[T, ...], AfterValidator(_distinct)]


# --- eligibility rules ------------------------------------------------------------


class ApplicantCountryIn(Data):
    type: Literal["applicant_country_in"] = "applicant_country_in"
    countries: Distinct[CountryCode] = Field(min_length=1)

    def describe(self) -> str:
        return f"The applicant is established in one of: {', '.join(self.countries)}."


class ApplicantSizeIn(Data):
    type: Literal["applicant_size_in"] = "applicant_size_in"
    sizes: Distinct[Size] = Field(min_length=1)

    def describe(self) -> str:
        return f"The applicant is a {' or '.join(self.sizes)} enterprise."


class TrlBetween(Data):
    type: Literal["trl_between"] = "trl_between"
    min: int = Field(ge=1, le=9)
    max: int = Field(ge=1, le=9)

    @model_validator(mode="after")
    def _ordered(self) -> TrlBetween:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self

    def describe(self) -> str:
        return f"The project's technology readiness level is between {self.min} and {self.max}."


class RequestedBetween(Data):
    type: Literal["requested_between"] = "requested_between"
    min_cents: Cents
    max_cents: Cents

    @model_validator(mode="after")
    def _ordered(self) -> RequestedBetween:
        if self.min_cents > self.max_cents:
            raise ValueError("min_cents must not exceed max_cents")
        return self

    def describe(self) -> str:
        return (
            f"The amount requested is between {self.min_cents / 100:,.2f} and "
            f"{self.max_cents / 100:,.2f}."
        )


class Consortium(Data):
    """Members are the lead organisation and its partners."""

    type: Literal["consortium"] = "consortium"
    min_members: int = Field(default=1, ge=1, le=100)
    min_distinct_countries: int = Field(default=1, ge=1, le=100)
    required_tags: Distinct[Tag] = ()

    @model_validator(mode="after")
    def _satisfiable(self) -> Consortium:
        if self.min_distinct_countries > self.min_members:
            raise ValueError("min_distinct_countries cannot exceed min_members")
        return self

    def describe(self) -> str:
        text = (
            f"A consortium of at least {self.min_members} organisations from at least "
            f"{self.min_distinct_countries} different countries"
        )
        if self.required_tags:
            text += (
                f", with at least one member tagged {' and one tagged '.join(self.required_tags)}"
            )
        return text + "."


class OneAwardPerBeneficiaryInProgramme(Data):
    type: Literal["one_award_per_beneficiary_in_programme"] = (
        "one_award_per_beneficiary_in_programme"
    )

    def describe(self) -> str:
        return "An organisation receives at most one award in the programme."


class RegisteredBefore(Data):
    type: Literal["registered_before"] = "registered_before"
    date: date

    def describe(self) -> str:
        return f"The applicant was registered before {self.date.isoformat()}."


AnyRule = (
    ApplicantCountryIn
    | ApplicantSizeIn
    | TrlBetween
    | RequestedBetween
    | Consortium
    | OneAwardPerBeneficiaryInProgramme
    | RegisteredBefore
)
EligibilityRule = Annotated[AnyRule, Field(discriminator="type")]
RULE_TYPES: dict[str, type[AnyRule]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        ApplicantCountryIn,
        ApplicantSizeIn,
        TrlBetween,
        RequestedBetween,
        Consortium,
        OneAwardPerBeneficiaryInProgramme,
        RegisteredBefore,
    )
}


# --- a call's terms -----------------------------------------------------------------


class Criterion(Data):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    title: str = Field(min_length=1, max_length=200)
    weight: Score
    max_score: Score
    threshold: Score = 0


class Instalment(Data):
    label: str = Field(min_length=1, max_length=100)
    percent: int
    trigger: Literal["on_signature", "on_report_approved"]


class DeMinimis(Data):
    ceiling_cents: Cents = 30_000_000
    window_years: int = Field(default=3, ge=1, le=10)
    # The programme's per_beneficiary_cap_cents is also held against the single
    # undertaking (the beneficiary with its linked enterprises), not only the organisation.
    cap_applies_to_undertaking: bool = False


class FundingSource(Data):
    """Where a share of the call's money comes from. Only state resources (national or
    regional money, not a centrally managed EU programme) count as de minimis aid."""

    name: str = Field(min_length=1, max_length=200)
    share_percent: int = Field(ge=1, le=100, strict=True)
    state_resources: bool


# --- what an applicant hands in: the form, the annexes, the declarations -----------

DeclarationCode = Literal["no_double_funding", "no_exclusion_situation", "sme_status"]
"""The declarations on honour a call may require (docs/APPLICATIONS.md says what each means)."""
DECLARATION_CODES: tuple[DeclarationCode, ...] = (
    "no_double_funding",
    "no_exclusion_situation",
    "sme_status",
)
TermCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,39}$")]
MediaType = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$",
        description="type/subtype, lower case, without parameters",
    ),
]
PropertyName = Annotated[str, Field(min_length=1, max_length=100)]


class BudgetTable(Data):
    """Where the form's budget table is among the answers: an array property whose
    rows each carry an amount in cents."""

    property: PropertyName = "budget"
    amount_property: PropertyName = "amount_cents"


class ApplicationForm(Data):
    """The call's application form: a JSON Schema (draft 2020-12) for the answers,
    the optional UI schema frontends render it with (order, labels, help, widgets),
    and where its budget table is. `x-personal: true` on a property marks answers
    holding personal data."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    # `schema` would shadow a BaseModel attribute: the field has another name in Python.
    json_schema: JsonDocument = Field(alias="schema")
    ui_schema: JsonDocument | None = None
    budget_table: BudgetTable | None = None
    # The rows of the budget table add up to exactly the amount requested.
    budget_total_must_equal_requested: bool = False


class RequiredAnnex(Data):
    """A file the applicant uploads before submitting: its allowed types and size."""

    code: TermCode
    title: str = Field(min_length=1, max_length=200)
    media_types: Distinct[MediaType] = Field(min_length=1, max_length=20)
    max_bytes: int = Field(gt=0, le=1024 * 1024 * 1024, strict=True)


class CallTerms(Data):
    """Everything a programme manager decides about a call."""

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    title: str = Field(min_length=1, max_length=300)
    kind: CallKind
    selection_mode: SelectionMode
    budget_cents: Cents
    max_grant_cents: Cents
    min_grant_cents: Cents
    planned_awards: int | None = Field(default=None, ge=1, le=1_000_000)
    opens_at: Instant
    closes_at: Instant
    objectives: Distinct[Objective] = Field(min_length=1)
    eligibility: tuple[EligibilityRule, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    pass_threshold: Score = 0
    evaluators_per_application: int = Field(default=3, ge=1, le=20)
    instalments: tuple[Instalment, ...] = Field(min_length=1)
    # Derived from `funding_sources` when they are given: true when any is state resources.
    counts_as_de_minimis: bool = True
    # First come, first served: how many eligible submissions arriving after the
    # budget is used up are kept in reserve (None: all of them, until the deadline).
    first_come_reserve_limit: int | None = Field(default=None, ge=0, le=1_000_000)
    funding_sources: tuple[FundingSource, ...] = ()
    form: ApplicationForm | None = None
    required_annexes: tuple[RequiredAnnex, ...] = Field(default=(), max_length=50)
    required_declarations: Distinct[DeclarationCode] = ()

    # Redress: how long after the results are published a rejected or reserve
    # applicant may ask for a review (EU practice: 30 days).
    review_request_days: int = Field(default=30, ge=1, le=365)

    @model_validator(mode="after")
    def _derive_de_minimis(self) -> CallTerms:
        if self.funding_sources:
            # frozen model: the derived flag is set once, as the terms are built
            object.__setattr__(
                self, "counts_as_de_minimis", any(s.state_resources for s in self.funding_sources)
            )
        return self

    @property
    def state_resources_percent(self) -> int:
        """The share of each award that counts as de minimis aid: the state-resource
        sources' shares, or all or nothing by `counts_as_de_minimis` without sources."""
        if self.funding_sources:
            return sum(s.share_percent for s in self.funding_sources if s.state_resources)
        return 100 if self.counts_as_de_minimis else 0


# --- events -------------------------------------------------------------------------


@event("calls.ProgrammeCreated")
class ProgrammeCreated(Event):
    programme_id: str
    code: str
    name: str
    currency: str
    budget_cents: Cents
    objectives: tuple[Objective, ...]
    per_beneficiary_cap_cents: Cents | None
    de_minimis: DeMinimis
    created_at: Instant


@event("calls.ProgrammeBudgetCarved")
class ProgrammeBudgetCarved(Event):
    """A call's share of the programme budget was set (0 when the call was cancelled)."""

    programme_id: str
    call_id: str
    call_budget_cents: Cents
    carved_cents: Cents  # the sum of every call's share after this event


@event("calls.CallDrafted")
class CallDrafted(Event):
    call_id: str
    programme_id: str
    currency: str
    rules_version: int
    terms: CallTerms
    drafted_at: Instant


@event("calls.CallUpdated")
class CallUpdated(Event):
    """The call's terms after an edit, whole; `changed` names the fields edited."""

    call_id: str
    terms: CallTerms
    changed: tuple[str, ...]


@event("calls.CallPublished")
class CallPublished(Event):
    call_id: str
    published_at: Instant


@event("calls.CallOpened")
class CallOpened(Event):
    call_id: str
    opened_at: Instant
    scheduled_for: Instant  # the call's opens_at; opened_at is later after downtime


@event("calls.CallDeadlineExtended")
class CallDeadlineExtended(Event):
    personal_fields = frozenset({"reason"})
    call_id: str
    previous_closes_at: Instant
    closes_at: Instant
    reason: str


@event("calls.CallBudgetAmended")
class CallBudgetAmended(Event):
    personal_fields = frozenset({"reason"})
    call_id: str
    previous_budget_cents: Cents
    budget_cents: Cents
    reason: str


@event("calls.CallBudgetCutRequested")
class CallBudgetCutRequested(Event):
    """A programme manager asked to cut the budget of a call that may hold money:
    the payments service, which commits money, confirms or refuses it; until then
    the call keeps `previous_budget_cents`."""

    personal_fields = frozenset({"reason"})
    call_id: str
    request_id: str
    previous_budget_cents: Cents
    budget_cents: Cents
    reason: str


@event("calls.CallBudgetCutRefused")
class CallBudgetCutRefused(Event):
    """Payments refused the cut: more than `budget_cents` is committed in the call."""

    call_id: str
    request_id: str
    budget_cents: Cents
    committed_cents: Cents
    reason: str


@event("calls.CallClosed")
class CallClosed(Event):
    """`cause` is `deadline` (closed by itself at closes_at), `early` (by a programme
    manager, with a reason) or `budget_exhausted` (first come, first served)."""

    personal_fields = frozenset({"reason"})
    call_id: str
    closed_at: Instant
    cause: Literal["deadline", "early", "budget_exhausted"]
    reason: str | None = None


@event("calls.CallCancelled")
class CallCancelled(Event):
    personal_fields = frozenset({"reason"})
    call_id: str
    cancelled_at: Instant
    previous_status: CallStatus
    reason: str


@event("calls.CallCommitmentRecorded")
class CallCommitmentRecorded(Event):
    """A grant awarded in the call (learnt from `payments.GrantAwarded`)."""

    call_id: str
    grant_id: str
    application_id: str
    amount_cents: Cents
    committed_cents: Cents  # the call's committed total after this grant


@event("calls.CallCommitmentReleased")
class CallCommitmentReleased(Event):
    """A cancelled grant's unpaid money is free again in the call (learnt from
    `payments.GrantCancelled`)."""

    call_id: str
    grant_id: str
    released_cents: Cents
    committed_cents: Cents  # the call's committed total after the release


# The status each of these events moves a call to: what other services' replicas
# of a call follow.
STATUS_AFTER: dict[type[Event], CallStatus] = {
    CallPublished: "published",
    CallOpened: "open",
    CallClosed: "closed",
    CallCancelled: "cancelled",
}


@event("calls.CallSelectionRecorded")
class CallSelectionRecorded(Event):
    """The applications service selected down the call's ranking (learnt from
    `applications.CallSelectionCompleted`): its results may now be published."""

    call_id: str
    ranking_version: int
    selected: int
    reserved: int
    rejected: int
    recorded_at: Instant


@event("calls.CallResultsPublished")
class CallResultsPublished(Event):
    """The programme manager published the call's results: applicants read their
    outcomes and evaluation summary reports, the public the beneficiaries, and
    review requests are taken until `review_requests_until`."""

    call_id: str
    published_at: Instant
    review_request_days: int
    review_requests_until: Instant


DataSubjectErased = erasure_event("calls")
