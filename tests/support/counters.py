"""A tiny service for testing the HTTP conventions of the chassis: counters that
can be created, incremented (with If-Match), read (with ETag) and listed."""

from __future__ import annotations

import functools
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import select, text

from shared.aggregate import Aggregate
from shared.app import ServiceDefinition
from shared.auth import CurrentUser, Principal, require_roles
from shared.commands import CommandDep, CommandResult, UnitOfWork
from shared.events import Event, event
from shared.http import ChassisDep, resource
from shared.ids import uuid7
from shared.pagination import Page, PageQuery
from shared.settings import Settings
from shared.tables import stream_heads

NAME = "counters"


@event("tests.CounterCreated")
class CounterCreated(Event):
    name: str


@event("tests.CounterIncremented")
class CounterIncremented(Event):
    by: int


class CounterView(BaseModel):
    id: str
    name: str
    value: int
    version: int


class Counter(Aggregate):
    stream_type = "counter"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name = ""
        self.value = 0

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _created(self, event: CounterCreated) -> None:
        self.name = event.name

    @apply.register
    def _incremented(self, event: CounterIncremented) -> None:
        self.value += event.by

    def view(self) -> CounterView:
        return CounterView(id=self.id, name=self.name, value=self.value, version=self.version)


class CreateCounter(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class Increment(BaseModel):
    by: int = Field(ge=1)
    # Keeps the command's transaction open this long: lets tests overlap requests.
    hold_ms: int = Field(default=0, ge=0, le=2_000)


Counting = Annotated[Principal, Depends(require_roles("programme_manager", "admin"))]
router = APIRouter(prefix="/v1/counters", tags=["counters"])


@router.post("", status_code=201, response_model=CounterView)
async def create_counter(body: CreateCounter, _: Counting, command: CommandDep) -> Response:
    async def handle(uow: UnitOfWork) -> CommandResult:
        counter = Counter(str(uuid7()))
        counter.record(CounterCreated(name=body.name))
        await uow.save(counter)
        return uow.result(
            counter, counter.view(), status=201, location=f"/v1/counters/{counter.id}"
        )

    return await command.execute(handle)


@router.post("/{counter_id}/increment", response_model=CounterView)
async def increment(
    counter_id: UUID, body: Increment, _: Counting, command: CommandDep
) -> Response:
    async def handle(uow: UnitOfWork) -> CommandResult:
        counter = await uow.load(Counter, str(counter_id))
        if body.hold_ms:
            await uow.conn.execute(text("SELECT pg_sleep(:s)"), {"s": body.hold_ms / 1000})
        counter.record(CounterIncremented(by=body.by))
        await uow.save(counter)
        return uow.result(counter, counter.view())

    return await command.execute(handle)


@router.get("/{counter_id}", response_model=CounterView)
async def get_counter(counter_id: UUID, _: CurrentUser, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        counter = await chassis.repository.get(conn, Counter, str(counter_id))
    return resource(counter.view(), counter.version)


@router.get("", response_model=Page[CounterView])
async def list_counters(_: CurrentUser, chassis: ChassisDep, page: PageQuery) -> Page[CounterView]:
    after = page.after(tuple[UUID])
    query = (
        select(stream_heads.c.stream_id)
        .where(stream_heads.c.stream_type == Counter.stream_type)
        .order_by(stream_heads.c.stream_id)
        .limit(page.fetch)
    )
    if after is not None:
        query = query.where(stream_heads.c.stream_id > str(after[0]))
    async with chassis.engine.connect() as conn:
        ids = (await conn.execute(query)).scalars().all()
        counters = [(await chassis.repository.get(conn, Counter, i)).view() for i in ids]
    return page.page(counters, key=lambda c: (c.id,))


# Settings know any service's database (`counters_database_url=...`).
CounterSettings = Settings


def service(*, owns_events: bool = True) -> ServiceDefinition:
    return ServiceDefinition(
        name=NAME,
        title="Counters",
        description="A test service.",
        port=8099,
        routers=[router],
        owns_events=owns_events,
    )
