"""Every CSV export's cells open in a spreadsheet as text, never as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from shared.csv_export import csv_lines, safe_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_would_start_a_formula_is_prefixed_with_a_quote(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_other_text_and_numbers_stay_as_they_are() -> None:
    assert [safe_cell(v) for v in ("Aerotech SAS", "x=1", "", 1999, -5)] == [
        "Aerotech SAS",
        "x=1",
        "",
        1999,
        -5,
    ]


def test_a_separator_quote_or_line_break_stays_inside_its_cell() -> None:
    text = "".join(csv_lines(["name", "n"], [['A, "B"\nC', 3]]))
    assert list(csv.reader(io.StringIO(text))) == [["name", "n"], ['A, "B"\nC', "3"]]
