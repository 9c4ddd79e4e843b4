"""Running a command over HTTP: one transaction for its events and its stored
response, with Idempotency-Key, If-Match, and the version and event ids every
command answer carries.

A route declares `command: CommandDep` and hands a handler to it:

    async def handle(uow: UnitOfWork) -> CommandResult:
        counter = await uow.load(Counter, str(counter_id))   # applies If-Match
        counter.increment(body.by)
        await uow.save(counter)
        return uow.result(counter, counter.view())

    return await command.execute(handle)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.aggregate import Aggregate
from shared.app import Chassis
from shared.auth import CurrentUser, Principal
from shared.errors import CascadeError, PreconditionRequired, VersionConflict
from shared.events import Envelope
from shared.eventstore import CommandContext
from shared.http import ChassisDep, etag, parse_if_match
from shared.idempotency import KEY_PATTERN, IdempotentRequest
from shared.problems import PROBLEM, error_body

A = TypeVar("A", bound=Aggregate)
# How often a command without If-Match is decided again after losing a race.
CONFLICT_ATTEMPTS = 3


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the aggregate's new version and the events recorded.

    A command may record what happened and still refuse what was asked (a
    submission kept in reserve when the budget is gone): `refusal` is then the
    domain error, answered as its problem with the resource under `refused_with`."""

    status: int
    body: Mapping[str, Any] | BaseModel
    version: int
    event_ids: Sequence[UUID]
    location: str | None = None
    refusal: CascadeError | None = None
    refused_with: str = "resource"

    def response(self) -> JSONResponse:
        body = {
            **jsonable_encoder(self.body),
            "version": self.version,
            "event_ids": [str(i) for i in self.event_ids],
        }
        status = self.status
        if self.refusal is not None:
            status = self.refusal.status
            body = {
                **error_body(self.refusal),
                self.refused_with: jsonable_encoder(self.body),
                "version": self.version,
                "event_ids": body["event_ids"],
            }
        headers = {"ETag": etag(self.version)}
        if self.location:
            headers["Location"] = self.location
        media_type = PROBLEM if status >= 400 else "application/json"
        return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)


@dataclass
class UnitOfWork:
    """One command's work inside its transaction: load, decide, save."""

    conn: AsyncConnection
    chassis: Chassis
    principal: Principal
    context: CommandContext
    expected_version: int | None
    recorded: list[Envelope] = field(default_factory=list)

    def now(self) -> datetime:
        """The instant this command decides at, from the chassis' (injectable) clock."""
        return self.chassis.clock.now()

    async def load(self, cls: type[A], stream_id: str) -> A:
        """The command's target aggregate (404 if none), checked against If-Match."""
        aggregate = await self.chassis.repository.get(self.conn, cls, stream_id)
        self.expect(aggregate)
        return aggregate

    def expect(self, aggregate: Aggregate) -> None:
        """409 `version_conflict` unless the aggregate is at the If-Match version."""
        expected = self.expected_version
        if expected is not None and aggregate.version != expected:
            raise VersionConflict(
                f"{aggregate.stream_type} {aggregate.id} is at version {aggregate.version}, "
                f"not {expected}",
                expected_version=expected,
                actual_version=aggregate.version,
            )

    async def save(self, aggregate: Aggregate) -> list[Envelope]:
        recorded = await self.chassis.repository.save(self.conn, aggregate, self.context)
        self.recorded.extend(recorded)
        return recorded

    def result(
        self,
        aggregate: Aggregate,
        body: Mapping[str, Any] | BaseModel,
        *,
        status: int = 200,
        location: str | None = None,
    ) -> CommandResult:
        """The answer naming `aggregate`'s version and every event this unit saved."""
        return CommandResult(
            status, body, aggregate.version, [e.id for e in self.recorded], location
        )


Handler = Callable[[UnitOfWork], Awaitable[CommandResult]]


@dataclass(frozen=True)
class CommandRequest:
    """A command's HTTP request, ready to execute a handler."""

    chassis: Chassis
    principal: Principal
    expected_version: int | None
    idempotent: IdempotentRequest | None

    def require_if_match(self) -> None:
        """Edits (PATCH) name the version they were based on: 428 without If-Match."""
        if self.expected_version is None:
            raise PreconditionRequired("an edit needs If-Match with the version it was based on")

    async def execute(self, handler: Handler) -> Response:
        """Run `handler` in one transaction with its stored response, or replay
        the response of an earlier request with the same Idempotency-Key.

        A replay skips If-Match: the command it repeats already passed that check.
        A refused command (any error) rolls back with its key, so it is not
        replayed: it changed nothing, and a retry is decided afresh.

        Without If-Match the caller did not ask to act on a version it saw, so a
        concurrent writer (another user, the scheduler, a policy) that moved the
        aggregate first is not the caller's conflict: the command is decided
        again on the new state, a few times, before 409 reaches the caller."""
        attempts = 1 if self.expected_version is not None else CONFLICT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                return await self._execute_once(handler)
            except VersionConflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    async def _execute_once(self, handler: Handler) -> Response:
        async with self.chassis.engine.begin() as conn:
            if self.idempotent is not None:
                stored = await self.idempotent.claim(conn)
                if stored is not None:
                    return stored
            context = CommandContext(actor=self.principal.actor)
            uow = UnitOfWork(conn, self.chassis, self.principal, context, self.expected_version)
            response = (await handler(uow)).response()
            if self.idempotent is not None:
                await self.idempotent.remember(conn, response)
        return response


async def command_request(
    request: Request,
    chassis: ChassisDep,
    principal: CurrentUser,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=KEY_PATTERN,
            description="Any unique string (e.g. a UUID): a retry with the same key and "
            "body returns the first response and changes nothing.",
        ),
    ] = None,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag read, like "3": a stale one is 409 `version_conflict`, '
            "a malformed one 422.",
        ),
    ] = None,
) -> CommandRequest:
    idempotent = None
    if idempotency_key is not None:
        idempotent = IdempotentRequest.of(
            principal.sub,
            idempotency_key,
            request.method,
            request.url.path,
            request.url.query,
            await request.body(),
        )
    return CommandRequest(chassis, principal, parse_if_match(if_match), idempotent)


CommandDep = Annotated[CommandRequest, Depends(command_request)]
"""Route parameter of every command: `command: CommandDep`."""
