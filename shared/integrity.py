"""The integrity chain that makes stored events tamper-evident.

Each event carries `hash = HMAC(key, prev_hash | canonical content)`, where
`prev_hash` is the hash of the previous event of the same stream, and the
stream's head (its last version and hash) is kept beside the events. Chaining
per stream rather than across the whole store keeps writers of different
streams independent: a global chain would need every append of a service to
wait for the one before it. A per-stream chain plus heads still shows a changed
event, a removed one (the newest too: the head remembers it), an inserted one
and two swapped ones. The key lives outside the database, so someone who can
write to the tables cannot forge a valid chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The fields an event's hash covers: everything but its storage position and
# the hash itself.
HASHED_FIELDS = (
    "id",
    "type",
    "schema_version",
    "stream_type",
    "stream_id",
    "version",
    "occurred_at",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "traceparent",
    "payload",
)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_default(value: Any) -> Any:
    """What the JSON encoder cannot write itself: instants in UTC microseconds,
    other mappings as objects, anything else (UUIDs and the like) as its text."""
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return str(value)


def _canonical_value(value: Any) -> Any:
    """The slow, general form, for the rare value the encoder refuses (a mapping
    keyed by UUIDs, say): the same bytes, key by key."""
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTC instants in microseconds.

    The C encoder does the walk; only values it cannot write reach the default
    hook, so JSON-shaped data (every payload: string keys) costs one pass."""
    try:
        text = json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=_canonical_default,
        )
    except TypeError:  # keys it cannot sort or write, e.g. UUIDs
        text = json.dumps(
            _canonical_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
    return text.encode()


def event_hash(key: bytes, prev_hash: str, content: Mapping[str, Any]) -> str:
    body = canonical_json({name: content[name] for name in HASHED_FIELDS})
    return hmac.digest(key, prev_hash.encode() + b"|" + body, hashlib.sha256).hex()


@dataclass(frozen=True)
class Break:
    """One broken place in the history, named so an auditor can find it."""

    kind: str  # altered | missing | out_of_order | unexpected | head_mismatch
    stream_id: str
    version: int | None
    detail: str


@dataclass(frozen=True)
class Head:
    stream_id: str
    version: int
    hash: str


class ChainCheck:
    """The checks of one stream, a row at a time (rows in stored version order),
    so that a history of any length is checked in the memory of one row."""

    def __init__(self, stream_id: str) -> None:
        self.stream_id = stream_id
        self._previous_hash, self._expected_version, self._last_version = GENESIS, 1, 0

    def row(
        self,
        *,
        version: int,
        event_id: Any,
        event_type: str,
        prev_hash: str,
        hash: str,
        intact: bool,
    ) -> list[Break]:
        """`intact`: whether the row's content matches its `hash` (see `event_hash`)."""
        breaks: list[Break] = []
        if version > self._expected_version:
            breaks.append(
                Break(
                    "missing",
                    self.stream_id,
                    self._expected_version,
                    f"versions {self._expected_version}..{version - 1} are missing before "
                    f"version {version}",
                )
            )
        if not intact:
            breaks.append(
                Break(
                    "altered",
                    self.stream_id,
                    version,
                    f"event {event_id} ({event_type}) does not match its hash: content changed or forged",
                )
            )
        elif prev_hash != self._previous_hash:
            breaks.append(
                Break(
                    "out_of_order",
                    self.stream_id,
                    version,
                    f"event {event_id} does not follow the event stored before it "
                    "(moved, swapped, or its predecessor removed)",
                )
            )
        self._previous_hash, self._expected_version = hash, version + 1
        self._last_version = version
        return breaks

    def end(self, head: Head | None) -> list[Break]:
        """The stream's newest stored event against its recorded head."""
        last_version, stream_id = self._last_version, self.stream_id
        if head is None:
            if last_version:
                return [
                    Break(
                        "unexpected",
                        stream_id,
                        None,
                        f"stream has {last_version} version(s) but no recorded head: "
                        "inserted from outside",
                    )
                ]
        elif head.version > last_version:
            return [
                Break(
                    "missing",
                    stream_id,
                    last_version + 1,
                    f"the head records version {head.version} but the newest stored is "
                    f"{last_version}: the newest event(s) were removed",
                )
            ]
        elif head.version < last_version:
            return [
                Break(
                    "unexpected",
                    stream_id,
                    head.version + 1,
                    f"events after the recorded head version {head.version}: inserted from outside",
                )
            ]
        elif head.hash != self._previous_hash:
            return [
                Break(
                    "head_mismatch",
                    stream_id,
                    head.version,
                    "the newest event is not the one the head recorded: replaced",
                )
            ]
        return []


def check_row(key: bytes, check: ChainCheck, row: Mapping[str, Any]) -> list[Break]:
    """One stored row (every hashed field, `prev_hash` and `hash`) through `check`."""
    return check.row(
        version=int(row["version"]),
        event_id=row["id"],
        event_type=row["type"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        intact=event_hash(key, row["prev_hash"], row) == row["hash"],
    )


def verify_stream(
    key: bytes, stream_id: str, events: Iterable[Mapping[str, Any]], head: Head | None
) -> list[Break]:
    """Check one stream's events (in stored version order) against its chain and head."""
    check = ChainCheck(stream_id)
    breaks = [found for row in events for found in check_row(key, check, row)]
    return breaks + check.end(head)
