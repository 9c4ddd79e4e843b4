"""Choosing evaluators: balanced (least loaded first, then the earliest
registered), never one with a declared conflict with any member of the
application, and, when the call's panel asks for it, of enough distinct
nationalities. Pure: the handlers bring the evaluators, their loads and the
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
    nationality: str | None = None


@dataclass(frozen=True)
class Need:
    """An application needing `count` more evaluators; `excluded` have already
    been on its panel (assigned, declined or evaluated); `seated` are the
    nationalities of the evaluators still on it, which count towards
    `min_distinct_nationalities`."""

    application_id: str
    organisation_ids: frozenset[str]
    count: int
    excluded: frozenset[str] = frozenset()
    min_distinct_nationalities: int = 0
    seated: frozenset[str] = frozenset()


class NotEnoughEvaluators(RuleViolation):
    """Too few evaluators free of conflict (and not yet on the application's panel)."""

    code = "conflict_of_interest"


class NationalitiesNotMet(RuleViolation):
    """Enough evaluators, but not of enough distinct nationalities."""

    code = "nationality_constraint"


def choose(evaluators: Iterable[EvaluatorSlot], need: Need) -> list[str]:
    """The `need.count` least-loaded evaluators free of conflict for the
    application (ties: the smaller evaluator id, i.e. the earlier registered);
    fewer when not enough are free. With a nationality minimum, the
    least-loaded evaluator of each nationality not yet seated comes first,
    until the minimum is reached; the rest by load."""
    free = [
        e
        for e in evaluators
        if e.evaluator_id not in need.excluded and not e.conflicts & need.organisation_ids
    ]
    free.sort(key=lambda e: (e.load, e.evaluator_id))
    picked: list[EvaluatorSlot] = []
    seen = set(need.seated)
    for e in free:
        if len(seen) >= need.min_distinct_nationalities or len(picked) == need.count:
            break
        if e.nationality is not None and e.nationality not in seen:
            picked.append(e)
            seen.add(e.nationality)
    rest = [e for e in free if e not in picked]
    picked.extend(rest[: need.count - len(picked)])
    return [e.evaluator_id for e in picked]


def distinct_nationalities(
    evaluators: Sequence[EvaluatorSlot], need: Need, ids: Sequence[str]
) -> int:
    """How many nationalities the application's panel has with `ids` added."""
    nationality = {e.evaluator_id: e.nationality for e in evaluators}
    found = {nationality[i] for i in ids if nationality.get(i) is not None}
    return len(found | need.seated)


def meets(evaluators: Sequence[EvaluatorSlot], need: Need, ids: Sequence[str]) -> bool:
    return (
        len(ids) == need.count
        and distinct_nationalities(evaluators, need, ids) >= need.min_distinct_nationalities
    )


def plan(evaluators: Sequence[EvaluatorSlot], needs: Sequence[Need]) -> dict[str, list[str]]:
    """Evaluators for each need, in order, each choice adding to the loads the
    next one sees. Raises `conflict_of_interest` when an application cannot get
    enough evaluators free of conflict, `nationality_constraint` when they cannot
    be of enough distinct nationalities; each names the constraint."""
    loads: dict[str, int] = {e.evaluator_id: e.load for e in evaluators}
    chosen: dict[str, list[str]] = {}
    for need in needs:
        current = [
            EvaluatorSlot(e.evaluator_id, e.conflicts, loads[e.evaluator_id], e.nationality)
            for e in evaluators
        ]
        picked = choose(current, need)
        if len(picked) < need.count:
            raise NotEnoughEvaluators(
                f"application {need.application_id} needs {need.count} evaluators free of "
                f"conflict with its organisations, and only {len(picked)} are",
                constraint="evaluators_per_application",
                application_id=need.application_id,
                needed=need.count,
                available=len(picked),
            )
        found = distinct_nationalities(current, need, picked)
        if found < need.min_distinct_nationalities:
            raise NationalitiesNotMet(
                f"application {need.application_id} needs evaluators of at least "
                f"{need.min_distinct_nationalities} distinct nationalities, and the panel's "
                f"evaluators free of conflict have only {found}",
                constraint="min_distinct_nationalities",
                application_id=need.application_id,
                needed=need.min_distinct_nationalities,
                available=found,
            )
        for evaluator_id in picked:
            loads[evaluator_id] += 1
        chosen[need.application_id] = picked
    return chosen
