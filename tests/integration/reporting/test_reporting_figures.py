"""The figures of the small programme of tests/support/reporting_scenario.py,
from the events of the real services, against numbers worked out by hand.

Money (EUR): grants A1 40 000, A2 40 000, B1 30 000 = 110 000 committed; paid
28 000 + 28 000 + 21 000 + 9 000 = 86 000; recovered 5 000 (A2).
Support actions: A1, A2, B1 = 3; SMEs supported: A1 and B1 share an
organisation, so 2. Days to decision: A1-A4 decided 31 days after submission
(T0 + 1 to T0 + 32), A5, A6, B1, B2 on submission: median of
(0, 0, 0, 0, 31, 31, 31, 31) = 15.5. Days from contract to first payment:
A1 35 -> 40 = 5, A2 35 -> 45 = 10, B1 36 -> 39 = 3: median 5. Scores 5.0, 4.0,
3.6, 3.4: mean 4.0. Success: 3 of 8 submitted programme-wide, 2 of 6 in A,
1 of 2 in B.
"""

from __future__ import annotations

from typing import Any

from tests.support.calls import EUR
from tests.support.reporting import ReportingWorld
from tests.support.reporting_scenario import Story


def line(applications: int, contracted: int, committed: int, paid: int) -> dict[str, int]:
    return {
        "applications": applications,
        "contracted": contracted,
        "committed_cents": committed * EUR,
        "paid_cents": paid * EUR,
    }


async def programme(rw: ReportingWorld, story: Story) -> dict[str, Any]:
    return await rw.get(f"/v1/reports/programmes/{story.programme_id}")


async def test_the_programme_counts_applications_by_status(
    reporting_world: ReportingWorld, story: Story
) -> None:
    report = await programme(reporting_world, story)
    counted = {status: n for status, n in report["applications"].items() if n}
    assert counted == {"contracted": 3, "reserve": 2, "rejected": 1, "ineligible": 2, "draft": 1}
    assert report["applications_submitted"] == 8
    assert report["eligibility_failures"] == {
        "applicant_country_in": 1,
        "applicant_size_in": 1,
        "trl_between": 1,
    }


async def test_the_programme_counts_support_actions_and_distinct_smes(
    reporting_world: ReportingWorld, story: Story
) -> None:
    report = await programme(reporting_world, story)
    assert (report["support_actions"], report["smes_supported"]) == (3, 2)
    assert report["grants"] == 3


async def test_the_programme_money_is_committed_paid_and_recovered(
    reporting_world: ReportingWorld, story: Story
) -> None:
    report = await programme(reporting_world, story)
    assert report["currency"] == "EUR"
    assert (report["committed_cents"], report["paid_cents"], report["recovered_cents"]) == (
        110_000 * EUR,
        86_000 * EUR,
        5_000 * EUR,
    )


async def test_the_programme_breaks_down_by_country_objective_and_call_kind(
    reporting_world: ReportingWorld, story: Story
) -> None:
    report = await programme(reporting_world, story)
    assert report["by_country"] == {
        "BE": line(1, 0, 0, 0),
        "DE": line(1, 1, 40_000, 28_000),
        "ES": line(1, 0, 0, 0),
        "FR": line(3, 2, 70_000, 58_000),
        "IT": line(1, 0, 0, 0),
        "NL": line(1, 0, 0, 0),
    }
    # A2 counts under both of its objectives.
    assert report["by_objective"] == {
        "adopt": line(3, 2, 70_000, 58_000),
        "innovate": line(5, 2, 80_000, 56_000),
        "train": line(1, 0, 0, 0),
    }
    assert report["by_call_kind"] == {
        "green_voucher": line(2, 1, 30_000, 30_000),
        "innovation_voucher": line(6, 2, 80_000, 56_000),
    }


async def test_the_programme_times_decisions_and_first_payments(
    reporting_world: ReportingWorld, story: Story
) -> None:
    report = await programme(reporting_world, story)
    assert report["median_days_to_decision"] == 15.5
    assert report["median_days_to_first_payment"] == 5.0
    assert report["mean_score"] == 4.0
    assert report["success_rate"] == 0.375


async def test_the_programme_lists_its_calls(reporting_world: ReportingWorld, story: Story) -> None:
    report = await programme(reporting_world, story)
    calls = {c["call_id"]: c for c in report["calls"]}
    a, b = calls[story.call_a["id"]], calls[story.call_b["id"]]
    assert (a["kind"], a["support_actions"], a["committed_cents"]) == (
        "innovation_voucher",
        2,
        80_000 * EUR,
    )
    assert (b["kind"], b["support_actions"], b["paid_cents"]) == ("green_voucher", 1, 30_000 * EUR)
    assert (a["status"], b["status"]) == ("results_published", "closed")


async def test_a_call_report_has_its_own_figures_success_rate_and_mean_score(
    reporting_world: ReportingWorld, story: Story
) -> None:
    a = await reporting_world.get(f"/v1/reports/calls/{story.call_a['id']}")
    b = await reporting_world.get(f"/v1/reports/calls/{story.call_b['id']}")
    assert (a["call_id"], a["programme_id"]) == (story.call_a["id"], story.programme_id)
    assert {s: n for s, n in a["applications"].items() if n} == {
        "contracted": 2,
        "reserve": 1,
        "rejected": 1,
        "ineligible": 2,
        "draft": 1,
    }
    assert (a["mean_score"], a["success_rate"], a["median_days_to_decision"]) == (4.0, 0.3333, 31.0)
    assert (a["committed_cents"], a["paid_cents"], a["recovered_cents"]) == (
        80_000 * EUR,
        56_000 * EUR,
        5_000 * EUR,
    )
    assert (a["smes_supported"], a["median_days_to_first_payment"]) == (2, 7.5)
    assert (b["mean_score"], b["success_rate"], b["median_days_to_decision"]) == (None, 0.5, 0.0)
    assert b["by_country"] == {"BE": line(1, 0, 0, 0), "FR": line(1, 1, 30_000, 30_000)}


async def test_reports_are_for_managers_and_auditors(
    reporting_world: ReportingWorld, story: Story
) -> None:
    path = f"/v1/reports/programmes/{story.programme_id}"
    client, world = reporting_world.client, reporting_world.world
    assert (await client.get(path, headers=world.manager)).status_code == 200
    assert (await client.get(path, headers=world.as_("applicant"))).status_code == 403
    assert (await client.get(path)).status_code == 401
    unknown = await client.get(
        "/v1/reports/programmes/0190a000-0000-7000-8000-000000000000",
        headers=reporting_world.auditor,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
