"""Reading the other services' event feeds (`GET /v1/events`) over HTTP, as an
auditor: for the audit cross-check and for a rebuild from the feeds."""

from __future__ import annotations

import functools
import ssl
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx

from shared.audit import in_slices
from shared.auth import mint_token
from shared.events import Envelope
from shared.settings import Settings

FeedClients = Callable[[str], httpx.AsyncClient]
"""A new client for a source service, its base URL set; the caller closes it."""
PAGE = 500


class FeedUnavailable(Exception):
    """A source's feed could not be read: down, refusing the token, or answering nonsense."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"the {source} feed cannot be read: {detail}")
        self.source = source


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Made once: loading the certificate store takes tens of milliseconds of
    CPU, which a client made per feed read would spend on the event loop."""
    return ssl.create_default_context()


def http_clients(settings: Settings) -> FeedClients:
    """Clients reaching each service at `Settings.url_of`."""

    def client(source: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=settings.url_of(source), timeout=30, verify=tls_context())

    return client


def feed_token(settings: Settings) -> str:
    """Reporting reads the feeds as an auditor, with a token minted from the shared secret."""
    try:
        return mint_token(
            settings,
            "reporting",
            ["auditor"],
            name="reporting service",
            lifetime=timedelta(minutes=30),
        )
    except ValueError as exc:  # tokens come from a JWKS provider: none can be minted here
        raise FeedUnavailable("any", str(exc)) from None


async def read_feed(clients: FeedClients, source: str, token: str) -> AsyncIterator[list[Envelope]]:
    """The source's events in its commit-safe order, a page at a time."""
    async for page, _ in read_feed_pages(clients, source, token):
        yield page


async def read_feed_pages(
    clients: FeedClients,
    source: str,
    token: str,
    after: str | None = None,
) -> AsyncIterator[tuple[list[Envelope], str]]:
    """The source's events after the cursor `after` (from the start if None), a page
    at a time, each with the cursor to continue after it."""
    headers = {"Authorization": f"Bearer {token}"}
    async with clients(source) as client:
        while True:
            params: dict[str, str | int] = {"limit": PAGE}
            if after is not None:
                params["after"] = after
            try:
                response = await client.get("/v1/events", params=params, headers=headers)
                response.raise_for_status()
                body = response.json()
                items = []
                async for chunk in in_slices(body["items"]):  # the loop serves others meanwhile
                    items += [Envelope.model_validate(item) for item in chunk]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise FeedUnavailable(source, f"{type(exc).__name__}: {exc}") from None
            if not items:
                return
            after = str(body["next_cursor"])
            yield items, after
