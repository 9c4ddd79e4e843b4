"""A stored file as an HTTP answer: its exact bytes, streamed from the file store,
with the media type it was kept under and its hash (RFC 9530 `Repr-Digest`)."""

from __future__ import annotations

import base64
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from shared.files import FileNotStored, FileStore


async def download(
    store: FileStore, *, sha256: str, media_type: str, name: str, size: int
) -> StreamingResponse:
    if not await store.holds(sha256):
        raise FileNotStored(f"the bytes of {name!r} (SHA-256 {sha256}) are not in the store")
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
        "Repr-Digest": f"sha-256=:{digest}:",
        "ETag": f'"{sha256}"',
        # The browser must not second-guess the type the content was checked against.
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(store.read(sha256), media_type=media_type, headers=headers)
