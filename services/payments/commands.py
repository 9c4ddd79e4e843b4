"""The commands of the payments service, as the request bodies that carry them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.values import Cents

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmitReport(Command):
    summary: Annotated[str, Field(min_length=1, max_length=20_000)]


class GiveReason(Command):
    reason: Text


class MarkDisbursed(Command):
    bank_reference: Annotated[str, Field(min_length=1, max_length=200)]


class OrderRecovery(Command):
    amount_cents: Cents = Field(gt=0, description="Positive integer cents, at most what "
                                "was paid and not yet ordered back")
    reason: Text
