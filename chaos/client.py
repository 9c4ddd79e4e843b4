"""A client as a careful frontend is one: every command under its own
Idempotency-Key, retried under that same key until a service gives a definite
answer, however often the process behind the URL dies, pauses or loses its
database in between."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import Settings

Json = dict[str, Any]

# A command is given up only after this long without a definite answer: far
# longer than any fault of a trial lasts, so a give-up is itself a finding.
PATIENCE_S = 120.0
# Per attempt: a paused (SIGSTOPped) process answers nothing until resumed.
ATTEMPT_TIMEOUT_S = 10.0
RETRY_PAUSE_S = 0.25


class Unanswered(RuntimeError):
    """A command that got no definite answer within PATIENCE_S."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Json
    attempts: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Traffic:
    """What the clients saw: definite answers, retries, and what never answered."""

    commands: int = 0
    retries: int = 0
    unanswered: list[str] = field(default_factory=list)


def _definite(response: httpx.Response) -> bool:
    """A 2xx or a 4xx is the service's decision; a 5xx (503 while the database is
    away, 502/504 from anything in between) is only a reason to try again."""
    return response.status_code < 500


class Client:
    """HTTP clients of the four services, tokens per person, and retries."""

    def __init__(self, settings: Settings, urls: dict[str, str]) -> None:
        self._settings = settings
        self._tokens: dict[tuple[str, str], str] = {}
        self.traffic = Traffic()
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=10)
        self._http = {
            name: httpx.AsyncClient(base_url=url, timeout=ATTEMPT_TIMEOUT_S, limits=limits)
            for name, url in urls.items()
        }

    @property
    def services(self) -> list[str]:
        return list(self._http)

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._http.values()))

    def auth(self, sub: str, role: str) -> dict[str, str]:
        if (sub, role) not in self._tokens:
            self._tokens[(sub, role)] = mint_token(self._settings, sub, [role])
        return {"Authorization": f"Bearer {self._tokens[(sub, role)]}"}

    async def command(
        self,
        service: str,
        who: tuple[str, str],
        path: str,
        body: Json | None = None,
        *,
        key: str | None = None,
    ) -> Answer:
        """POST `body` under one Idempotency-Key until a definite answer."""
        headers = {**self.auth(*who), "Idempotency-Key": key or str(uuid.uuid4())}
        self.traffic.commands += 1
        return await self._until_definite(
            service, "POST", path, headers=headers, json=body if body is not None else {}
        )

    async def read(self, service: str, who: tuple[str, str], path: str, **params: Any) -> Answer:
        return await self._until_definite(
            service, "GET", path, headers=self.auth(*who), params=params
        )

    async def read_ok(self, service: str, who: tuple[str, str], path: str, **params: Any) -> Json:
        answer = await self.read(service, who, path, **params)
        if not answer.ok:
            raise RuntimeError(f"GET {service}{path}: {answer.status} {answer.body}")
        return answer.body

    async def items(
        self, service: str, who: tuple[str, str], path: str, **params: Any
    ) -> list[Json]:
        """Every item of a paginated list."""
        found: list[Json] = []
        cursor: str | None = None
        while True:
            page = await self.read_ok(
                service, who, path, limit=500, **params, **({"cursor": cursor} if cursor else {})
            )
            found.extend(page["items"])
            if (cursor := page.get("next_cursor")) is None:
                return found

    async def _until_definite(
        self,
        service: str,
        method: str,
        path: str,
        **request: Any,
    ) -> Answer:
        deadline = time.monotonic() + PATIENCE_S
        attempts = 0
        last = "no attempt"
        while time.monotonic() < deadline:
            attempts += 1
            if attempts > 1:
                self.traffic.retries += 1
                await asyncio.sleep(RETRY_PAUSE_S)
            try:
                response = await self._http[service].request(method, path, **request)
            except httpx.HTTPError as exc:  # refused, reset or timed out: the same again
                last = f"{type(exc).__name__}"
                continue
            if _definite(response):
                return Answer(response.status_code, _json(response), attempts)
            last = f"{response.status_code}"
        what = f"{method} {service}{path}"
        self.traffic.unanswered.append(what)
        raise Unanswered(f"{what}: no definite answer in {PATIENCE_S:.0f}s ({last})")


def _json(response: httpx.Response) -> Json:
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text[:300]}
    return body if isinstance(body, dict) else {"items": body}
