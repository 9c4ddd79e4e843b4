"""The integrity chain on plain rows: every kind of tampering is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.integrity import GENESIS, Head, event_hash, verify_stream

KEY = b"k"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def chain(n: int) -> tuple[list[dict[str, Any]], Head]:
    rows, prev = [], GENESIS
    for v in range(1, n + 1):
        row: dict[str, Any] = {
            "id": f"e{v}",
            "type": "tests.Counted",
            "schema_version": 1,
            "stream_type": "c",
            "stream_id": "s",
            "version": v,
            "occurred_at": T0 + timedelta(minutes=v),
            "recorded_at": T0 + timedelta(minutes=v),
            "actor": {"sub": "a", "roles": []},
            "correlation_id": "c",
            "causation_id": None,
            "traceparent": None,
            "payload": {"n": v},
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(KEY, prev, row)
        rows.append(row)
    return rows, Head("s", n, prev)


def kinds(rows: list[dict[str, Any]], head: Head | None) -> list[tuple[str, int | None]]:
    return [(b.kind, b.version) for b in verify_stream(KEY, "s", rows, head)]


def test_an_untouched_stream_verifies() -> None:
    rows, head = chain(4)
    assert kinds(rows, head) == []


def test_a_changed_payload_is_named_at_its_version() -> None:
    rows, head = chain(4)
    rows[1]["payload"] = {"n": 200}
    assert kinds(rows, head) == [("altered", 2)]


def test_a_removed_event_in_the_middle_is_named() -> None:
    rows, head = chain(4)
    del rows[1]
    assert kinds(rows, head) == [("missing", 2), ("out_of_order", 3)]


def test_a_removed_newest_event_is_named_thanks_to_the_head() -> None:
    rows, head = chain(4)
    rows.pop()
    assert kinds(rows, head) == [("missing", 4)]


def test_an_inserted_event_cannot_carry_a_valid_hash_without_the_key() -> None:
    rows, head = chain(3)
    forged = dict(rows[-1], id="forged", version=4, prev_hash=rows[-1]["hash"])
    forged["hash"] = event_hash(b"guessed-key", forged["prev_hash"], forged)
    assert kinds([*rows, forged], head) == [("altered", 4), ("unexpected", 4)]


def test_two_swapped_events_are_named() -> None:
    rows, head = chain(4)
    rows[1]["version"], rows[2]["version"] = 3, 2
    rows[1], rows[2] = rows[2], rows[1]
    assert ("altered", 2) in kinds(rows, head)
    assert ("altered", 3) in kinds(rows, head)


def test_a_removed_stream_is_named_by_its_orphaned_head() -> None:
    _, head = chain(2)
    assert kinds([], head) == [("missing", 1)]


def test_the_hash_depends_on_the_key() -> None:
    rows, _ = chain(1)
    assert event_hash(b"a", GENESIS, rows[0]) != event_hash(b"b", GENESIS, rows[0])
