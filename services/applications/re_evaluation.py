"""Where a re-evaluated application stands among the others: its new rank, its
place on the reserve list, and the ranking recomputed for a new version. Pure.

Others keep their outcomes (a selection is never taken back); the reserve
places from the re-evaluated application's down move one place on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.applications.events import RankingEntry


@dataclass(frozen=True)
class Standing:
    """Another ranked application of the call, as the ranking shows it now."""

    application_id: str
    score: float
    receipt: int
    passed: bool
    status: str
    reserve_rank: int | None


def ahead(other: Standing, score: float, receipt: int) -> bool:
    """Ranking order: the higher score first, ties to the earlier receipt."""
    return (-other.score, other.receipt) < (-score, receipt)


def new_rank(others: Sequence[Standing], score: float, receipt: int) -> int:
    return 1 + sum(1 for o in others if o.passed and ahead(o, score, receipt))


def reserve_place(
    others: Sequence[Standing], score: float, receipt: int
) -> tuple[int, dict[str, int]]:
    """The re-evaluated application's reserve place (just after the last reserve
    ranked above it) and the new places of the reserves it goes before."""
    reserves = sorted(
        (o for o in others if o.status == "reserve" and o.reserve_rank is not None),
        key=lambda o: o.reserve_rank or 0,
    )
    above = [o.reserve_rank or 0 for o in reserves if ahead(o, score, receipt)]
    place = max(above) + 1 if above else 1
    moved = {
        o.application_id: (o.reserve_rank or 0) + 1
        for o in reserves
        if (o.reserve_rank or 0) >= place
    }
    return place, moved


def entries(items: Sequence[Mapping[str, Any]]) -> list[RankingEntry]:
    """A ranking version from the ranking's items, the passed ranked again 1, 2, ...
    by score (ties to the earlier receipt), then the rejected by score."""
    ordered = sorted(items, key=lambda i: (i["rank"] is None, -i["score"], i["receipt"]))
    place = 0
    found = []
    for i in ordered:
        if i["rank"] is not None:
            place += 1
        found.append(
            RankingEntry(
                application_id=i["application_id"],
                rank=place if i["rank"] is not None else None,
                score=i["score"],
                status=i["status"],
                reserve_rank=i["reserve_rank"],
            )
        )
    return found
