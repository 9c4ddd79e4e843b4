"""The demo's view of Cascade: the four public HTTP APIs, called as the person
each role would be, with development tokens. Nothing here reaches a database
or a topic: the demo sees only what a frontend sees."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import Settings

Json = dict[str, Any]


class DemoError(RuntimeError):
    """A service answered what the scenario did not expect: the demo stops and says so."""


@dataclass(frozen=True)
class Person:
    sub: str
    roles: tuple[str, ...]


class Cascade:
    """HTTP clients of the four services and tokens for the people of the scenario."""

    def __init__(self, settings: Settings, urls: dict[str, str], *, timeout: float = 30.0):
        self._settings = settings
        self._tokens: dict[Person, str] = {}
        # The events every command recorded: what reporting must have applied
        # before the demo's figures can be read.
        self.event_ids: list[str] = []
        self._clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()
        }

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients.values()))

    def headers(self, who: Person) -> dict[str, str]:
        if who not in self._tokens:
            self._tokens[who] = mint_token(self._settings, who.sub, list(who.roles))
        return {"Authorization": f"Bearer {self._tokens[who]}"}

    async def ready(self) -> list[str]:
        """The services that do not answer `/readyz` with 200."""

        async def check(name: str, client: httpx.AsyncClient) -> str | None:
            try:
                return None if (await client.get("/readyz")).status_code == 200 else name
            except httpx.HTTPError:
                return name

        answers = await asyncio.gather(*(check(n, c) for n, c in self._clients.items()))
        return [name for name in answers if name is not None]

    async def send(
        self,
        service: str,
        who: Person,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        expect: Collection[int] = (200, 201),
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """One request (a JSON `body`, or raw `content`); an answer outside
        `expect` stops the demo with its problem."""
        headers = {**self.headers(who), **(headers or {})}
        if method == "POST":
            # A retry after a lost answer must not act twice; and each command
            # starts its own trace, as a frontend's would (W3C traceparent).
            headers = {
                **headers,
                "Idempotency-Key": str(uuid.uuid4()),
                "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
            }
        answer = await self._clients[service].request(
            method,
            path,
            json=body if content is None else None,
            content=content,
            params=params,
            headers=headers,
        )
        if answer.status_code not in expect:
            raise DemoError(
                f"{method} {service}{path} as {who.sub}: {answer.status_code} {answer.text[:500]}"
            )
        if method == "POST" and answer.headers.get("content-type", "").endswith("json"):
            self.event_ids.extend(answer.json().get("event_ids", []))
        return answer

    async def post(
        self,
        service: str,
        who: Person,
        path: str,
        body: Json | None = None,
        *,
        expect: Collection[int] = (200, 201),
    ) -> Json:
        answer = await self.send(
            service, who, "POST", path, body if body is not None else {}, expect=expect
        )
        result: Json = answer.json()
        return result

    async def get(self, service: str, who: Person, path: str, **params: Any) -> Json:
        result: Json = (await self.send(service, who, "GET", path, params=params)).json()
        return result

    async def items(self, service: str, who: Person, path: str, **params: Any) -> list[Json]:
        """Every item of a paginated list."""
        found: list[Json] = []
        cursor: str | None = None
        while True:
            page = await self.get(
                service, who, path, limit=500, **params, **({"cursor": cursor} if cursor else {})
            )
            found.extend(page["items"])
            if (cursor := page.get("next_cursor")) is None:
                return found


async def until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0, interval: float = 0.2
) -> None:
    """Wait for `check` to hold: the services agree through events, a little later."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise DemoError(f"gave up after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)
