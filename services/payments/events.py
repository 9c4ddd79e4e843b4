"""The payments service's public contract: the events it publishes on `payments.events`.

Every event about a grant carries the grant's whole money context (grant,
application, call, programme, organisation and its country, currency), so a
consumer such as reporting projects figures without joining anything. Amounts
are integer cents in `currency`; instants are UTC. Free text typed by people
(reasons, report summaries) is personal data (ARCHITECTURE.md), listed in
`personal_fields` and sealed when stored; the subjects of finance officers are the
pseudonymous ids those fields are sealed for, listed in `subject_fields`
(docs/PERSONAL_DATA.md).

`GrantAwarded` and `GrantRefused` are consumed by calls (commitments) and
applications (award_refused): their original fields never change; fields added
later have defaults so older payloads still validate.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.applications.events import DeclarationCode
from shared.erasure_events import erasure_event
from shared.events import Event, event
from shared.values import Cents, Instant

Trigger = Literal["on_signature", "on_report_approved"]
RefusalCode = Literal[
    "per_beneficiary_cap_exceeded",
    "per_undertaking_cap_exceeded",
    "de_minimis_exceeded",
    "call_budget_exceeded",
]
AidSourceKind = Literal["cascade", "declared"]


class AwardedInstalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instalment_id: str
    label: str
    percent: int = Field(ge=1, le=100)
    amount_cents: Cents
    trigger: Trigger


class AidSource(BaseModel):
    """De minimis aid counted in a window from one grantor: a Cascade programme's
    awards, or the aid an undertaking declared from another grantor (in EUR)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: AidSourceKind
    grantor: str  # the programme's name for Cascade's own awards
    counted_cents: Cents


class DeMinimisFigures(BaseModel):
    """The de minimis register of one single undertaking as an award was decided."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    undertaking_id: str  # `PIC:<pic>`, else `VAT:<vat id>`: the smallest of its members
    window_years: int
    window_start: date  # aid awarded after this date counts
    ceiling_cents: Cents
    aid_before_cents: Cents  # aid in the window before this award
    headroom_cents: Cents  # what was left under the ceiling before this award
    # Added with single undertakings; defaults keep older payloads valid.
    members: tuple[str, ...] = ()  # the linked enterprises counted as one undertaking
    sources: tuple[AidSource, ...] = ()  # aid_before_cents, per grantor
    award_cents: Cents | None = None  # the award decided
    counted_cents: Cents | None = None  # its state-resource share: what it adds
    state_resources_percent: int = Field(default=100, ge=0, le=100)


@event("payments.GrantAwarded")
class GrantAwarded(Event):
    """A contracted application became a grant: its amount is committed in the call."""

    grant_id: str
    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    amount_cents: Cents
    awarded_at: Instant
    instalments: tuple[AwardedInstalment, ...] = ()
    # Added by the payments service itself; defaults keep older payloads valid.
    currency: str = "EUR"
    country: str | None = None
    organisation_size: str | None = None
    undertaking_id: str | None = None
    objectives: tuple[str, ...] = ()
    counts_as_de_minimis: bool = False
    de_minimis: DeMinimisFigures | None = None  # when the call counts as de minimis
    committed_cents: Cents = 0  # the call's committed total after this grant
    call_budget_cents: Cents = 0


@event("payments.BudgetCutConfirmed")
class BudgetCutConfirmed(Event):
    """Payments, which has the last word on a call's money, applied the cut asked
    for by `calls.CallBudgetCutRequested`: no more than `budget_cents` is committed."""

    call_id: str
    request_id: str
    budget_cents: Cents
    committed_cents: Cents
    decided_at: Instant


@event("payments.BudgetCutRefused")
class BudgetCutRefused(Event):
    """Payments refused the cut: `committed_cents` already exceeds `budget_cents`."""

    call_id: str
    request_id: str
    budget_cents: Cents
    committed_cents: Cents
    reason_code: Literal["budget_below_committed"] = "budget_below_committed"
    reason: str  # written by the service, with the amounts: no personal data
    decided_at: Instant


@event("payments.GrantRefused")
class GrantRefused(Event):
    """A contracted application whose award would breach the programme's
    per-beneficiary cap, the de minimis ceiling, or the call's budget: nothing is
    committed. `reason` states the amounts."""

    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    amount_cents: Cents
    reason_code: RefusalCode
    reason: str
    refused_at: Instant
    # Added by the payments service itself; defaults keep older payloads valid.
    currency: str = "EUR"
    country: str | None = None
    undertaking_id: str | None = None
    limit_cents: Cents | None = None  # the cap, ceiling or budget that was in the way
    used_cents: Cents | None = None  # what already counted against it
    de_minimis: DeMinimisFigures | None = None


class GrantEvent(Event):
    """Base of the events about an existing grant: who, where, in which money."""

    grant_id: str
    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    country: str | None
    currency: str


@event("payments.InstalmentDue")
class InstalmentDue(GrantEvent):
    """An instalment's trigger happened: it may now be ordered for payment."""

    instalment_id: str
    label: str
    trigger: Trigger
    amount_cents: Cents
    due_at: Instant


@event("payments.PaymentOrdered")
class PaymentOrdered(GrantEvent):
    subject_fields = frozenset({"ordered_by"})
    payment_order_id: str
    instalment_id: str
    amount_cents: Cents
    attempt: int  # 1, then 2 after a failed payment, ...
    ordered_by: str
    ordered_at: Instant


@event("payments.PaymentApproved")
class PaymentApproved(GrantEvent):
    """The second pair of eyes: approved by another finance officer than the orderer."""

    subject_fields = frozenset({"approved_by"})
    payment_order_id: str
    instalment_id: str
    amount_cents: Cents
    approved_by: str
    approved_at: Instant


@event("payments.PaymentDisbursed")
class PaymentDisbursed(GrantEvent):
    """The money left the bank: `paid_cents` is the grant's paid total after it."""

    payment_order_id: str
    instalment_id: str
    amount_cents: Cents
    bank_reference: str
    paid_cents: Cents
    awarded_at: Instant  # so time-to-pay needs no join
    disbursed_at: Instant


@event("payments.PaymentFailed")
class PaymentFailed(GrantEvent):
    """The bank refused the transfer: the instalment may be ordered again."""

    personal_fields = frozenset({"reason"})
    payment_order_id: str
    instalment_id: str
    amount_cents: Cents
    reason: str
    failed_at: Instant


class ReportAnnex(BaseModel):
    """A file handed in with a final report, named by its hash in the file store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    annex_id: str
    code: str
    name: str
    media_type: str
    size: int
    sha256: str


@event("payments.ReportSubmitted")
class ReportSubmitted(GrantEvent):
    """`annexes`: the files attached for the report when it was submitted (absent
    in older events)."""

    personal_fields = frozenset({"summary"})
    personal_subjects = {"summary": "submitted_by"}
    subject_fields = frozenset({"submitted_by"})
    report_id: str
    summary: str
    submitted_by: str
    submitted_at: Instant
    annexes: tuple[ReportAnnex, ...] = ()


@event("payments.ReportAnnexAttached")
class ReportAnnexAttached(GrantEvent):
    """A file attached for the grant's next final report; its bytes are in the
    file store under `annex.sha256`. `replaces`: the annex of the same code before."""

    subject_fields = frozenset({"attached_by"})
    annex: ReportAnnex
    replaces: str | None = None
    attached_by: str
    attached_at: Instant


@event("payments.ReportAnnexRemoved")
class ReportAnnexRemoved(GrantEvent):
    subject_fields = frozenset({"removed_by"})
    annex_id: str
    code: str
    removed_by: str
    removed_at: Instant


@event("payments.ReportApproved")
class ReportApproved(GrantEvent):
    """Approval of the final report: the instalments it triggers become due."""

    report_id: str
    approved_at: Instant


@event("payments.ReportRejected")
class ReportRejected(GrantEvent):
    personal_fields = frozenset({"reason"})
    report_id: str
    reason: str
    rejected_at: Instant


class FalseDeclaration(BaseModel):
    """The ground of a cancellation or a recovery: a declaration on honour of the
    grant's application later found false, by the id of its
    `applications.DeclarationMade` (the audit trail joins the two)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    declaration_id: str = Field(min_length=1, max_length=100)
    code: DeclarationCode


@event("payments.RecoveryOrdered")
class RecoveryOrdered(GrantEvent):
    """A clawback after an irregularity: at most what was paid and not yet recovered."""

    personal_fields = frozenset({"reason"})
    recovery_id: str
    amount_cents: Cents
    reason: str
    ordered_at: Instant
    false_declaration: FalseDeclaration | None = None


@event("payments.RecoveryReceived")
class RecoveryReceived(GrantEvent):
    """The money came back: `recovered_cents` is the grant's recovered total after it."""

    recovery_id: str
    amount_cents: Cents
    recovered_cents: Cents
    received_at: Instant


@event("payments.GrantCancelled")
class GrantCancelled(GrantEvent):
    """No further payment: what was committed and not paid is released in the call."""

    personal_fields = frozenset({"reason"})
    released_cents: Cents
    paid_cents: Cents
    reason: str
    cancelled_at: Instant
    false_declaration: FalseDeclaration | None = None


@event("payments.GrantClosed")
class GrantClosed(GrantEvent):
    """Every instalment is paid: the grant's figures as it closed."""

    amount_cents: Cents
    paid_cents: Cents
    recovered_cents: Cents
    closed_at: Instant


DataSubjectErased = erasure_event("payments")
