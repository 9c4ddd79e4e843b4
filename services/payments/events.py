"""The payments service's public contract: the events it publishes on `payments.events`.

Only what other services already rely on is defined here; payments adds the
rest (instalments, payment orders, reports, recoveries) as it is built.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import Event, event

Cents = Annotated[int, Field(ge=0, le=10**15)]


class AwardedInstalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instalment_id: str
    label: str
    percent: int = Field(ge=1, le=100)
    amount_cents: Cents
    trigger: Literal["on_signature", "on_report_approved"]


@event("payments.GrantAwarded")
class GrantAwarded(Event):
    """A contracted application became a grant: its amount is committed in the call."""

    grant_id: str
    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    amount_cents: Cents
    awarded_at: AwareDatetime
    instalments: tuple[AwardedInstalment, ...] = ()


@event("payments.GrantRefused")
class GrantRefused(Event):
    """A contracted application whose award would breach the programme's
    per-beneficiary cap or the de minimis ceiling: nothing is committed."""

    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    amount_cents: Cents
    reason_code: Literal["per_beneficiary_cap_exceeded", "de_minimis_exceeded"]
    reason: str
    refused_at: AwareDatetime
