"""Scores, ranking and selection, against numbers computed by hand.

Criteria: excellence (weight 3, max 5, threshold 3) and impact (weight 2, max 5,
threshold 2.5); pass threshold 3.5. Score = (3 * mean_excellence + 2 * mean_impact) / 5."""

from __future__ import annotations

import pytest

from services.applications.scoring import (
    Scored,
    ScoreRefused,
    check_scores,
    diverges,
    maximum_total,
    rank,
    weighted,
)
from services.applications.selection import Budget, Contender, reserve_ranks, select
from services.calls.events import Criterion

CRITERIA = (
    Criterion(code="excellence", title="E", weight=3, max_score=5, threshold=3),
    Criterion(code="impact", title="I", weight=2, max_score=5, threshold=2.5),
)


def evals(*pairs: tuple[float, float]) -> tuple[dict[str, float], ...]:
    return tuple({"excellence": e, "impact": i} for e, i in pairs)


def test_an_evaluators_total_is_the_weighted_mean_of_their_scores() -> None:
    assert weighted(CRITERIA, {"excellence": 4, "impact": 3}) == 3.6  # (12 + 6) / 5
    assert maximum_total(CRITERIA) == 5


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"excellence": 4, "impact": 6}, "score_out_of_range"),
        ({"excellence": -1, "impact": 3}, "score_out_of_range"),
        ({"excellence": 4, "impact": 3, "beauty": 2}, "unknown_criterion"),
        ({"excellence": 4}, "missing_score"),
    ],
)
def test_scores_are_checked(scores: dict[str, float], code: str) -> None:
    with pytest.raises(ScoreRefused) as refused:
        check_scores(CRITERIA, scores)
    assert refused.value.code == code
    assert refused.value.status == 422


def test_totals_diverge_beyond_thirty_percent_of_the_maximum() -> None:
    assert diverges(CRITERIA, [4.6, 3.0, 4.0])  # 1.6 > 0.3 * 5
    assert not diverges(CRITERIA, [4.5, 3.0])  # 1.5 is not more than 1.5
    assert not diverges(CRITERIA, [1.0])


def test_ranking_by_weighted_mean_with_thresholds_and_ties_by_receipt() -> None:
    ranked = rank(
        CRITERIA,
        3.5,
        [
            Scored("A", 1, evals((4, 3), (5, 4), (3, 5))),  # means 4, 4 -> 4.0
            Scored("B", 2, evals((5, 5), (4, 2), (3, 2))),  # means 4, 3 -> 3.6
            Scored("C", 3, evals((4, 4), (4, 4), (4, 4))),  # 4.0, ties A, received later
            Scored("D", 4, evals((2, 5), (3, 5), (3, 5))),  # excellence 2.666667 < 3
            Scored("E", 5, evals((3, 3), (3, 3), (3, 3))),  # 3.0 < 3.5
        ],
    )
    assert [(r.application_id, r.rank, r.score) for r in ranked] == [
        ("A", 1, 4.0),
        ("C", 2, 4.0),
        ("B", 3, 3.6),
        ("D", None, 3.6),
        ("E", None, 3.0),
    ]
    assert ranked[0].criterion_scores == {"excellence": 4.0, "impact": 4.0}
    assert "excellence scored 2.666667, below its threshold 3" in ranked[3].reason
    assert "below the call's pass threshold 3.5" in ranked[4].reason
    assert not ranked[3].passed
    assert not ranked[4].passed


def test_selection_within_budget_max_grant_cap_and_one_award_per_beneficiary() -> None:
    budget = Budget(
        available_cents=100_000, max_grant_cents=60_000, cap_cents=100_000, awarded={"org3": 70_000}
    )
    decisions = select(
        [
            Contender("a", "org1", 50_000),  # selected, 50 000 left
            Contender("b", "org2", 70_000),  # capped at 60 000: does not fit
            Contender("c", "org1", 10_000),  # org1 already holds an award
            Contender("d", "org3", 40_000),  # 70 000 + 40 000 above the cap
            Contender("e", "org4", 45_000),  # fits: 5 000 left
        ],
        budget,
    )
    assert [(d.application_id, d.selected, d.amount_cents, d.reason_code) for d in decisions] == [
        ("a", True, 50_000, "selected"),
        ("b", False, 60_000, "below_budget_line"),
        ("c", False, 10_000, "beneficiary_limit"),
        ("d", False, 40_000, "beneficiary_limit"),
        ("e", True, 45_000, "selected"),
    ]
    assert budget.available_cents == 5_000
    assert reserve_ranks(decisions) == {"b": 1, "c": 2, "d": 3}


def test_promotion_takes_the_first_reserve_that_fits_the_freed_budget() -> None:
    # "a" (50 000) declined: 55 000 available; b needs 60 000, c fits.
    budget = Budget(available_cents=55_000, max_grant_cents=60_000, holders={"org4"})
    decisions = select(
        [
            Contender("b", "org2", 60_000),
            Contender("c", "org1", 10_000),
            Contender("f", "org4", 5_000),
        ],
        budget,
    )
    assert [d.application_id for d in decisions if d.selected] == ["c"]
    assert budget.available_cents == 45_000
