"""Organisations, the legal persons that apply, and evaluators with the
organisations they declared a conflict of interest with. No I/O."""

from __future__ import annotations

import functools
from datetime import date, datetime

from services.applications.events import (
    ConflictDeclared,
    EvaluatorRegistered,
    OrganisationMemberAdded,
    OrganisationRef,
    OrganisationRegistered,
    Size,
)
from shared.aggregate import Aggregate
from shared.errors import RuleViolation
from shared.events import Event


class Organisation(Aggregate):
    stream_type = "organisation"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name = self.country = ""
        self.size: Size = "micro"
        self.pic: str | None = None
        self.vat_id: str | None = None
        self.registered_on = date.min
        self.tags: tuple[str, ...] = ()
        self.members: set[str] = set()

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _registered(self, event: OrganisationRegistered) -> None:
        self.name, self.country, self.size = event.name, event.country, event.size
        self.pic, self.vat_id, self.tags = event.pic, event.vat_id, event.tags
        self.registered_on = event.registered_on
        self.members.add(event.registered_by)

    @apply.register
    def _member_added(self, event: OrganisationMemberAdded) -> None:
        self.members.add(event.member_sub)

    def register(
        self,
        name: str,
        country: str,
        size: Size,
        pic: str | None,
        vat_id: str | None,
        registered_on: date,
        tags: tuple[str, ...],
        by: str,
        now: datetime,
    ) -> None:
        if pic is None and vat_id is None:
            raise RuleViolation(
                "an organisation needs a PIC or a VAT id", code="identifier_required"
            )
        self.record(
            OrganisationRegistered(
                organisation_id=self.id,
                name=name,
                country=country,
                size=size,
                pic=pic,
                vat_id=vat_id,
                registered_on=registered_on,
                tags=tags,
                registered_by=by,
                registered_at=now,
            )
        )

    def add_member(self, sub: str, now: datetime) -> None:
        if sub not in self.members:
            self.record(
                OrganisationMemberAdded(organisation_id=self.id, member_sub=sub, added_at=now)
            )

    @property
    def ref(self) -> OrganisationRef:
        return OrganisationRef(
            organisation_id=self.id,
            name=self.name,
            country=self.country,
            size=self.size,
            pic=self.pic,
            vat_id=self.vat_id,
        )


class Evaluator(Aggregate):
    stream_type = "evaluator"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.sub = self.name = ""
        self.conflicts: tuple[str, ...] = ()
        self.nationality: str | None = None

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _registered(self, event: EvaluatorRegistered) -> None:
        self.sub, self.name, self.conflicts = event.sub, event.name, event.conflicts
        self.nationality = event.nationality

    @apply.register
    def _conflict(self, event: ConflictDeclared) -> None:
        self.conflicts = (*self.conflicts, event.organisation_id)

    def register(
        self,
        sub: str,
        name: str,
        conflicts: tuple[str, ...],
        now: datetime,
        nationality: str | None = None,
    ) -> None:
        self.record(
            EvaluatorRegistered(
                evaluator_id=self.id,
                sub=sub,
                name=name,
                conflicts=tuple(dict.fromkeys(conflicts)),
                registered_at=now,
                nationality=nationality,
            )
        )

    def declare_conflict(self, organisation_id: str, now: datetime) -> None:
        """Declare a conflict with an organisation (nothing new if already declared)."""
        if organisation_id not in self.conflicts:
            self.record(
                ConflictDeclared(
                    evaluator_id=self.id, organisation_id=organisation_id, declared_at=now
                )
            )
