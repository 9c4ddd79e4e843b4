"""Cursor pagination for every list: `?limit=` and an opaque `?cursor=`, answered
as `{"items": [...], "next_cursor": "..." | null}`.

A cursor is the base64url form of the last item's sort key. Clients treat it as
opaque; we decode it against the key's declared types, so a cursor that is not
one we could have handed out is refused (422 `invalid_cursor`), never a 500.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, TypeAdapter

from shared.errors import InvalidCursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_LENGTH = 1024

T = TypeVar("T")
K = TypeVar("K")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")]


class Page(BaseModel, Generic[T]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Sequence[Any]) -> str:
    """The opaque text of a sort key (a tuple of JSON-able values, UUIDs, instants)."""
    raw = json.dumps(jsonable_encoder(list(key)), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(value: str, shape: type[K], *, field: str = "query.cursor") -> K:
    """The sort key a cursor holds, validated as `shape` (e.g. `tuple[datetime, UUID]`)."""
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
        return TypeAdapter(shape).validate_python(json.loads(raw))
    # binascii.Error, UnicodeDecodeError, JSONDecodeError and pydantic's
    # ValidationError are all ValueErrors; RecursionError comes from absurdly nested JSON.
    except (ValueError, RecursionError):
        raise InvalidCursor(
            "the cursor was not handed out by this list",
            errors=[
                {"field": field, "message": "not a cursor of this list", "type": "invalid_cursor"}
            ],
        ) from None


@dataclass(frozen=True)
class PageRequest:
    """What a list request asks for. Fetch `fetch` rows after `after(shape)` in
    sort-key order, then shape them with `page`."""

    limit: int
    cursor: str | None

    @property
    def fetch(self) -> int:
        # One row more than the page tells whether a next page exists, so the
        # last page says so (next_cursor null) instead of leading to an empty one.
        return self.limit + 1

    def after(self, shape: type[K]) -> K | None:
        """The sort key to continue after, or None for the first page."""
        return None if self.cursor is None else decode_cursor(self.cursor, shape)

    def page(self, rows: Sequence[T], key: Callable[[T], Sequence[Any]]) -> Page[T]:
        """The page of `rows` (fetched with `fetch`), with the cursor of its last item."""
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        return Page(items=items, next_cursor=encode_cursor(key(items[-1])) if more else None)


def page_request(
    limit: Limit = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="Opaque: the `next_cursor` of the previous page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit, cursor)


PageQuery = Annotated[PageRequest, Depends(page_request)]
"""Route parameter for a paginated list: `page: PageQuery`."""
