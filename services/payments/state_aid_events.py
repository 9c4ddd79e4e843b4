"""Events of the de minimis register on `payments.events`: the enterprises an
organisation is linked to (one single undertaking with it) and the de minimis aid
it declared from other grantors. Who declared a fact is personal data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from services.payments.de_minimis import Relation
from shared.events import Event, event
from shared.values import Cents, Instant

DeclaredAs = Literal["applicant", "programme_manager"]
Rate = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


@event("payments.EnterpriseLinkDeclared")
class EnterpriseLinkDeclared(Event):
    """An organisation is linked to another enterprise (Art. 2(2) of Regulation (EU)
    2023/2831): both count as one single undertaking from `declared_at`, whichever side
    declared it. `relation` is read from the declaring organisation's side."""

    personal_fields = frozenset({"note"})
    personal_subjects = {"note": "declared_by"}
    subject_fields = frozenset({"declared_by"})
    link_id: str
    organisation_id: str  # who declared it, or about whom a programme manager recorded it
    enterprise_id: str  # the organisation's own key: `PIC:<pic>`, else `VAT:<vat id>`
    linked_enterprise_id: str
    linked_pic: str | None
    linked_vat_id: str | None
    linked_known: bool  # false: no organisation known to Cascade has that PIC or VAT id
    relation: Relation
    declared_by: str
    declared_as: DeclaredAs
    note: str | None = None
    declared_at: Instant


class DeclaredAid(Event):
    """De minimis aid from another grantor, as declared or read from a register extract;
    converted to euros at the rate recorded with it, never at today's rate."""

    personal_fields = frozenset({"reason"})
    personal_subjects = {"reason": "recorded_by"}
    subject_fields = frozenset({"recorded_by"})
    entry_id: str
    organisation_id: str
    enterprise_id: str
    grantor: str
    granted_on: date
    amount_cents: Cents  # minor units of `currency`
    currency: str
    rate_to_eur: Rate  # euros per unit of `currency`
    rate_source: str
    eur_cents: Cents  # what counts, in euro cents
    recorded_by: str
    recorded_as: DeclaredAs
    reason: str | None
    recorded_at: Instant


@event("payments.AidDeclared")
class AidDeclared(DeclaredAid):
    """An undertaking's de minimis aid from another grantor. It counts in a window that
    contains `granted_on`; dated in the future or before the window, it is kept, not
    counted."""


@event("payments.DeclaredAidCorrected")
class DeclaredAidCorrected(DeclaredAid):
    """A programme manager's correction of declared aid (e.g. from the central
    register's extract): the entry's facts from `recorded_at` on, with the reason."""

    reason: str
