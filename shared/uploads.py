"""Receiving one uploaded file from a request stream into the file store, checked
as it arrives: never more than its limit read, its type judged from its content,
nothing kept unless the whole file passed.

The file is the request body with its `Content-Type` (and optionally a
`Content-Disposition` naming it), or the file part of a `multipart/form-data`
body. The chassis' JSON body limit lets these routes through (`shared/body_limit.py`):
the limit that counts is the upload's own, under `Settings.max_upload_bytes`."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, NoReturn

from fastapi import Request
from starlette.requests import ClientDisconnect

from shared import multipart, sniffing
from shared.errors import CascadeError
from shared.files import FileStore, StagedFile

# What a multipart body may carry beyond its file: boundaries and part headers.
MULTIPART_OVERHEAD = 64 * 1024
NAME_BYTES = 255


# The OpenAPI of an upload route: its body, and the refusals of the upload itself.
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file as the body with its own `Content-Type` (and optionally "
        "`Content-Disposition: attachment; filename=...`), or a multipart/form-data body "
        "whose file part is the file. Its type is judged from its content.",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "`multipart_invalid`: the multipart body cannot be read"},
    413: {"description": "`annex_too_large`: over the file's size limit, nothing kept"},
    415: {
        "description": "`annex_type_not_allowed`: the content is not of an allowed "
        "media type, whatever the Content-Type header says; nothing kept"
    },
    422: {
        "description": "`annex_empty`, `annex_file_missing` (a multipart body without "
        "a file part), `invalid_input`"
    },
}


class AnnexTooLarge(CascadeError):
    code = "annex_too_large"
    status = 413
    title = "Annex too large"


class AnnexTypeNotAllowed(CascadeError):
    code = "annex_type_not_allowed"
    status = 415
    title = "Annex type not allowed"


class UploadInterrupted(CascadeError):
    """The sender went away before the file was whole: nothing was kept."""

    code = "upload_interrupted"
    status = 400
    title = "Upload interrupted"


class AnnexEmpty(CascadeError):
    code = "annex_empty"
    status = 422
    title = "Empty annex"


@dataclass(frozen=True)
class UploadRule:
    """What one upload may be: its media types and its size."""

    media_types: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class ReceivedFile:
    name: str
    media_type: str
    size: int
    sha256: str
    stored: bool  # False: the store held these bytes already


class _Intake:
    """The bytes of one file as they arrive: counted, hashed, judged, staged."""

    def __init__(self, staged: StagedFile, rule: UploadRule, limit: int, declared: str) -> None:
        self.staged, self.rule, self.limit, self.declared = staged, rule, limit, declared
        self.head = bytearray()
        self.size = 0
        self.digest = hashlib.sha256()
        self.media_type: str | None = None
        self.text: codecs.IncrementalDecoder | None = None

    async def take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise AnnexTooLarge(
                f"the file is larger than its limit of {self.limit} bytes", max_bytes=self.limit
            )
        self.digest.update(chunk)
        if self.media_type is not None:
            await self._stage(chunk)
            return
        self.head += chunk
        if len(self.head) >= sniffing.HEAD_BYTES:
            await self._judge()

    async def _judge(self) -> None:
        head = bytes(self.head)
        self.media_type = sniffing.media_type_of(self.declared, head, self.rule.media_types)
        if self.media_type is None:
            self._refuse_type()
        if sniffing.is_text(self.media_type):
            self.text = codecs.getincrementaldecoder("utf-8")()
        self.head.clear()
        await self._stage(head)

    async def _stage(self, chunk: bytes) -> None:
        if self.text is not None:
            try:
                self.text.decode(chunk)
            except UnicodeDecodeError:
                self._refuse_type()
            if b"\x00" in chunk:
                self._refuse_type()
        await self.staged.write(chunk)

    def _refuse_type(self) -> NoReturn:
        found = sniffing.recognised(bytes(self.head)) if self.head else []
        raise AnnexTypeNotAllowed(
            "the file's content is not of a type allowed here"
            + (f" (it was sent as {self.declared})" if self.declared else ""),
            allowed=list(self.rule.media_types),
            declared=self.declared or None,
            recognised=found,
        )

    async def finish(self, name: str) -> ReceivedFile:
        if self.size == 0:
            raise AnnexEmpty("the file is empty")
        if self.media_type is None:
            await self._judge()
        assert self.media_type is not None
        if self.text is not None:
            try:
                self.text.decode(b"", final=True)
            except UnicodeDecodeError:
                self._refuse_type()
        sha256 = self.digest.hexdigest()
        stored = await self.staged.keep(sha256, self.size)
        return ReceivedFile(name, self.media_type, self.size, sha256, stored)


async def receive(
    request: Request, store: FileStore, rule: UploadRule, *, ceiling: int, name: str | None
) -> ReceivedFile:
    """The file of `request`, kept in `store` once it passed every check; refused
    (413, 415, 422) with nothing kept as soon as a check fails."""
    limit = min(rule.max_bytes, ceiling)
    content_type = request.headers.get("content-type", "")
    form = multipart.boundary_of(content_type)
    allowance = limit + (MULTIPART_OVERHEAD if form is not None else 0)
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > allowance:
        raise AnnexTooLarge(f"the file is larger than its limit of {limit} bytes", max_bytes=limit)
    try:
        async with store.stage() as staged:
            if form is None:
                intake = _Intake(staged, rule, limit, content_type)
                async for chunk in request.stream():
                    await intake.take(chunk)
                return await intake.finish(_clean_name(name or _disposition_name(request)))
            return await _receive_form(request.stream(), form, staged, rule, limit, allowance)
    except ClientDisconnect:
        raise UploadInterrupted("the connection closed before the whole file arrived") from None


async def _receive_form(
    stream: AsyncIterator[bytes],
    boundary: bytes,
    staged: StagedFile,
    rule: UploadRule,
    limit: int,
    allowance: int,
) -> ReceivedFile:
    reader = multipart.FilePartReader(boundary)
    intake: _Intake | None = None
    read = 0
    async for chunk in stream:
        read += len(chunk)
        if read > allowance:
            raise AnnexTooLarge(
                f"the file is larger than its limit of {limit} bytes", max_bytes=limit
            )
        for data in reader.feed(chunk):
            if intake is None:
                intake = _Intake(staged, rule, limit, reader.media_type)
            await intake.take(data)
    reader.close()
    if intake is None:
        if not reader.found:
            raise multipart.NoFilePart("the multipart body has no file part")
        intake = _Intake(staged, rule, limit, reader.media_type)
    return await intake.finish(_clean_name(reader.filename))


_DISPOSITION_NAME = re.compile(r'filename="?([^";]+)"?', re.IGNORECASE)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _disposition_name(request: Request) -> str:
    found = _DISPOSITION_NAME.search(request.headers.get("content-disposition", ""))
    return found.group(1) if found else ""


def _clean_name(name: str) -> str:
    """The file's own name: no folders, no control characters, at most 255 bytes."""
    base = _UNPRINTABLE.sub("", re.split(r"[\\/]", name)[-1]).strip()
    return base.encode()[:NAME_BYTES].decode(errors="ignore") or "annex"
