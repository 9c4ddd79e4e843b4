"""What reporting remembers of each source stream: one record per stream, holding
the facts its events established. No I/O.

A record is written only by the events of its own stream, in version order, and
facts that span streams (a grant's payments and its application's contract date)
are joined when a report is read. So the projection does not depend on how the
three topics' partitions interleave: a rebuild that reads them in another order
arrives at the same records, and a point-in-time report is the same fold over a
prefix of each stream.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.applications.events import ApplicationStatus


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeFacts(Facts):
    programme_id: str
    code: str
    name: str
    currency: str
    budget_cents: int
    objectives: list[str]


class CallFacts(Facts):
    call_id: str
    programme_id: str
    code: str
    title: str
    kind: str
    selection_mode: str
    status: str
    currency: str
    budget_cents: int
    planned_awards: int | None
    objectives: list[str]


class OrganisationFacts(Facts):
    organisation_id: str
    name: str
    country: str
    size: str
    pic: str | None = None
    vat_id: str | None = None


class ApplicationFacts(Facts):
    application_id: str
    call_id: str
    programme_id: str
    status: ApplicationStatus = "draft"
    organisation_id: str
    organisation: OrganisationFacts | None = None  # as it stood at submission
    objectives: list[str]
    requested_cents: int
    amount_cents: int = 0
    submitted_at: datetime | None = None
    decided_at: datetime | None = (
        None  # the first decision: ineligible, selected, reserve, rejected
    )
    ever_selected: bool = False
    contracted_at: datetime | None = None
    score: float | None = None
    failed_rules: list[str] = []


class Disbursement(Facts):
    payment_order_id: str
    amount_cents: int
    bank_reference: str
    disbursed_at: datetime


class Recovery(Facts):
    recovery_id: str
    amount_cents: int
    ordered_at: datetime
    received_at: datetime | None = None


class GrantFacts(Facts):
    grant_id: str
    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    country: str | None
    currency: str
    amount_cents: int
    released_cents: int = 0  # given back to the call when the grant was cancelled
    awarded_at: datetime
    status: str = "awarded"
    disbursements: list[Disbursement] = []
    recoveries: list[Recovery] = []
    last_changed_at: datetime

    @property
    def committed_cents(self) -> int:
        return self.amount_cents - self.released_cents

    @property
    def paid_cents(self) -> int:
        return sum(d.amount_cents for d in self.disbursements)

    @property
    def recovered_cents(self) -> int:
        return sum(r.amount_cents for r in self.recoveries if r.received_at is not None)

    @property
    def first_paid_at(self) -> datetime | None:
        return min((d.disbursed_at for d in self.disbursements), default=None)


class RefusalFacts(Facts):
    application_id: str
    call_id: str
    programme_id: str
    reason_code: str
    amount_cents: int


class ReviewFacts(Facts):
    """A review request of an application's evaluation (redress)."""

    review_request_id: str
    application_id: str
    call_id: str
    programme_id: str
    state: str = "requested"  # requested, dismissed, upheld, re_evaluated
    upheld: bool = False
    outcome_changed: bool = False
    requested_at: datetime


class StreamRecord(Facts):
    """One source stream as reporting sees it; `version` is the last event applied."""

    stream_id: str
    source: str
    version: int = 0
    programme: ProgrammeFacts | None = None
    call: CallFacts | None = None
    organisation: OrganisationFacts | None = None
    application: ApplicationFacts | None = None
    grant: GrantFacts | None = None
    refusals: list[RefusalFacts] = []
    review: ReviewFacts | None = None

    @property
    def programme_id(self) -> str | None:
        for facts in (self.programme, self.call, self.application, self.grant, self.review):
            if facts is not None:
                return facts.programme_id
        return self.refusals[0].programme_id if self.refusals else None

    @property
    def call_id(self) -> str | None:
        for facts in (self.call, self.application, self.grant, self.review):
            if facts is not None:
                return facts.call_id
        return self.refusals[0].call_id if self.refusals else None
