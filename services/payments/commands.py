"""The commands of the payments service, as the request bodies that carry them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payments.de_minimis import Relation
from services.payments.enterprise_file import AidFacts
from services.payments.events import FalseDeclaration
from shared.values import Cents

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmitReport(Command):
    summary: Annotated[str, Field(min_length=1, max_length=20_000)]


class GiveReason(Command):
    reason: Text


GROUND = Field(
    default=None,
    description="When the ground is a declaration on honour found false: which one",
)


class CancelGrant(GiveReason):
    false_declaration: FalseDeclaration | None = GROUND


class MarkDisbursed(Command):
    bank_reference: Annotated[str, Field(min_length=1, max_length=200)]


class OrderRecovery(Command):
    amount_cents: Cents = Field(
        gt=0, description="Positive integer cents, at most what was paid and not yet ordered back"
    )
    reason: Text
    false_declaration: FalseDeclaration | None = GROUND


class DeclareLink(Command):
    """A linked enterprise (controls, is controlled by, or shares a controller with
    the organisation), by its PIC or its VAT id."""

    pic: str | None = Field(default=None, pattern=r"^\d{9}$", description="9 digits")
    vat_id: str | None = Field(default=None, pattern=r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")
    relation: Relation
    note: Annotated[str | None, Field(max_length=2000)] = None

    @model_validator(mode="after")
    def _named(self) -> DeclareLink:
        if self.pic is None and self.vat_id is None:
            raise ValueError("name the linked enterprise by pic or vat_id")
        return self


class DeclareAid(Command):
    """De minimis aid from another grantor, in minor units of `currency`, with the
    rate (euros per unit, a decimal string) and where the rate comes from."""

    grantor: Annotated[str, Field(min_length=1, max_length=300)]
    granted_on: date
    amount_cents: Annotated[int, Field(gt=0, le=10**15, strict=True)]
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    rate_to_eur: Annotated[
        Decimal,
        Field(
            gt=0,
            le=10**6,
            max_digits=24,
            decimal_places=12,
            allow_inf_nan=False,
            description="euros per unit of currency, as a decimal string; 1 for EUR",
        ),
    ] = Decimal(1)
    rate_source: Annotated[str, Field(min_length=1, max_length=300)] = "EUR"
    reason: Annotated[
        str | None,
        Field(min_length=1, max_length=2000, description="required from a programme manager"),
    ] = None

    @model_validator(mode="after")
    def _rate(self) -> DeclareAid:
        if self.currency == "EUR" and self.rate_to_eur != 1:
            raise ValueError("aid in EUR has rate_to_eur 1")
        if self.currency != "EUR" and not {"rate_to_eur", "rate_source"} <= self.model_fields_set:
            raise ValueError(
                "aid in another currency gives its rate_to_eur and the "
                "rate_source (e.g. the ECB reference rate of a given day)"
            )
        return self

    def facts(self) -> AidFacts:
        return AidFacts(
            self.grantor,
            self.granted_on,
            self.amount_cents,
            self.currency,
            self.rate_to_eur,
            self.rate_source,
        )


class CorrectAid(DeclareAid):
    reason: Text
