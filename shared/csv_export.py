"""CSV for people's spreadsheets: one writer for every export, its cells safe to open."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's
# "CSV injection"): `=HYPERLINK(...)` in an organisation's name would be a live link.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet shows it and never runs: text that could start a
    formula gets a leading `'`, as OWASP recommends. Numbers are ours, not typed
    by anyone, and stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, header first, one line at a time (for a streamed answer).
    Every cell is quoted, so a separator or a quote inside one stays inside it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)

    def line(cells: Sequence[Any]) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(header)
    for row in rows:
        yield line(row)
