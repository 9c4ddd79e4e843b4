"""The commands of the calls service, as the request bodies that carry them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.calls.events import (
    OBJECTIVES,
    CallTerms,
    DeMinimis,
    Distinct,
    Objective,
)
from shared.values import Cents, Instant

Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CreateProgramme(Command):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=300)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    budget_cents: Cents = Field(gt=0)
    objectives: Distinct[Objective] = Field(default=OBJECTIVES, min_length=1)
    per_beneficiary_cap_cents: Cents | None = Field(default=None, gt=0)
    de_minimis: DeMinimis = DeMinimis()


class DraftCall(CallTerms):
    """A new call in a programme: drafted, carving its budget out of the programme's."""

    programme_id: UUID

    def terms(self) -> CallTerms:
        return CallTerms(**{name: getattr(self, name) for name in CallTerms.model_fields})


class ExtendDeadline(Command):
    closes_at: Instant
    reason: Reason


class AmendBudget(Command):
    budget_cents: Cents
    reason: Reason


class GiveReason(Command):
    reason: Reason
