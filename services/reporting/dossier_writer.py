"""Writing a dossier (services/reporting/dossier_format.py says what it holds) to
any writable stream, a part at a time, in the memory of a page of events.

The events go straight into their ZIP member; their index lines and the stream
heads wait in temporary files (spilling to disk past a few megabytes) until the
events are written, since a ZIP member is written whole before the next."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.reporting import dossier_format as fmt
from shared.integrity import canonical_json

SPOOL_BYTES = 4 * 1024 * 1024


class Signer(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class Chunks:
    """A write-only stream whose written bytes are taken away in chunks: lets the
    HTTP answer send the ZIP as it is written (zipfile writes data descriptors
    to a stream it cannot seek)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: `take` hands the bytes on."""

    def close(self) -> None:
        """Nothing to close: the bytes are taken away as they come."""

    def take(self) -> bytes:
        taken, self._buffer = bytes(self._buffer), bytearray()
        return taken


@dataclass
class PartSummary:
    sha256: str
    bytes: int
    lines: int

    def as_json(self, name: str) -> dict[str, Any]:
        return {"name": name, "sha256": self.sha256, "bytes": self.bytes, "lines": self.lines}


class _Part:
    """A ZIP member being written, hashed and measured on the way."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._member = archive.open(name, "w", force_zip64=True)
        self._sha, self._bytes, self._lines = hashlib.sha256(), 0, 0

    def line(self, data: bytes) -> None:
        self.write(data + b"\n")
        self._lines += 1

    def write(self, data: bytes) -> None:
        self._member.write(data)
        self._sha.update(data)
        self._bytes += len(data)

    def lines(self, data: bytes) -> int:
        """Whole lines, already ended by newlines (a copy of a spooled part)."""
        self.write(data)
        self._lines += data.count(b"\n")
        return len(data)

    def close(self) -> PartSummary:
        self._member.close()
        return PartSummary(self._sha.hexdigest(), self._bytes, self._lines)


class DossierWriter:
    """`report`, then `events` as many times as there are pages, then `finish`."""

    def __init__(self, out: Chunks, programme_id: str, created_at: str) -> None:
        self._archive = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self._programme_id, self._created_at = programme_id, created_at
        self._parts: dict[str, PartSummary] = {}
        self._events: _Part | None = None
        # Closed by `finish`, once copied into the archive.
        self._index = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._heads = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._head: dict[str, Any] | None = None
        self._by_source: dict[str, int] = {}
        self._written, self._streams = 0, 0

    def report(self, report: Mapping[str, Any]) -> None:
        part = _Part(self._archive, fmt.REPORT)
        part.line(canonical_json(report))
        self._parts[fmt.REPORT] = part.close()

    def events(self, page: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """(source, envelope as stored) pairs, in source, stream and version order."""
        if self._events is None:
            self._events = _Part(self._archive, fmt.EVENTS)
        for source, envelope in page:
            line = fmt.event_line(source, envelope)
            self._events.line(line)
            self._written += 1
            self._index.write(
                canonical_json(
                    {
                        "line": self._written,
                        "id": envelope["id"],
                        "source": source,
                        "stream_id": envelope["stream_id"],
                        "version": envelope["version"],
                        "sha256": fmt.digest(line),
                    }
                )
                + b"\n"
            )
            self._by_source[source] = self._by_source.get(source, 0) + 1
            self._advance_head(source, envelope)

    def _advance_head(self, source: str, envelope: Mapping[str, Any]) -> None:
        head = self._head
        if head is not None and (head["source"], head["stream_id"]) != (
            source,
            envelope["stream_id"],
        ):
            self._write_head()
        if self._head is None:
            self._head = {"source": source, "stream_id": envelope["stream_id"], "events": 0}
        self._head.update(version=envelope["version"], hash=envelope["hash"])
        self._head["events"] += 1

    def _write_head(self) -> None:
        if self._head is not None:
            self._heads.write(canonical_json(self._head) + b"\n")
            self._streams += 1
            self._head = None

    def finish(self, sign: Signer, attested: Mapping[str, Any]) -> dict[str, Any]:
        """Write the index, the heads, the manifest (with `attested`: what the
        builder checked) and its signature; the manifest written."""
        self._write_head()
        if self._events is None:
            self._events = _Part(self._archive, fmt.EVENTS)
        self._parts[fmt.EVENTS] = self._events.close()
        for name, spool in ((fmt.INDEX, self._index), (fmt.HEADS, self._heads)):
            spool.seek(0)
            part = _Part(self._archive, name)
            shutil.copyfileobj(spool, _Lines(part))
            self._parts[name] = part.close()
            spool.close()
        manifest = {
            "format": fmt.FORMAT,
            "programme_id": self._programme_id,
            "created_at": self._created_at,
            "algorithm": fmt.ALGORITHM,
            "key_id": sign.key_id,
            "events": dict(self._by_source),
            "streams": self._streams,
            "parts": [self._parts[name].as_json(name) for name in fmt.PARTS],
            **attested,
        }
        body = canonical_json(manifest)
        self._archive.writestr(fmt.MANIFEST, body)
        self._archive.writestr(fmt.SIGNATURE, sign.sign(body))
        self._archive.close()
        return manifest


class _Lines:
    """`_Part.lines` as a writable stream, for `shutil.copyfileobj`."""

    def __init__(self, part: _Part) -> None:
        self.write = part.lines
