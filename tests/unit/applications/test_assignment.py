"""Choosing evaluators: conflicts, balance and the deterministic tie-break."""

from __future__ import annotations

from collections import Counter

import pytest

from services.applications.assignment import EvaluatorSlot, Need, NotEnoughEvaluators, choose, plan


def slot(evaluator_id: str, load: int = 0, *conflicts: str) -> EvaluatorSlot:
    return EvaluatorSlot(evaluator_id, frozenset(conflicts), load)


def test_the_least_loaded_come_first_and_ties_go_to_the_smaller_id() -> None:
    pool = [slot("e3", 1), slot("e2", 0), slot("e1", 0), slot("e4", 2)]
    assert choose(pool, Need("a", frozenset({"o"}), 3)) == ["e1", "e2", "e3"]


def test_a_conflict_with_the_lead_or_a_partner_excludes_the_evaluator() -> None:
    pool = [slot("e1", 0, "lead"), slot("e2", 0, "partner"), slot("e3", 5), slot("e4", 6)]
    assert choose(pool, Need("a", frozenset({"lead", "partner"}), 2)) == ["e3", "e4"]


def test_excluded_evaluators_are_skipped() -> None:
    pool = [slot("e1"), slot("e2"), slot("e3")]
    assert choose(pool, Need("a", frozenset(), 1, frozenset({"e1"}))) == ["e2"]


def test_a_plan_balances_the_loads_across_applications() -> None:
    pool = [slot(f"e{i}") for i in range(1, 6)]
    needs = [Need(f"a{i}", frozenset({f"o{i}"}), 3) for i in range(5)]
    chosen = plan(pool, needs)
    assert chosen["a0"] == ["e1", "e2", "e3"]
    assert chosen["a1"] == ["e4", "e5", "e1"]
    assert Counter(e for picked in chosen.values() for e in picked) == {
        f"e{i}": 3 for i in range(1, 6)
    }


def test_a_plan_without_enough_unconflicted_evaluators_is_refused() -> None:
    pool = [slot("e1", 0, "o1"), slot("e2"), slot("e3")]
    with pytest.raises(NotEnoughEvaluators) as refused:
        plan(pool, [Need("a0", frozenset({"o0"}), 3), Need("a1", frozenset({"o1"}), 3)])
    assert refused.value.code == "conflict_of_interest"
    assert refused.value.extra["application_id"] == "a1"
