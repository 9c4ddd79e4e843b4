"""ETags and If-Match."""

from __future__ import annotations

import pytest

from shared.errors import InvalidInput
from shared.http import etag, parse_if_match


@pytest.mark.parametrize(
    ("header", "version"),
    [
        (None, None),
        ("*", None),
        ('"3"', 3),
        (' "12" ', 12),
        ('W/"7"', 7),
        (etag(42), 42),
    ],
)
def test_if_match_names_the_version_a_command_expects(
    header: str | None, version: int | None
) -> None:
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ["3", '"three"', '"3", "4"', '"-1"', '""', '"99999999999"'])
def test_a_malformed_if_match_is_invalid_input(header: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_if_match(header)
    assert refused.value.errors[0]["field"] == "header.If-Match"
