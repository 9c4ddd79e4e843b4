"""An organisation's state-aid file: the enterprises it is linked to and the de minimis
aid it declared from other grantors. The aggregate decides on its own events. No I/O."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.payments.de_minimis import Relation, eur_cents
from services.payments.state_aid_events import (
    AidDeclared,
    DeclaredAidCorrected,
    DeclaredAs,
    EnterpriseLinkDeclared,
)
from shared.aggregate import Aggregate
from shared.errors import InvalidInput, NotFound, RuleViolation
from shared.events import Event


class SelfLink(InvalidInput):
    code = "self_link"
    title = "An enterprise cannot be linked to itself"


class LinkAlreadyDeclared(RuleViolation):
    code = "link_already_declared"


class ReasonRequired(InvalidInput):
    code = "reason_required"


@dataclass(frozen=True)
class Enterprise:
    key: str
    pic: str | None
    vat_id: str | None
    known: bool


@dataclass(frozen=True)
class AidFacts:
    grantor: str
    granted_on: date
    amount_cents: int
    currency: str
    rate_to_eur: Decimal
    rate_source: str


def stream_of(organisation_id: str) -> str:
    return f"state-aid-{organisation_id}"


class EnterpriseFile(Aggregate):
    stream_type = "enterprise_file"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.links: dict[str, EnterpriseLinkDeclared] = {}  # by link id
        self.aid: dict[str, AidDeclared | DeclaredAidCorrected] = {}  # by entry id, newest

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _linked(self, event: EnterpriseLinkDeclared) -> None:
        self.links[event.link_id] = event

    @apply.register
    def _declared(self, event: AidDeclared) -> None:
        self.aid[event.entry_id] = event

    @apply.register
    def _corrected(self, event: DeclaredAidCorrected) -> None:
        self.aid[event.entry_id] = event

    def declare_link(
        self,
        link_id: str,
        organisation_id: str,
        own: Enterprise,
        linked: Enterprise,
        relation: Relation,
        existing_link: str | None,
        by: str,
        as_: DeclaredAs,
        note: str | None,
        now: datetime,
    ) -> None:
        """Link the organisation to another enterprise; the other side need not agree."""
        same = (
            linked.key == own.key
            or (linked.pic and linked.pic == own.pic)
            or (linked.vat_id and own.vat_id and linked.vat_id == own.vat_id)
        )
        if same:
            raise SelfLink(
                f"{linked.key} is the organisation itself: an enterprise is not linked to itself",
                errors=[
                    {
                        "field": "pic" if linked.pic else "vat_id",
                        "message": "names the organisation itself",
                        "type": "self_link",
                    }
                ],
            )
        if existing_link is not None:
            raise LinkAlreadyDeclared(
                f"{own.key} and {linked.key} are already linked (link {existing_link})",
                link_id=existing_link,
            )
        self.record(
            EnterpriseLinkDeclared(
                link_id=link_id,
                organisation_id=organisation_id,
                enterprise_id=own.key,
                linked_enterprise_id=linked.key,
                linked_pic=linked.pic,
                linked_vat_id=linked.vat_id,
                linked_known=linked.known,
                relation=relation,
                declared_by=by,
                declared_as=as_,
                note=note,
                declared_at=now,
            )
        )

    def declare_aid(
        self,
        entry_id: str,
        organisation_id: str,
        enterprise: str,
        facts: AidFacts,
        by: str,
        as_: DeclaredAs,
        reason: str | None,
        now: datetime,
    ) -> AidDeclared:
        """Aid from another grantor; a programme manager recording it says why."""
        if as_ == "programme_manager" and not reason:
            raise ReasonRequired(
                "a programme manager recording aid gives the reason "
                "(e.g. the register extract it comes from)",
                errors=[{"field": "reason", "message": "required", "type": "reason_required"}],
            )
        declared = AidDeclared(
            **_facts(facts),
            entry_id=entry_id,
            organisation_id=organisation_id,
            enterprise_id=enterprise,
            recorded_by=by,
            recorded_as=as_,
            reason=reason,
            recorded_at=now,
        )
        self.record(declared)
        return declared

    def correct_aid(
        self, entry_id: str, facts: AidFacts, by: str, reason: str, now: datetime
    ) -> DeclaredAidCorrected:
        entry = self.aid.get(entry_id)
        if entry is None:
            raise NotFound(f"no declared aid {entry_id} in this organisation's file")
        corrected = DeclaredAidCorrected(
            **_facts(facts),
            entry_id=entry_id,
            organisation_id=entry.organisation_id,
            enterprise_id=entry.enterprise_id,
            recorded_by=by,
            recorded_as="programme_manager",
            reason=reason,
            recorded_at=now,
        )
        self.record(corrected)
        return corrected


def _facts(facts: AidFacts) -> dict[str, Any]:
    return {
        "grantor": facts.grantor,
        "granted_on": facts.granted_on,
        "amount_cents": facts.amount_cents,
        "currency": facts.currency,
        "rate_to_eur": facts.rate_to_eur,
        "rate_source": facts.rate_source,
        "eur_cents": eur_cents(facts.amount_cents, facts.rate_to_eur),
    }
