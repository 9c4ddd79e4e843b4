"""A dossier's events checked a line at a time against its signed index and
heads, and folded into stream records for the figures. No I/O.

The index (signed through the manifest) says which event each line held and
its SHA-256: a line that differs is a changed event, one it does not list is
inserted, one it lists that never comes is removed, and lines out of its order
are moved. Apart from that, each stream's chain links (`prev_hash` to the hash
before it, versions without gaps, the last hash equal to the signed head) are
checked as stored: the HMAC behind each hash needs the chain key, the linkage
does not. Given the key, each hash is recomputed as well."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.reporting import dossier_format as fmt
from services.reporting.fold import apply, source_of
from services.reporting.records import StreamRecord
from shared.events import Envelope, FutureSchemaVersion, UnknownEventType, registry
from shared.integrity import ChainCheck, Head, event_hash

Raw = tuple[str, str, str, str]  # part, kind, where, detail


@dataclass(frozen=True)
class Signed:
    line: int
    sha256: str
    source: str
    stream_id: str
    version: int

    def named(self, event_id: str) -> str:
        return f"event {event_id} ({self.source} stream {self.stream_id} version {self.version})"


class EventChecks:
    def __init__(
        self, index: Iterable[bytes], heads: Iterable[bytes], integrity_key: bytes | None = None
    ) -> None:
        """`integrity_key`: the chain's HMAC key, for those who hold it (each event's
        hash is then recomputed too); without it the links are checked as stored."""
        self._integrity_key = integrity_key
        self.findings: list[Raw] = []
        self._signed: dict[str, Signed] = {}
        for number, line in enumerate(index, start=1):
            try:
                entry = json.loads(line)
                self._signed[str(entry["id"])] = Signed(
                    int(entry["line"]),
                    str(entry["sha256"]),
                    str(entry["source"]),
                    str(entry["stream_id"]),
                    int(entry["version"]),
                )
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                self.findings.append((fmt.INDEX, "unreadable_line", f"line {number}", str(exc)))
        self._heads: dict[tuple[str, str], Head] = {}
        for number, line in enumerate(heads, start=1):
            try:
                head = json.loads(line)
                key = (str(head["source"]), str(head["stream_id"]))
                self._heads[key] = Head(key[1], int(head["version"]), str(head["hash"]))
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                self.findings.append((fmt.HEADS, "unreadable_line", f"line {number}", str(exc)))
        self._chains: dict[tuple[str, str], ChainCheck] = {}
        self._records: dict[str, StreamRecord] = {}
        self._seen: set[str] = set()
        self._order: list[tuple[int, int, str]] = []  # (signed line, line, id) in file order
        self.events = 0

    @property
    def streams(self) -> int:
        return len(self._chains)

    def take(self, number: int, line: bytes) -> None:
        where = f"line {number}"
        try:
            event: dict[str, Any] = json.loads(line)
            event_id, source = str(event["id"]), str(event.pop("source"))
            envelope = Envelope.model_validate(event)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            self.findings.append(
                (fmt.EVENTS, "unreadable_line", where, f"not an event: {str(exc)[:200]}")
            )
            return
        self.events += 1
        self._against_index(number, line, event_id, envelope)
        self._link(source, envelope)
        self._fold(envelope, where)

    def _against_index(self, number: int, line: bytes, event_id: str, envelope: Envelope) -> None:
        where, signed = f"line {number}", self._signed.get(event_id)
        named = f"event {event_id} ({envelope.type}, stream {envelope.stream_id} version {envelope.version})"
        if signed is None or event_id in self._seen:
            self.findings.append(
                (fmt.EVENTS, "inserted", where, f"{named} is not in the signed index: inserted")
            )
            return
        self._seen.add(event_id)
        self._order.append((signed.line, number, event_id))
        if fmt.digest(line) != signed.sha256:
            self.findings.append(
                (
                    fmt.EVENTS,
                    "changed",
                    where,
                    f"{named} differs from the event signed as line {signed.line}: changed",
                )
            )

    def _link(self, source: str, envelope: Envelope) -> None:
        key = (source, envelope.stream_id)
        check = self._chains.setdefault(key, ChainCheck(envelope.stream_id))
        for found in check.row(
            version=envelope.version,
            event_id=envelope.id,
            event_type=envelope.type,
            prev_hash=envelope.prev_hash,
            hash=envelope.hash,
            intact=self._matches_its_hash(envelope),
        ):
            self._chain_finding(source, found.kind, found.stream_id, found.version, found.detail)

    def _matches_its_hash(self, envelope: Envelope) -> bool:
        """Without the key, content is the signed index's to judge: only the links count."""
        if self._integrity_key is None:
            return True
        return event_hash(self._integrity_key, envelope.prev_hash, envelope.model_dump()) == (
            envelope.hash
        )

    def _chain_finding(
        self, source: str, kind: str, stream_id: str, version: int | None, detail: str
    ) -> None:
        at = f"{source} stream {stream_id}" + (f" version {version}" if version else "")
        self.findings.append(("chains", kind, at, detail))

    def _fold(self, envelope: Envelope, where: str) -> None:
        record = self._records.setdefault(
            envelope.stream_id,
            StreamRecord(stream_id=envelope.stream_id, source=source_of(envelope.type)),
        )
        if envelope.version != record.version + 1:
            return  # after a gap the stream stands still, as reporting's projection does
        try:
            apply(record, envelope, registry.decode(envelope))
        except (UnknownEventType, FutureSchemaVersion, ValidationError, ValueError) as exc:
            # As the projection: an event it cannot apply is passed over.
            record.version = envelope.version
            self.findings.append((fmt.EVENTS, "not_applicable", where, str(exc)[:200]))

    def end(self) -> None:
        for event_id, signed in self._signed.items():
            if event_id not in self._seen:
                self.findings.append(
                    (
                        fmt.EVENTS,
                        "removed",
                        f"signed line {signed.line}",
                        f"{signed.named(event_id)} is missing from {fmt.EVENTS}: removed",
                    )
                )
        kept = _in_order(self._order)
        for signed_line, number, event_id in self._order:
            if (signed_line, number, event_id) not in kept:
                self.findings.append(
                    (
                        fmt.EVENTS,
                        "moved",
                        f"line {number}",
                        f"event {event_id} was signed as line {signed_line}: moved",
                    )
                )
        for key in sorted(self._chains.keys() | self._heads.keys()):
            check = self._chains.get(key) or ChainCheck(key[1])
            for found in check.end(self._heads.get(key)):
                self._chain_finding(
                    key[0], found.kind, found.stream_id, found.version, found.detail
                )

    def records(self) -> list[StreamRecord]:
        return list(self._records.values())


def _in_order(order: list[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    """The longest run of lines that keeps the signed order (what did not move)."""
    tails: list[int] = []  # the smallest signed line ending a run of each length
    tail_at: list[int] = []  # its position in `order`
    previous = [-1] * len(order)
    for position, (signed_line, _, _) in enumerate(order):
        length = bisect.bisect_left(tails, signed_line)
        if length == len(tails):
            tails.append(signed_line)
            tail_at.append(position)
        else:
            tails[length], tail_at[length] = signed_line, position
        previous[position] = tail_at[length - 1] if length else -1
    kept, position = set(), tail_at[-1] if tail_at else -1
    while position >= 0:
        kept.add(order[position])
        position = previous[position]
    return kept
