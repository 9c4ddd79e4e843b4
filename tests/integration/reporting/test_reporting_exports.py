"""Exports of the programme's grants: a 360Giving data package that validates
against the official schema, and a CSV with a header row."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from tests.support.api import assert_problem
from tests.support.calls import DAY, EUR, T0
from tests.support.reporting import ReportingWorld
from tests.support.reporting_360giving import package_validator
from tests.support.reporting_scenario import Story


async def package(rw: ReportingWorld, story: Story) -> dict[str, Any]:
    return await rw.get("/v1/exports/360giving", programme_id=story.programme_id)


async def test_the_360giving_package_validates_against_the_official_schema(
    reporting_world: ReportingWorld, story: Story
) -> None:
    exported = await package(reporting_world, story)
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in package_validator().iter_errors(exported)
    ]
    assert errors == []
    for grant in exported["grants"]:  # jsonschema checks date-time only with extra packages
        for instant in (
            grant["awardDate"],
            grant["dateModified"],
            *(t["transactionDate"] for t in grant["disbursementTransaction"]),
        ):
            assert datetime.fromisoformat(instant).tzinfo is not None


async def test_each_grant_is_a_regrant_with_amounts_recipient_and_programme(
    reporting_world: ReportingWorld, story: Story
) -> None:
    grants = {g["id"]: g for g in (await package(reporting_world, story))["grants"]}
    assert len(grants) == 3
    b1 = grants[f"360G-cascade-grant-{story.grants['B1']}"]
    assert (b1["regrantType"], b1["currency"], b1["fromOpenCall"]) == ("FRG010", "EUR", "Yes")
    assert (b1["amountAwarded"], b1["amountDisbursed"], b1["amountAppliedFor"]) == (
        30_000.0,
        30_000.0,
        30_000.0,
    )
    assert b1["awardDate"] == (T0 + 36 * DAY).isoformat().replace("+00:00", "Z")
    organisation = story.organisations["fr"]
    assert b1["recipientOrganization"] == [
        {
            "id": f"XI-PIC-{organisation['pic']}",
            "name": organisation["name"],
            "addressCountry": "FR",
        }
    ]
    assert [p["code"] for p in b1["grantProgramme"]] == [
        (await reporting_world.get(f"/v1/reports/programmes/{story.programme_id}"))["programme"][
            "code"
        ],
        story.call_b["code"],
    ]
    assert [(t["value"], t["transactionDate"][:10]) for t in b1["disbursementTransaction"]] == [
        (21_000.0, "2026-04-10"),
        (9_000.0, "2026-04-17"),
    ]  # T0 + 39 and T0 + 46 days


async def test_the_csv_has_a_header_and_one_row_per_grant(
    reporting_world: ReportingWorld, story: Story
) -> None:
    answer = await reporting_world.client.get(
        "/v1/exports/grants.csv",
        headers=reporting_world.world.manager,
        params={"programme_id": story.programme_id},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    by_grant = {row["grant_id"]: row for row in rows}
    assert set(by_grant) == set(story.grants.values())
    a2 = by_grant[story.grants["A2"]]
    assert (a2["country"], a2["call_kind"], a2["objectives"]) == (
        "DE",
        "innovation_voucher",
        "innovate;adopt",
    )
    assert (int(a2["amount_cents"]), int(a2["recovered_cents"])) == (40_000 * EUR, 5_000 * EUR)


async def test_a_programme_without_grants_has_nothing_to_export(
    reporting_world: ReportingWorld, story: Story
) -> None:
    answer = await reporting_world.client.get(
        "/v1/exports/360giving",
        headers=reporting_world.auditor,
        params={"programme_id": "0190a000-0000-7000-8000-000000000000"},
    )
    assert_problem(answer, 404, "no_grants")
