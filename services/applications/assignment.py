"""Choosing evaluators: balanced (least loaded first, then the earliest
registered), never one with a declared conflict with any member of the
application. Pure: the handlers bring the evaluators, their loads and the
applications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.errors import RuleViolation


@dataclass(frozen=True)
class EvaluatorSlot:
    """An evaluator as assignment sees it: `load` is their open assignments."""

    evaluator_id: str
    conflicts: frozenset[str]
    load: int


@dataclass(frozen=True)
class Need:
    """An application needing `count` more evaluators; `excluded` have already
    been on its panel (assigned, declined or evaluated)."""

    application_id: str
    organisation_ids: frozenset[str]
    count: int
    excluded: frozenset[str] = frozenset()


class NotEnoughEvaluators(RuleViolation):
    code = "conflict_of_interest"


def choose(evaluators: Iterable[EvaluatorSlot], need: Need) -> list[str]:
    """The `need.count` least-loaded evaluators free of conflict for the
    application (ties: the smaller evaluator id, i.e. the earlier registered);
    fewer when not enough are free."""
    free = [
        e
        for e in evaluators
        if e.evaluator_id not in need.excluded and not e.conflicts & need.organisation_ids
    ]
    free.sort(key=lambda e: (e.load, e.evaluator_id))
    return [e.evaluator_id for e in free[: need.count]]


def plan(evaluators: Sequence[EvaluatorSlot], needs: Sequence[Need]) -> dict[str, list[str]]:
    """Evaluators for each need, in order, each choice adding to the loads the
    next one sees. Raises `conflict_of_interest` when an application cannot get
    enough evaluators free of conflict."""
    loads: dict[str, int] = {e.evaluator_id: e.load for e in evaluators}
    chosen: dict[str, list[str]] = {}
    for need in needs:
        current = [
            EvaluatorSlot(e.evaluator_id, e.conflicts, loads[e.evaluator_id]) for e in evaluators
        ]
        picked = choose(current, need)
        if len(picked) < need.count:
            raise NotEnoughEvaluators(
                f"application {need.application_id} needs {need.count} evaluators free of "
                f"conflict with its organisations, and only {len(picked)} are",
                application_id=need.application_id,
                needed=need.count,
                available=len(picked),
            )
        for evaluator_id in picked:
            loads[evaluator_id] += 1
        chosen[need.application_id] = picked
    return chosen
