"""An upload is checked as its chunks arrive: the text check runs past the first
bytes, a sender that goes away leaves nothing, and a file's name loses its
folders. (The real backends are tested in tests/integration/chassis.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from starlette.requests import Request
from starlette.types import Message

from shared.uploads import (
    AnnexTypeNotAllowed,
    UploadInterrupted,
    UploadRule,
    receive,
)

CSV_RULE = UploadRule(media_types=("text/csv",), max_bytes=1024 * 1024)


class Staged:
    def __init__(self, store: MemoryStore) -> None:
        self.store, self.chunks = store, bytearray()

    async def write(self, chunk: bytes) -> None:
        self.chunks += chunk

    async def keep(self, sha256: str, size: int) -> bool:
        new = sha256 not in self.store.kept
        self.store.kept[sha256] = bytes(self.chunks)
        return new


class MemoryStore:
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    @asynccontextmanager
    async def stage(self) -> AsyncIterator[Staged]:
        yield Staged(self)

    async def holds(self, sha256: str) -> bool:
        return sha256 in self.kept

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        yield self.kept[sha256]


def request(chunks: list[bytes], headers: dict[str, str], *, disconnect: bool = False) -> Request:
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks
    ]
    messages.append(
        {"type": "http.disconnect"}
        if disconnect
        else {"type": "http.request", "body": b"", "more_body": False}
    )

    async def receive_message() -> Message:
        return messages.pop(0)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/x/annexes",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
    }
    return Request(scope, receive_message)


async def test_text_that_stops_being_utf8_after_its_first_bytes_is_refused() -> None:
    store = MemoryStore()
    rows = b"category,amount\n" * 1000  # 16 KB of good text
    with pytest.raises(AnnexTypeNotAllowed):
        await receive(
            request([rows, b"\xff\xfe broken"], {"content-type": "text/csv"}),
            store,
            CSV_RULE,
            ceiling=10**9,
            name="b.csv",
        )
    assert store.kept == {}


async def test_a_sender_that_goes_away_leaves_nothing() -> None:
    store = MemoryStore()
    with pytest.raises(UploadInterrupted):
        await receive(
            request([b"a,b\n" * 5000], {"content-type": "text/csv"}, disconnect=True),
            store,
            CSV_RULE,
            ceiling=10**9,
            name=None,
        )
    assert store.kept == {}


async def test_a_files_name_keeps_no_folder_and_no_control_character() -> None:
    store = MemoryStore()
    headers = {
        "content-type": "text/csv",
        "content-disposition": 'attachment; filename="..\\\\..\\\\evil\x07.csv"',
    }
    received = await receive(
        request([b"a,b\n"], headers), store, CSV_RULE, ceiling=10**9, name=None
    )
    assert received.name == "evil.csv"
    named = await receive(
        request([b"a,b\n"], {"content-type": "text/csv"}),
        store,
        CSV_RULE,
        ceiling=10**9,
        name="../../etc/passwd",
    )
    assert (named.name, named.stored) == ("passwd", False)
