"""Cursors and pages, without a database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.errors import InvalidCursor
from shared.ids import uuid7
from shared.pagination import PageRequest, decode_cursor, encode_cursor

Key = tuple[datetime, UUID]


def test_a_cursor_gives_back_the_sort_key_it_was_made_of() -> None:
    key = (datetime(2026, 3, 1, 12, 30, tzinfo=UTC), uuid7())
    cursor = encode_cursor(key)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, Key) == key


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "not a cursor",
        b64(b"not json"),
        b64(b'["2026-03-01T12:30:00Z"]'),
        b64(b'["yesterday", "0193a000-0000-7000-8000-000000000000"]'),
        b64(b"[" * 5000),
        b64(b'{"at": 1}'),
    ],
)
def test_a_cursor_this_list_did_not_hand_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor, Key)
    assert refused.value.code == "invalid_cursor"
    assert refused.value.errors[0]["field"] == "query.cursor"


@pytest.mark.parametrize(("rows", "limit", "more"), [(5, 3, True), (3, 3, False), (0, 3, False)])
def test_a_page_has_a_next_cursor_only_when_more_rows_follow(
    rows: int, limit: int, more: bool
) -> None:
    request = PageRequest(limit=limit, cursor=None)
    fetched = list(range(rows))[: request.fetch]
    page = request.page(fetched, key=lambda n: (n,))
    assert page.items == fetched[:limit]
    assert (page.next_cursor is not None) is more
    if more:
        assert PageRequest(limit, page.next_cursor).after(tuple[int]) == (limit - 1,)
