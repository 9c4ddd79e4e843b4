"""The commands of the applications service, as the request bodies that carry them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.applications.events import DeclarationCode, Objective, Size, SmeFigures
from shared import forms
from shared.values import Cents, JsonDocument, deeper_than

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


def _shallow(answers: dict[str, Any] | None) -> dict[str, Any] | None:
    if deeper_than(answers, forms.MAX_ANSWER_DEPTH):
        raise ValueError(f"answers are nested deeper than {forms.MAX_ANSWER_DEPTH} levels")
    return answers


Answers = Annotated[JsonDocument | None, AfterValidator(_shallow)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterOrganisation(Command):
    name: str = Field(min_length=1, max_length=300)
    country: CountryCode
    size: Size
    pic: str | None = Field(default=None, pattern=r"^\d{9}$", description="9 digits")
    vat_id: str | None = Field(default=None, pattern=r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")
    registered_on: date
    tags: tuple[Tag, ...] = ()

    @model_validator(mode="after")
    def _identified(self) -> RegisterOrganisation:
        if self.pic is None and self.vat_id is None:
            raise ValueError("a PIC or a VAT id is required")
        return self


class AddMember(Command):
    sub: str = Field(min_length=1, max_length=200)


class ApplicationFields(Command):
    partner_organisation_ids: tuple[UUID, ...] | None = Field(
        default=None,
        max_length=100,
        description="The partners, each of which must accept an invitation before the "
        "application is submitted; an edit that leaves it out keeps the partners",
    )
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=20_000)
    requested_cents: Cents
    trl: int = Field(ge=1, le=9)
    objectives: tuple[Objective, ...] = Field(min_length=1)
    answers: Answers = Field(
        default=None,
        description="The answers to the call's form (its `form.schema`): partial while "
        "drafted, complete and valid at submission; an edit that leaves it out keeps them",
    )


class DraftApplication(ApplicationFields):
    call_id: UUID
    lead_organisation_id: UUID


class Declare(Command):
    """A declaration on honour the call requires, made by a member of the lead."""

    code: DeclarationCode
    accepted: Literal[True] = Field(description="The declarant declares it true")
    figures: SmeFigures | None = Field(
        default=None, description="For `sme_status` only: the SME self-assessment"
    )


class InvitePartner(Command):
    application_id: UUID = Field(description="A draft naming the organisation as a partner")


# --- evaluation and agreements ------------------------------------------------------


class RegisterEvaluator(Command):
    sub: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=300)
    conflicts: tuple[UUID, ...] = Field(default=(), max_length=1000)
    nationality: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2"
    )


class DeclareConflict(Command):
    organisation_id: UUID


class AcceptAssignment(Command):
    no_conflict: Literal[True] = Field(
        description="The evaluator declares no conflict of interest with the application"
    )


class DeclineAssignment(Command):
    reason: str = Field(min_length=1, max_length=2_000)


class SubmitEvaluation(Command):
    scores: dict[str, Annotated[float, Field(allow_inf_nan=False)]]
    comment: str = Field(default="", max_length=20_000)


class DeclineAward(Command):
    reason: str = Field(default="", max_length=2_000)


class AppointPanel(Command):
    evaluator_ids: tuple[UUID, ...] = Field(min_length=1, max_length=1000)
    min_distinct_nationalities: int = Field(
        default=0,
        ge=0,
        le=20,
        description="At least this many distinct nationalities among each application's "
        "evaluators (FSTP practice: 3)",
    )


class ConsolidateComments(Command):
    comments: dict[str, Annotated[str, Field(max_length=20_000)]] = Field(
        min_length=1,
        max_length=100,
        description="The consolidated comment per criterion code (others stay as they were)",
    )


class RequestReview(Command):
    grounds: str = Field(min_length=1, max_length=20_000)


class DecideReview(Command):
    outcome: Literal["upheld", "dismissed"]
    reasons: str = Field(min_length=1, max_length=20_000)
