"""A ceiling on request bodies, enforced while they arrive and before any is parsed."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import problems

DEFAULT_LIMIT_BYTES = 1024 * 1024  # 1 MiB, as Settings.max_request_body_bytes
# File uploads (`POST .../annexes`) stream their body through their own limit,
# the upload's, checked as the bytes arrive (shared/uploads.py).
FILE_UPLOADS = re.compile(r"/annexes/?$")


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class BodyLimit:
    """Refuses a body over `limit` bytes with 413 `payload_too_large`.

    A declared Content-Length over the limit is refused before a byte is read;
    a body without one (chunked) is counted as it streams in, and refused the
    moment it passes the limit, so no handler ever holds more than that."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_LIMIT_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_file_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            response = problems.problem(
                413, "payload_too_large", _too_large(self.limit), _too_large(self.limit)
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI lets an HTTPException out of the body reading as it
                    # is, and shared.problems turns it into the same 413 problem.
                    raise HTTPException(413, _too_large(self.limit))
            return message

        await self.app(scope, counted, send)


def _is_file_upload(scope: Scope) -> bool:
    return scope["method"] == "POST" and FILE_UPLOADS.search(scope["path"]) is not None
