"""The de minimis ceiling as Regulation (EU) 2023/2831 counts it, through the payments
API and the real broker: linked enterprises are one single undertaking, aid declared
from other grantors counts, only the state-resource share of an award counts, and the
register answers as it stood at a past instant."""

from __future__ import annotations

from datetime import timedelta

from tests.support.applications import pic
from tests.support.calls import DAY, EUR, T0, iso
from tests.support.payments import Payments

HALF_REGIONAL = [
    {"name": "Digital Europe Programme", "share_percent": 50, "state_resources": False},
    {"name": "Region Occitanie", "share_percent": 50, "state_resources": True},
]


async def test_two_linked_smes_are_refused_together_what_neither_alone_breaches(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR)
    parent_pic, daughter_pic = pic(), pic()
    parent = await payments.organisation("sme-parent", pic_code=parent_pic)
    daughter = await payments.organisation("sme-daughter", pic_code=daughter_pic)
    linked = await payments.link(
        parent.organisation_id,
        payments.as_("applicant", sub="sme-parent"),
        pic=daughter_pic,
        relation="controls",
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["linked_known"] is True

    await payments.grant_of(await up.contract(call, programme, parent, 200_000 * EUR))
    refused = await payments.refusal_of(
        await up.contract(call, programme, daughter, 150_000 * EUR, at=T0 + DAY)
    )
    assert refused["reason_code"] == "de_minimis_exceeded"
    figures = refused["de_minimis"]
    assert sorted(figures["members"]) == sorted([f"PIC:{parent_pic}", f"PIC:{daughter_pic}"])
    assert (figures["aid_before_cents"], figures["counted_cents"], figures["headroom_cents"]) == (
        200_000 * EUR,
        150_000 * EUR,
        100_000 * EUR,
    )
    assert figures["sources"] == [
        {"source": "cascade", "grantor": "METASTARS", "counted_cents": 200_000 * EUR}
    ]
    for text in (
        parent_pic,
        daughter_pic,
        "2023-03-03",
        "200,000.00 from METASTARS",
        "150,000.00",
        "300,000.00",
        "headroom €100,000.00",
    ):
        assert text in refused["reason"], text

    # The link holds both ways: the daughter's register is the undertaking's.
    register = await payments.de_minimis(daughter.organisation_id)
    assert [m["enterprise_id"] for m in register["members"]] == sorted(figures["members"])
    assert all(m["verified"] for m in register["members"])
    assert (register["aid_cents"], register["headroom_cents"]) == (200_000 * EUR, 100_000 * EUR)
    assert [link["id"] for link in register["links"]] == [linked.json()["id"]]
    # Declaring it again, from the other side, changes nothing.
    again = await payments.link(
        daughter.organisation_id, payments.manager, pic=parent_pic, relation="controlled_by"
    )
    assert (again.status_code, again.json()["code"]) == (409, "link_already_declared")


async def test_aid_declared_from_another_grantor_tips_an_award_over_the_ceiling(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR)
    org = await payments.organisation("sme-cz", country="CZ")
    applicant = payments.as_("applicant", sub="sme-cz")
    await payments.grant_of(await up.contract(call, programme, org, 150_000 * EUR))
    declared = await payments.declare_aid(
        org.organisation_id,
        applicant,
        grantor="CzechInvest",
        granted_on="2025-06-30",
        amount_cents=250_000_000,
        currency="CZK",
        rate_to_eur="0.04",
        rate_source="ECB 2025-06-30",
    )
    assert declared.status_code == 201, declared.text
    assert (declared.json()["eur_cents"], declared.json()["counted"]) == (100_000 * EUR, True)

    refused = await payments.refusal_of(
        await up.contract(call, programme, org, 60_000 * EUR, at=T0 + DAY)
    )
    assert refused["reason_code"] == "de_minimis_exceeded"
    assert "€100,000.00 from CzechInvest (declared)" in refused["reason"]
    assert refused["de_minimis"]["aid_before_cents"] == 250_000 * EUR
    assert {s["grantor"]: s["counted_cents"] for s in refused["de_minimis"]["sources"]} == {
        "METASTARS": 150_000 * EUR,
        "CzechInvest": 100_000 * EUR,
    }
    fits = await payments.grant_of(
        await up.contract(call, programme, org, 50_000 * EUR, at=T0 + DAY)
    )
    assert fits["amount_cents"] == 50_000 * EUR

    event = await payments.scalar(
        "SELECT payload FROM events WHERE type = "
        "'payments.AidDeclared' AND payload->>'entry_id' = :e",
        e=declared.json()["id"],
    )
    assert (event["rate_to_eur"], event["rate_source"], event["currency"]) == (
        "0.04",
        "ECB 2025-06-30",
        "CZK",
    )


async def test_a_voucher_co_funded_half_by_the_region_counts_half(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    co_funded = await up.call(
        programme, budget_cents=1_000_000 * EUR, funding_sources=HALF_REGIONAL
    )
    eu_only = await up.call(
        programme,
        funding_sources=[
            {"name": "Digital Europe Programme", "share_percent": 100, "state_resources": False}
        ],
    )
    org = await payments.organisation("sme-half")
    await payments.grant_of(await up.contract(co_funded, programme, org, 400_000 * EUR))
    grant = await payments.grant_of(await up.contract(co_funded, programme, org, 200_000 * EUR))
    register = await payments.de_minimis(org.organisation_id)
    assert [
        (a["award_cents"], a["amount_cents"], a["state_resources_percent"])
        for a in register["awards"]
    ] == [(400_000 * EUR, 200_000 * EUR, 50), (200_000 * EUR, 100_000 * EUR, 50)]
    assert (register["aid_cents"], register["headroom_cents"]) == (300_000 * EUR, 0)
    assert grant["amount_cents"] == 200_000 * EUR
    # Money from a centrally managed EU programme is no state aid: it never counts.
    eu = await payments.grant_of(await up.contract(eu_only, programme, org, 60_000 * EUR))
    assert eu["status"] == "awarded"
    assert (await payments.de_minimis(org.organisation_id))["aid_cents"] == 300_000 * EUR
    refused = await payments.refusal_of(await up.contract(co_funded, programme, org, 2))
    assert "50% from state resources of €0.02" in refused["reason"]


async def test_an_award_lawful_on_its_day_stays_lawful_as_of_that_day(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR)
    first, second = await payments.organisation("sme-one"), await payments.organisation("sme-two")
    await payments.grant_of(await up.contract(call, programme, first, 200_000 * EUR))
    lawful = await payments.grant_of(await up.contract(call, programme, second, 150_000 * EUR))
    payments.clock.set(T0 + 10 * DAY)
    linked = await payments.link(
        second.organisation_id,
        payments.manager,
        pic=first.pic,
        relation="shares_controller",
        note="same holding, found on checking the annual accounts",
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["declared_as"] == "programme_manager"

    now = await payments.de_minimis(second.organisation_id)
    assert (now["aid_cents"], now["exceeds_ceiling"]) == (350_000 * EUR, True)
    then = await payments.de_minimis(second.organisation_id, as_of=iso(T0 + timedelta(hours=1)))
    assert [m["enterprise_id"] for m in then["members"]] == [f"PIC:{second.pic}"]
    assert (then["aid_cents"], then["headroom_cents"], then["exceeds_ceiling"]) == (
        150_000 * EUR,
        150_000 * EUR,
        False,
    )
    assert [a["grant_id"] for a in then["awards"]] == [lawful["id"]]
    assert then["links"] == []
    payments.clock.set(T0)


async def test_declared_aid_is_kept_whatever_its_date_and_corrected_with_a_reason(
    payments: Payments,
) -> None:
    org = await payments.organisation("sme-decl")
    applicant = payments.as_("applicant", sub="sme-decl")
    payments.clock.set(T0)
    future = await payments.declare_aid(
        org.organisation_id,
        applicant,
        grantor="Bpifrance",
        granted_on="2026-12-01",
        amount_cents=10_000 * EUR,
    )
    old = await payments.declare_aid(
        org.organisation_id,
        applicant,
        grantor="Bpifrance",
        granted_on="2022-01-10",
        amount_cents=20_000 * EUR,
    )
    counted = await payments.declare_aid(
        org.organisation_id,
        applicant,
        grantor="Région Sud",
        granted_on="2025-01-10",
        amount_cents=30_000 * EUR,
    )
    assert [
        (r.status_code, r.json()["counted"], r.json()["not_counted"])
        for r in (future, old, counted)
    ] == [
        (201, False, "granted_after_window_end"),
        (201, False, "granted_before_window"),
        (201, True, None),
    ]
    register = await payments.de_minimis(org.organisation_id)
    assert register["aid_cents"] == 30_000 * EUR
    assert len(register["declared_aid"]) == 3

    path = f"/v1/organisations/{org.organisation_id}/declared-aid/{counted.json()['id']}"
    no_reason = await payments.post(
        f"{path}/corrections",
        payments.manager,
        grantor="Région Sud",
        granted_on="2025-01-10",
        amount_cents=3_000 * EUR,
    )
    assert no_reason.status_code == 422
    not_a_manager = await payments.post(
        f"{path}/corrections",
        applicant,
        grantor="Région Sud",
        granted_on="2025-01-10",
        amount_cents=3_000 * EUR,
        reason="typo",
    )
    assert not_a_manager.status_code == 403
    payments.clock.set(T0 + DAY)
    corrected = await payments.post(
        f"{path}/corrections",
        payments.manager,
        grantor="Région Sud",
        granted_on="2025-01-10",
        amount_cents=3_000 * EUR,
        reason="central register extract of 2026-03-03",
    )
    assert (corrected.status_code, corrected.json()["revision"]) == (200, 2), corrected.text
    assert (await payments.de_minimis(org.organisation_id))["aid_cents"] == 3_000 * EUR
    before = await payments.de_minimis(org.organisation_id, as_of=iso(T0 + DAY / 2))
    assert before["aid_cents"] == 30_000 * EUR
    payments.clock.set(T0)


async def test_the_cap_per_beneficiary_holds_for_the_undertaking_when_the_programme_says_so(
    payments: Payments,
) -> None:
    up = payments.upstream
    strict = await up.programme(cap_cents=60_000 * EUR, cap_applies_to_undertaking=True)
    lenient = await up.programme(cap_cents=60_000 * EUR)
    parent, daughter = await payments.organisation("sme-p"), await payments.organisation("sme-d")
    assert (
        await payments.link(parent.organisation_id, payments.manager, pic=daughter.pic)
    ).status_code == 201
    for programme in (strict, lenient):
        await payments.grant_of(
            await up.contract(await up.call(programme), programme, parent, 50_000 * EUR)
        )
    refused = await payments.refusal_of(
        await up.contract(await up.call(strict), strict, daughter, 20_000 * EUR)
    )
    assert (refused["reason_code"], refused["limit_cents"], refused["used_cents"]) == (
        "per_undertaking_cap_exceeded",
        60_000 * EUR,
        50_000 * EUR,
    )
    granted = await payments.grant_of(
        await up.contract(await up.call(lenient), lenient, daughter, 20_000 * EUR)
    )
    assert granted["amount_cents"] == 20_000 * EUR


async def test_the_register_export_lists_each_de_minimis_award_of_the_period(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR, funding_sources=HALF_REGIONAL)
    eu_only = await up.call(
        programme,
        funding_sources=[
            {"name": "Digital Europe Programme", "share_percent": 100, "state_resources": False}
        ],
    )
    org = await payments.organisation("sme-export", vat_id="FR12345678901")
    day = T0 + 200 * DAY  # a period no other test of the module awards in
    grant = await payments.grant_of(
        await up.contract(call, programme, org, 80_000 * EUR + 1, at=day)
    )
    await payments.grant_of(await up.contract(eu_only, programme, org, 10_000 * EUR, at=day))
    period = {"from": day.date().isoformat(), "to": day.date().isoformat()}

    answer = await payments.client.get(
        "/v1/exports/de-minimis", params=period, headers=payments.as_("auditor", sub="aud")
    )
    assert answer.status_code == 200, answer.text
    export = answer.json()
    assert export["legal_basis"] == "Commission Regulation (EU) 2023/2831"
    assert [
        (i["grant_id"], i["award_cents"], i["counted_eur_cents"], i["counted_eur"])
        for i in export["items"]
    ] == [(grant["id"], 80_000 * EUR + 1, 40_000 * EUR + 1, "40000.01")]
    item = export["items"][0]
    assert (
        item["beneficiary_vat_id"],
        item["granted_on"],
        item["grantor"],
        item["undertaking_members"],
    ) == ("FR12345678901", period["from"], "METASTARS", [item["undertaking_id"]])

    csv = await payments.client.get(
        "/v1/exports/de-minimis", params={**period, "format": "csv"}, headers=payments.manager
    )
    assert csv.headers["content-type"].startswith("text/csv")
    header, row = csv.text.strip().split("\r\n")
    assert header.split(",")[:3] == ["grant_id", "beneficiary_name", "beneficiary_country"]
    assert "40000.01" in row
    assert "Commission Regulation (EU) 2023/2831" in row
    wrong = await payments.client.get(
        "/v1/exports/de-minimis",
        params={"from": "2026-03-02", "to": "2026-03-01"},
        headers=payments.manager,
    )
    assert wrong.status_code == 422
    officer = await payments.client.get(
        "/v1/exports/de-minimis", params=period, headers=payments.officer("fo-anna")
    )
    assert officer.status_code == 403


async def test_a_cancelled_co_funded_grant_counts_half_of_what_was_paid_from_then_on(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR, funding_sources=HALF_REGIONAL)
    org = await payments.organisation("sme-cancel")
    grant = await payments.grant_of(await up.contract(call, programme, org, 100_001 * EUR))
    await payments.pay(grant["instalments"][0]["id"])  # 70%: EUR 70,000.70
    payments.clock.set(T0 + DAY)
    cancelled = await payments.post(
        f"/v1/grants/{grant['id']}/cancel", payments.manager, reason="irregularity"
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (await payments.de_minimis(org.organisation_id))["aid_cents"] == 35_000 * EUR + 35
    before = await payments.de_minimis(org.organisation_id, as_of=iso(T0 + DAY / 2))
    assert before["aid_cents"] == 50_000 * EUR + 50
    payments.clock.set(T0)
