"""The fast canonical JSON writes the very bytes of the original walk, so every
hash stored before it still verifies."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.integrity import canonical_json


def reference(value: Any) -> bytes:
    """The canonical form as first written: a Python walk, then the encoder."""

    def walk(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if isinstance(v, Mapping):
            return {str(k): walk(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [walk(x) for x in v]
        if v is None or isinstance(v, bool | int | float | str):
            return v
        return str(v)

    return json.dumps(
        walk(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


instants = st.datetimes(
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    )
)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False)
    | st.uuids()
    | instants
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_any_json_shaped_value_gives_the_bytes_of_the_original_walk(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_mappings_keyed_by_uuids_give_the_same_bytes_too() -> None:
    value = {"by_id": {uuid.UUID(int=1): 1, uuid.UUID(int=2): [datetime(2026, 1, 1, tzinfo=UTC)]}}
    assert canonical_json(value) == reference(value)
