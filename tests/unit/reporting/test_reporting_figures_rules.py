"""The definitions behind the figures, on records made by hand: medians, objective
double counting, distinct SMEs, rates, and empty scopes."""

from __future__ import annotations

from datetime import datetime

from services.reporting.figures import Scope, figures
from services.reporting.records import (
    ApplicationFacts,
    CallFacts,
    Disbursement,
    GrantFacts,
    OrganisationFacts,
    StreamRecord,
)
from tests.support.calls import DAY, T0

CALL = CallFacts(
    call_id="c-1",
    programme_id="p-1",
    code="C1",
    title="Vouchers",
    kind="innovation_voucher",
    selection_mode="ranked",
    status="closed",
    currency="EUR",
    budget_cents=10_000_000,
    planned_awards=3,
    objectives=["innovate", "adopt"],
)


def application(
    name: str,
    org: str,
    status: str,
    *,
    objectives: tuple[str, ...] = ("innovate",),
    submitted: datetime | None = T0,
    decided: datetime | None = None,
    contracted: datetime | None = None,
    score: float | None = None,
    selected: bool = False,
) -> StreamRecord:
    return StreamRecord(
        stream_id=name,
        source="applications",
        version=1,
        application=ApplicationFacts(
            application_id=name,
            call_id="c-1",
            programme_id="p-1",
            status=status,
            organisation_id=org,  # type: ignore[arg-type]
            organisation=OrganisationFacts(
                organisation_id=org, name=org, country="FR", size="small"
            ),
            objectives=list(objectives),
            requested_cents=1_000_000,
            submitted_at=submitted,
            decided_at=decided,
            ever_selected=selected,
            contracted_at=contracted,
            score=score,
        ),
    )


def grant(name: str, application_id: str, paid_on: list[tuple[int, datetime]]) -> StreamRecord:
    return StreamRecord(
        stream_id=name,
        source="payments",
        version=1,
        grant=GrantFacts(
            grant_id=name,
            application_id=application_id,
            call_id="c-1",
            programme_id="p-1",
            organisation_id="o",
            country=None,
            currency="EUR",
            amount_cents=1_000_000,
            awarded_at=T0,
            last_changed_at=T0,
            disbursements=[
                Disbursement(
                    payment_order_id=f"{name}-{i}",
                    amount_cents=cents,
                    bank_reference="b",
                    disbursed_at=at,
                )
                for i, (cents, at) in enumerate(paid_on)
            ],
        ),
    )


def call_record() -> StreamRecord:
    return StreamRecord(stream_id="c-1", source="calls", version=1, call=CALL)


def test_an_empty_scope_has_zeros_and_no_medians() -> None:
    found = figures(Scope.of([call_record()]))
    assert (found["support_actions"], found["committed_cents"], found["smes_supported"]) == (
        0,
        0,
        0,
    )
    assert (found["median_days_to_decision"], found["mean_score"], found["success_rate"]) == (
        None,
        None,
        None,
    )
    assert set(found["applications"].values()) == {0}


def test_smes_are_counted_once_however_many_contracts_they_hold() -> None:
    records = [
        call_record(),
        application("a1", "o1", "contracted"),
        application("a2", "o1", "contracted"),
        application("a3", "o2", "contracted"),
    ]
    found = figures(Scope.of(records))
    assert (found["support_actions"], found["smes_supported"]) == (3, 2)


def test_an_application_counts_under_each_of_its_objectives() -> None:
    records = [
        call_record(),
        application("a1", "o1", "contracted", objectives=("innovate", "adopt")),
        grant("g1", "a1", []),
    ]
    by_objective = figures(Scope.of(records))["by_objective"]
    assert (
        by_objective["innovate"]["committed_cents"]
        == by_objective["adopt"]["committed_cents"]
        == 1_000_000
    )


def test_medians_of_an_even_count_are_the_mean_of_the_middle_two() -> None:
    records = [
        call_record(),
        application("a1", "o1", "contracted", decided=T0 + 2 * DAY, contracted=T0),
        application("a2", "o2", "contracted", decided=T0 + 5 * DAY, contracted=T0),
        grant("g1", "a1", [(500_000, T0 + 9 * DAY), (500_000, T0 + 3 * DAY)]),
        grant("g2", "a2", [(500_000, T0 + DAY // 2)]),
    ]
    found = figures(Scope.of(records))
    assert found["median_days_to_decision"] == 3.5
    assert found["median_days_to_first_payment"] == 1.75  # (3 + 0.5) / 2


def test_drafts_count_by_status_but_not_as_submitted_or_in_breakdowns() -> None:
    records = [
        call_record(),
        application("a1", "o1", "draft", submitted=None),
        application("a2", "o2", "rejected", score=3.0, decided=T0),
        application("a3", "o3", "selected", score=4.0, decided=T0, selected=True),
    ]
    found = figures(Scope.of(records))
    assert (found["applications"]["draft"], found["applications_submitted"]) == (1, 2)
    assert found["by_country"]["FR"]["applications"] == 2
    assert (found["success_rate"], found["mean_score"]) == (0.5, 3.5)
