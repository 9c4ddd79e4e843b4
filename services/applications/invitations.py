"""A partner's consent to an application naming it: an invitation from the lead,
accepted by the partner. No I/O."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Literal

from services.applications.events import PartnerInvitationAccepted, PartnerInvited
from shared.aggregate import Aggregate
from shared.errors import RuleViolation
from shared.events import Event

InvitationStatus = Literal["pending", "accepted"]


class Invitation(Aggregate):
    stream_type = "invitation"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.application_id = self.call_id = self.lead_organisation_id = ""
        self.organisation_id = ""
        self.status: InvitationStatus = "pending"
        self.invited_at: datetime | None = None
        self.accepted_at: datetime | None = None

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _invited(self, event: PartnerInvited) -> None:
        self.application_id, self.call_id = event.application_id, event.call_id
        self.lead_organisation_id = event.lead_organisation_id
        self.organisation_id, self.invited_at = event.organisation_id, event.invited_at

    @apply.register
    def _accepted(self, event: PartnerInvitationAccepted) -> None:
        self.status, self.accepted_at = "accepted", event.accepted_at

    def invite(
        self,
        application_id: str,
        call_id: str,
        lead_organisation_id: str,
        partners: tuple[str, ...],
        organisation_id: str,
        by: str,
        now: datetime,
    ) -> None:
        if organisation_id not in partners:
            raise RuleViolation(
                "only an organisation the application names as a partner "
                "can be invited: name it first",
                code="not_a_partner",
            )
        self.record(
            PartnerInvited(
                invitation_id=self.id,
                application_id=application_id,
                call_id=call_id,
                lead_organisation_id=lead_organisation_id,
                organisation_id=organisation_id,
                invited_by=by,
                invited_at=now,
            )
        )

    def accept(self, by: str, now: datetime) -> None:
        if self.status == "accepted":
            raise RuleViolation("the invitation was accepted already", code="already_accepted")
        self.record(
            PartnerInvitationAccepted(
                invitation_id=self.id,
                application_id=self.application_id,
                organisation_id=self.organisation_id,
                accepted_by=by,
                accepted_at=now,
            )
        )
