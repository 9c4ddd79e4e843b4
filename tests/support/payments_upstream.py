"""Other services as far as payments hears of them: the real event classes of
calls and applications, recorded in a scratch event store (stream versions in
order) and produced on their real topics, as those services' relays would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from services.applications import events as applications
from services.calls import events as calls
from shared.bus import encode, event_topic, headers_of
from shared.db import make_engine
from shared.events import Envelope, Event
from shared.eventstore import CommandContext, EventStore
from shared.ids import uuid7
from shared.settings import Settings
from tests.conftest import unique_name
from tests.support.applications import pic
from tests.support.calls import EUR, T0, call_body
from tests.support.consuming import producer

STORE = EventStore(b"another-service-integrity-key")
SEVENTY_THIRTY = [
    {"label": "On signature", "percent": 70, "trigger": "on_signature"},
    {"label": "After the final report", "percent": 30, "trigger": "on_report_approved"},
]


@dataclass
class Upstream:
    """The calls and applications services, as far as payments hears of them: their
    events recorded in a scratch store (stream versions in order) and produced."""

    settings: Settings
    engine: AsyncEngine
    kafka: AIOKafkaProducer
    versions: dict[str, int] = field(default_factory=dict)

    async def emit(
        self, service: str, stream_type: str, stream_id: str, *new_events: Event
    ) -> list[Envelope]:
        async with self.engine.begin() as conn:
            envelopes = await STORE.append(
                conn,
                stream_type=stream_type,
                stream_id=stream_id,
                expected_version=self.versions.get(stream_id, 0),
                new_events=list(new_events),
                context=CommandContext(),
            )
        self.versions[stream_id] = envelopes[-1].version
        topic = event_topic(self.settings, service)
        sent = [
            await self.kafka.send(topic, encode(e), key=e.stream_id.encode(), headers=headers_of(e))
            for e in envelopes
        ]
        await asyncio.gather(*sent)
        return envelopes

    async def programme(
        self,
        *,
        budget_cents: int = 5_000_000 * EUR,
        cap_cents: int | None = None,
        ceiling_cents: int = 300_000 * EUR,
        window_years: int = 3,
        programme_id: str | None = None,
        cap_applies_to_undertaking: bool = False,
    ) -> str:
        programme_id = programme_id or str(uuid7())
        await self.emit(
            "calls",
            "programme",
            programme_id,
            calls.ProgrammeCreated(
                programme_id=programme_id,
                code=unique_name("P"),
                name="METASTARS",
                currency="EUR",
                budget_cents=budget_cents,
                objectives=calls.OBJECTIVES,
                per_beneficiary_cap_cents=cap_cents,
                de_minimis=calls.DeMinimis(
                    ceiling_cents=ceiling_cents,
                    window_years=window_years,
                    cap_applies_to_undertaking=cap_applies_to_undertaking,
                ),
                created_at=T0,
            ),
        )
        return programme_id

    async def call(
        self,
        programme_id: str,
        *,
        budget_cents: int = 600_000 * EUR,
        instalments: list[dict[str, Any]] | None = None,
        de_minimis: bool = True,
        call_id: str | None = None,
        funding_sources: list[dict[str, Any]] | None = None,
    ) -> str:
        call_id = call_id or str(uuid7())
        body = {k: v for k, v in call_body(programme_id).items() if k != "programme_id"}
        body.update(
            budget_cents=budget_cents,
            max_grant_cents=budget_cents,
            min_grant_cents=0,
            counts_as_de_minimis=de_minimis,
            instalments=instalments or SEVENTY_THIRTY,
            funding_sources=funding_sources or [],
        )
        await self.emit(
            "calls",
            "call",
            call_id,
            calls.CallDrafted(
                call_id=call_id,
                programme_id=programme_id,
                currency="EUR",
                rules_version=1,
                terms=calls.CallTerms.model_validate(body),
                drafted_at=T0,
            ),
        )
        return call_id

    async def amend_budget(self, call_id: str, previous: int, budget_cents: int) -> None:
        await self.emit(
            "calls",
            "call",
            call_id,
            calls.CallBudgetAmended(
                call_id=call_id,
                previous_budget_cents=previous,
                budget_cents=budget_cents,
                reason="more money",
            ),
        )

    async def organisation(
        self,
        member: str,
        *,
        pic_code: str | None = None,
        vat_id: str | None = None,
        country: str = "FR",
    ) -> applications.OrganisationRef:
        organisation_id = str(uuid7())
        ref = applications.OrganisationRef(
            organisation_id=organisation_id,
            name="Aerotech SAS",
            country=country,
            size="small",
            pic=pic_code if pic_code or vat_id else pic(),
            vat_id=vat_id,
        )
        await self.emit(
            "applications",
            "organisation",
            organisation_id,
            applications.OrganisationRegistered(
                organisation_id=organisation_id,
                name=ref.name,
                country=country,
                size="small",
                pic=ref.pic,
                vat_id=vat_id,
                registered_on=date(2019, 5, 1),
                tags=(),
                registered_by=member,
                registered_at=T0,
            ),
        )
        return ref

    async def contract(
        self,
        call_id: str,
        programme_id: str,
        organisation: applications.OrganisationRef,
        amount_cents: int,
        at: datetime = T0,
    ) -> str:
        application_id = str(uuid7())
        await self.emit(
            "applications",
            "application",
            application_id,
            applications.ApplicationContracted(
                application_id=application_id,
                call_id=call_id,
                programme_id=programme_id,
                organisation=organisation,
                objectives=("innovate",),
                amount_cents=amount_cents,
                contracted_at=at,
            ),
        )
        return application_id


@asynccontextmanager
async def upstream(settings: Settings, scratch_url: str) -> AsyncIterator[Upstream]:
    engine = make_engine(scratch_url, pool_size=2)
    try:
        async with producer(settings) as kafka:
            yield Upstream(settings, engine, kafka)
    finally:
        await engine.dispose()
