"""Scores and the ranking of a ranked call. Pure.

An evaluator's total is the weighted mean of their scores; an application's
score is the weighted mean of the per-criterion means across its evaluators,
`sum(w_i * mean_i) / sum(w_i)`. It is rejected when a criterion's mean is below
that criterion's threshold or the score below the call's pass threshold.
Passed applications are ranked by score, ties by earlier receipt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.calls.events import Criterion
from shared.errors import InvalidInput

# No call term says when two evaluators disagree too much: a difference of the
# totals above this share of the maximum total brings in one more evaluator.
DIVERGENCE_SHARE = 0.3
PLACES = 6  # scores are compared and shown rounded to this many decimals


class ScoreRefused(InvalidInput):
    def __init__(self, detail: str, code: str, criterion: str) -> None:
        super().__init__(
            detail,
            errors=[{"loc": ["body", "scores", criterion], "msg": detail, "type": code}],
            criterion=criterion,
        )
        self.code = code


def check_scores(criteria: Sequence[Criterion], scores: Mapping[str, float]) -> None:
    """Every criterion of the call scored once, within `0..max_score`: else 422."""
    known = {c.code: c for c in criteria}
    for code, value in scores.items():
        if code not in known:
            raise ScoreRefused(f"{code} is not a criterion of the call", "unknown_criterion", code)
        if not 0 <= value <= known[code].max_score:
            raise ScoreRefused(
                f"{code} is scored from 0 to {known[code].max_score:g}, not {value:g}",
                "score_out_of_range",
                code,
            )
    for code in known:
        if code not in scores:
            raise ScoreRefused(f"{code} is not scored", "missing_score", code)


def weighted(criteria: Sequence[Criterion], values: Mapping[str, float]) -> float:
    weights = sum(c.weight for c in criteria)
    if not weights:
        return 0.0
    return round(sum(c.weight * values[c.code] for c in criteria) / weights, PLACES)


def maximum_total(criteria: Sequence[Criterion]) -> float:
    return weighted(criteria, {c.code: c.max_score for c in criteria})


def diverges(criteria: Sequence[Criterion], totals: Sequence[float]) -> bool:
    """Two evaluators' totals differ by more than the divergence share of the maximum."""
    return len(totals) >= 2 and max(totals) - min(totals) > DIVERGENCE_SHARE * maximum_total(
        criteria
    )


@dataclass(frozen=True)
class Scored:
    """An application's evaluations: one score mapping per evaluator."""

    application_id: str
    receipt: int
    evaluations: tuple[Mapping[str, float], ...]


@dataclass(frozen=True)
class Ranked:
    application_id: str
    receipt: int
    rank: int | None  # None when rejected
    score: float
    criterion_scores: dict[str, float]
    passed: bool
    reason: str


def rank(
    criteria: Sequence[Criterion], pass_threshold: float, applications: Sequence[Scored]
) -> list[Ranked]:
    """Passed applications in rank order, then the rejected in order of score."""
    judged = [_judge(criteria, pass_threshold, a) for a in applications]
    judged.sort(key=lambda r: (not r.passed, -r.score, r.receipt))
    ranked, place = [], 0
    for r in judged:
        if r.passed:
            place += 1
        ranked.append(
            Ranked(
                r.application_id,
                r.receipt,
                place if r.passed else None,
                r.score,
                r.criterion_scores,
                r.passed,
                r.reason,
            )
        )
    return ranked


def _judge(criteria: Sequence[Criterion], pass_threshold: float, a: Scored) -> Ranked:
    means = {
        c.code: round(sum(e[c.code] for e in a.evaluations) / len(a.evaluations), PLACES)
        for c in criteria
    }
    score = weighted(criteria, means)
    below = [c for c in criteria if means[c.code] < c.threshold]
    if below:
        reason = "; ".join(
            f"{c.code} scored {_n(means[c.code])}, below its threshold {_n(c.threshold)}"
            for c in below
        )
    elif score < pass_threshold:
        reason = f"score {_n(score)} is below the call's pass threshold {_n(pass_threshold)}"
    else:
        reason = f"score {_n(score)} from {len(a.evaluations)} evaluations, above every threshold"
    return Ranked(
        a.application_id,
        a.receipt,
        None,
        score,
        means,
        not below and score >= pass_threshold,
        reason,
    )


def _n(value: float) -> str:
    return f"{value:.{PLACES}f}".rstrip("0").rstrip(".")
