"""The seed programmes as scenarios: METASTARS, ESCP-4i and Cluster Excellence."""

from __future__ import annotations

import httpx

from tests.support.api import assert_problem
from tests.support.calls import EUR, call_body, new_call, new_programme

Headers = dict[str, str]


async def test_metastars_has_one_programme_five_objectives_two_trl_bands_and_a_services_call(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
) -> None:
    programme = await new_programme(
        client,
        manager,
        code="METASTARS",
        budget_cents=2_000_000 * EUR,
        per_beneficiary_cap_cents=60_000 * EUR,
    )
    low = await new_call(
        client,
        manager,
        programme["id"],
        code="IP-LOW-TRL",
        eligibility=[{"type": "trl_between", "min": 3, "max": 5}],
    )
    high = await new_call(
        client,
        manager,
        programme["id"],
        code="IP-HIGH-TRL",
        title="Innovative projects at high TRL",
        eligibility=[{"type": "trl_between", "min": 6, "max": 8}],
    )
    services = await new_call(
        client,
        manager,
        programme["id"],
        code="SERVICES",
        kind="services",
        selection_mode="first_come_first_served",
        title="Open call for services",
        budget_cents=400_000 * EUR,
        max_grant_cents=10_000 * EUR,
        min_grant_cents=2_000 * EUR,
        planned_awards=40,
        criteria=[],
        pass_threshold=0,
        objectives=["network", "adopt", "train", "go_international"],
        instalments=[{"label": "Voucher", "percent": 100, "trigger": "on_signature"}],
    )

    assert programme["objectives"] == ["network", "innovate", "adopt", "train", "go_international"]
    assert [c["eligibility"][0]["description"] for c in (low, high)] == [
        "The project's technology readiness level is between 3 and 5.",
        "The project's technology readiness level is between 6 and 8.",
    ]
    assert services["selection_mode"] == "first_come_first_served"
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert page["carved_cents"] == 1_600_000 * EUR
    listed = await client.get(
        "/v1/calls", params={"programme_id": programme["id"]}, headers=manager
    )
    assert [c["code"] for c in listed.json()["items"]] == ["IP-LOW-TRL", "IP-HIGH-TRL", "SERVICES"]
    twin = await client.post(
        "/v1/calls",
        headers=manager,
        json=call_body(programme["id"], code="SERVICES", budget_cents=100_000 * EUR),
    )
    assert_problem(twin, 409, "code_taken")


async def test_escp_4i_needs_three_members_from_three_member_states_one_of_them_defence(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(
        client, manager, code="ESCP-4i", objectives=["go_international", "network"]
    )
    consortium = {
        "type": "consortium",
        "min_members": 3,
        "min_distinct_countries": 3,
        "required_tags": ["defence"],
    }
    call = await new_call(
        client,
        manager,
        programme["id"],
        code="COS-CLUSINT-2017-03-6",
        kind="other",
        title="Clusters Go International in the defence and security sector",
        objectives=["go_international"],
        eligibility=[
            consortium,
            {"type": "applicant_country_in", "countries": ["FR", "DE", "IT", "LT", "ES"]},
        ],
    )
    rule = call["eligibility"][0]
    assert {k: v for k, v in rule.items() if k != "description"} == consortium
    assert rule["description"] == (
        "A consortium of at least 3 organisations from at least 3 different countries, "
        "with at least one member tagged defence."
    )


async def test_cluster_excellence_takes_a_typo_sized_programme_but_no_typo_sized_call(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    huge = await new_programme(
        client, manager, code="CLUSTER-EXCELLENCE", budget_cents=6_000_000_000 * EUR
    )
    excellence = dict(
        kind="demo_project",
        max_grant_cents=500_000 * EUR,
        min_grant_cents=100_000 * EUR,
        planned_awards=12,
    )
    first = await new_call(client, manager, huge["id"], budget_cents=4_000_000 * EUR, **excellence)
    second = await new_call(
        client,
        manager,
        huge["id"],
        budget_cents=2_000_000 * EUR,
        **{**excellence, "planned_awards": 4},
    )
    assert first["budget_cents"] + second["budget_cents"] == 6_000_000 * EUR

    right = await new_programme(client, manager, budget_cents=6_000_000 * EUR)
    typo = await client.post(
        "/v1/calls",
        headers=manager,
        json=call_body(right["id"], budget_cents=6_000_000_000 * EUR, **excellence),
    )
    assert_problem(typo, 409, "programme_budget_exceeded")
    fits = await new_call(client, manager, right["id"], budget_cents=6_000_000 * EUR, **excellence)
    assert fits["planned_awards"] * fits["max_grant_cents"] == fits["budget_cents"]
    over_planned = await client.post(
        "/v1/calls",
        headers=manager,
        json=call_body(huge["id"], budget_cents=1_000_000 * EUR, **excellence),
    )
    types = [e["type"] for e in assert_problem(over_planned, 422, "invalid_call")["errors"]]
    assert types == ["planned_awards_above_budget"]  # 12 x 100,000 > 1,000,000
