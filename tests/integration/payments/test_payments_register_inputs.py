"""Bad input to the de minimis register: each a clear problem or a stated outcome,
and nothing half-recorded (no event, no row) when refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.applications import pic
from tests.support.calls import EUR
from tests.support.payments import Payments

AID = {"grantor": "Bpifrance", "granted_on": "2025-05-01", "amount_cents": 10_000 * EUR}


async def recorded(payments: Payments, organisation_id: str) -> int:
    return int(
        await payments.scalar(
            "SELECT count(*) FROM events WHERE stream_id = :s", s=f"state-aid-{organisation_id}"
        )
    )


async def test_a_link_to_oneself_is_refused_and_leaves_nothing(payments: Payments) -> None:
    org = await payments.organisation("sme-self", vat_id="FR40303265045", pic_code="123456789")
    applicant = payments.as_("applicant", sub="sme-self")
    for named in ({"pic": "123456789"}, {"vat_id": "FR40303265045"}):
        refused = await payments.link(org.organisation_id, applicant, **named)
        assert (refused.status_code, refused.json()["code"]) == (422, "self_link")
    assert await recorded(payments, org.organisation_id) == 0


async def test_an_unknown_pic_is_kept_unverified_and_a_cycle_is_harmless(
    payments: Payments,
) -> None:
    a, b = await payments.organisation("sme-a"), await payments.organisation("sme-b")
    stranger = pic()
    manager = payments.manager
    assert (await payments.link(a.organisation_id, manager, pic=b.pic)).status_code == 201
    unknown = await payments.link(
        b.organisation_id, manager, pic=stranger, relation="controlled_by"
    )
    assert (unknown.status_code, unknown.json()["linked_known"]) == (201, False)
    closing = await payments.link(
        a.organisation_id, manager, pic=stranger, relation="shares_controller"
    )
    assert closing.status_code == 201, closing.text

    register = await payments.de_minimis(a.organisation_id)
    members = {m["enterprise_id"]: m["verified"] for m in register["members"]}
    assert members == {f"PIC:{a.pic}": True, f"PIC:{b.pic}": True, f"PIC:{stranger}": False}
    assert len(register["links"]) == 3
    assert register["undertaking_id"] == min(members)


async def test_links_are_declared_by_members_or_programme_managers_only(
    payments: Payments,
) -> None:
    org = await payments.organisation("sme-own")
    outsider = await payments.link(
        org.organisation_id, payments.as_("applicant", sub="x"), pic=pic()
    )
    assert (outsider.status_code, outsider.json()["code"]) == (403, "not_a_member")
    officer = await payments.link(org.organisation_id, payments.officer("fo-anna"), pic=pic())
    assert officer.status_code == 403
    nobody = await payments.link(
        "00000000-0000-7000-8000-000000000000", payments.manager, pic=pic()
    )
    assert nobody.status_code == 404
    unnamed = await payments.link(org.organisation_id, payments.manager)
    assert unnamed.status_code == 422
    assert await recorded(payments, org.organisation_id) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate_to_eur": "0"}, "rate_to_eur"),
        ({"rate_to_eur": "-0.5", "currency": "CZK", "rate_source": "ECB"}, "rate_to_eur"),
        ({"rate_to_eur": "1.1"}, "body"),
        ({"currency": "CZK"}, "body"),
        ({"amount_cents": 0}, "amount_cents"),
        ({"amount_cents": 10.5}, "amount_cents"),
    ],
)
async def test_declared_aid_with_a_bad_rate_or_amount_is_refused(
    payments: Payments,
    changes: dict[str, Any],
    field: str,
) -> None:
    org = await payments.organisation("sme-rate")
    refused = await payments.declare_aid(
        org.organisation_id, payments.as_("applicant", sub="sme-rate"), **{**AID, **changes}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert await recorded(payments, org.organisation_id) == 0


async def test_a_programme_manager_records_aid_with_a_reason(payments: Payments) -> None:
    org = await payments.organisation("sme-pm")
    refused = await payments.declare_aid(org.organisation_id, payments.manager, **AID)
    assert (refused.status_code, refused.json()["code"]) == (422, "reason_required")
    kept = await payments.declare_aid(
        org.organisation_id, payments.manager, **AID, reason="central register extract"
    )
    assert (kept.status_code, kept.json()["recorded_as"]) == (201, "programme_manager")
    assert await recorded(payments, org.organisation_id) == 1


async def test_the_register_is_documented_in_openapi_and_asyncapi(payments: Payments) -> None:
    openapi = (await payments.client.get("/openapi.json")).json()
    links = openapi["paths"]["/v1/organisations/{organisation_id}/links"]["post"]
    described = " ".join(answer["description"] for answer in links["responses"].values())
    for code in ("self_link", "link_already_declared", "not_a_member"):
        assert f"`{code}`" in described, code
    export = openapi["paths"]["/v1/exports/de-minimis"]["get"]
    assert {p["name"] for p in export["parameters"]} == {"from", "to", "format"}
    register = openapi["paths"]["/v1/organisations/{organisation_id}/de-minimis"]["get"]
    assert "as_of" in {p["name"] for p in register["parameters"]}

    asyncapi = (await payments.client.get("/asyncapi.json")).json()
    schemas = asyncapi["components"]["schemas"]
    assert {"rate_to_eur", "rate_source", "eur_cents", "granted_on", "reason"} <= set(
        schemas["AidDeclared"]["properties"]
    )
    assert {"linked_enterprise_id", "linked_known", "relation", "declared_by"} <= set(
        schemas["EnterpriseLinkDeclared"]["properties"]
    )
    assert "DeclaredAidCorrected" in asyncapi["channels"]["payments.events"]["messages"]
