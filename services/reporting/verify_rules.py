"""The rules of the audit check, on rows and envelopes in memory: the chain's
breaks from links in stream order, and the differences between the audit copy
and a source's feed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from services.reporting.store import ENVELOPE_FIELDS, envelope_of
from shared.events import Envelope
from shared.integrity import ChainCheck, canonical_json, event_hash

FoundIn = Literal["source", "audit_copy", "cross_check"]


@dataclass(frozen=True)
class Difference:
    source: str
    found_in: FoundIn
    kind: str
    stream_id: str | None
    version: int | None
    event_id: str | None
    detail: str


def link(row: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """What the chain's order checks need of an event, its hash checked once."""
    return {
        "id": row["id"],
        "stream_id": row["stream_id"],
        "version": int(row["version"]),
        "type": row["type"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
        "intact": event_hash(key, row["prev_hash"], row) == row["hash"],
    }


class StreamedChain:
    """Broken links of each stream's chain (altered, missing, out of order), from
    links in (stream, version) order.

    Each stream is checked up to its newest event here: the newest removed is
    the cross-check's to find, since only the source holds the stream's head."""

    def __init__(self, source: str, found_in: FoundIn) -> None:
        self._source, self._found_in = source, found_in
        self._check: ChainCheck | None = None

    def take(self, links: Iterable[Mapping[str, Any]]) -> list[Difference]:
        differences = []
        for row in links:
            if self._check is None or row["stream_id"] != self._check.stream_id:
                self._check = ChainCheck(row["stream_id"])
            for found in self._check.row(
                version=row["version"],
                event_id=row["id"],
                event_type=row["type"],
                prev_hash=row["prev_hash"],
                hash=row["hash"],
                intact=row["intact"],
            ):
                event_id = str(row["id"]) if found.version == row["version"] else None
                differences.append(
                    Difference(
                        self._source,
                        self._found_in,
                        found.kind,
                        found.stream_id,
                        found.version,
                        event_id,
                        found.detail,
                    )
                )
        return differences


def chain_differences(
    key: bytes, source: str, found_in: FoundIn, envelopes: Iterable[Envelope]
) -> list[Difference]:
    """The chain's breaks among envelopes held in memory, in any order."""
    links = sorted(
        (link(e.model_dump(), key) for e in envelopes), key=lambda r: (r["stream_id"], r["version"])
    )
    return StreamedChain(source, found_in).take(links)


def changed_at_source(
    source: str, received: Mapping[Any, Envelope], page: Sequence[Envelope]
) -> list[Difference]:
    """Events of a feed page whose content differs from the copy received of them."""
    differences = []
    for at_source in page:
        copy = received.get(at_source.id)
        if copy is not None and (changed := changed_fields(copy, at_source)):
            differences.append(
                difference(
                    source,
                    "changed_at_source",
                    copy,
                    f"the source's copy of {copy.type} differs from the one received in: "
                    f"{', '.join(changed)}",
                )
            )
    return differences


def on_its_way(recorded_at: Any, newest_received: Any) -> bool:
    """An event the copy lacks is still on its way, not a difference (yet), when
    it was recorded after the newest the copy holds (or the copy holds none)."""
    return newest_received is None or recorded_at > newest_received


def changed_fields(received: Envelope, at_source: Envelope) -> list[str]:
    ours, theirs = received.model_dump(), at_source.model_dump()
    if canonical_json(ours) == canonical_json(theirs):  # the usual case, in two calls
        return []
    return [
        name
        for name in ENVELOPE_FIELDS
        if canonical_json(ours[name]) != canonical_json(theirs[name])
    ]


def difference(source: str, kind: str, envelope: Envelope, detail: str) -> Difference:
    return Difference(
        source, "cross_check", kind, envelope.stream_id, envelope.version, str(envelope.id), detail
    )


def envelopes_of(rows: Iterable[Any]) -> dict[Any, Envelope]:
    return {envelope.id: envelope for envelope in map(envelope_of, rows)}
