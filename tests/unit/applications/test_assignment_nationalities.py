"""Choosing evaluators of distinct nationalities: the minimum comes first, then
balance; a panel that cannot meet it is refused naming the constraint."""

from __future__ import annotations

import pytest

from services.applications.assignment import (
    EvaluatorSlot,
    NationalitiesNotMet,
    Need,
    NotEnoughEvaluators,
    choose,
    meets,
    plan,
)


def slot(evaluator_id: str, nationality: str | None, load: int = 0) -> EvaluatorSlot:
    return EvaluatorSlot(evaluator_id, frozenset(), load, nationality)


def test_the_least_loaded_of_each_missing_nationality_comes_before_a_lighter_compatriot() -> None:
    pool = [slot("a", "IT"), slot("b", "IT"), slot("c", "FR", 4), slot("d", "ES", 9)]
    assert choose(pool, Need("x", frozenset(), 3, min_distinct_nationalities=3)) == ["a", "c", "d"]


def test_once_the_minimum_is_met_the_rest_go_by_load() -> None:
    pool = [slot("a", "IT"), slot("b", "IT"), slot("c", "FR", 4), slot("d", "ES", 9)]
    assert choose(pool, Need("x", frozenset(), 3, min_distinct_nationalities=2)) == ["a", "c", "b"]


def test_nationalities_already_seated_count_towards_the_minimum() -> None:
    pool = [slot("a", "IT"), slot("c", "FR", 4)]
    need = Need("x", frozenset(), 1, min_distinct_nationalities=2, seated=frozenset({"IT"}))
    assert choose(pool, need) == ["c"]
    assert meets(pool, need, ["c"])
    assert not meets(pool, need, ["a"])


def test_an_evaluator_without_nationality_adds_none() -> None:
    pool = [slot("a", None), slot("b", "IT", 1)]
    with pytest.raises(NationalitiesNotMet) as refused:
        plan(pool, [Need("x", frozenset(), 2, min_distinct_nationalities=2)])
    assert refused.value.extra["constraint"] == "min_distinct_nationalities"
    assert refused.value.extra["available"] == 1


def test_too_few_free_of_conflict_names_the_evaluators_per_application() -> None:
    pool = [EvaluatorSlot("a", frozenset({"org"}), 0, "IT"), slot("b", "FR")]
    with pytest.raises(NotEnoughEvaluators) as refused:
        plan(pool, [Need("x", frozenset({"org"}), 2)])
    assert refused.value.extra["constraint"] == "evaluators_per_application"


def test_plan_balances_across_applications_while_keeping_the_minimum() -> None:
    pool = [slot("a", "IT"), slot("b", "IT"), slot("c", "FR"), slot("d", "FR")]
    needs = [Need(x, frozenset(), 2, min_distinct_nationalities=2) for x in ("x", "y")]
    assert plan(pool, needs) == {"x": ["a", "c"], "y": ["b", "d"]}
