"""The figures of a dossier's report against those its events give. No I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.reporting.dossier_format import REPORT_INSTANT_FIELDS
from services.reporting.figures import programme_figures
from services.reporting.records import StreamRecord
from shared.integrity import canonical_json


@dataclass
class FigureDifferences:
    compared: int = 0
    items: list[tuple[str, str]] = field(default_factory=list)  # (path, what differs)


def figure_differences(
    report: dict[str, Any], records: Iterable[StreamRecord]
) -> FigureDifferences:
    """Each figure of `report` the events' own fold does not give, by its path."""
    said = {k: v for k, v in report.items() if k not in REPORT_INSTANT_FIELDS}
    programme_id = str(said.get("programme_id"))
    # As the report: the records that belong to the programme (a dossier also
    # holds streams that only name it, such as a call's money).
    mine = [r for r in records if r.programme_id == programme_id]
    recomputed = json.loads(canonical_json(programme_figures(programme_id, mine)))
    found = FigureDifferences()
    _compare("", said, recomputed, found)
    return found


def _compare(path: str, said: Any, recomputed: Any, found: FigureDifferences) -> None:
    if isinstance(said, dict) and isinstance(recomputed, dict):
        for key in sorted(said.keys() | recomputed.keys(), key=str):
            _compare(
                f"{path}.{key}" if path else str(key), said.get(key), recomputed.get(key), found
            )
        return
    if isinstance(said, list) and isinstance(recomputed, list) and len(said) == len(recomputed):
        for position, (a, b) in enumerate(zip(said, recomputed, strict=True)):
            _compare(f"{path}[{position}]", a, b, found)
        return
    found.compared += 1
    if said != recomputed:
        found.items.append(
            (path, f"the report says {json.dumps(said)}, the events give {json.dumps(recomputed)}")
        )
