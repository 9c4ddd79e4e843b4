"""The limits an award must fit: the de minimis ceiling per undertaking across
programmes in a rolling window, the programme's cap per beneficiary, and the
call's budget. A breach becomes `GrantRefused` with the amounts in the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.calls import DAY, EUR, T0
from tests.support.payments import Payments
from tests.support.waiting import eventually


async def de_minimis(payments: Payments, organisation_id: str, **params: str) -> dict[str, Any]:
    answer = await payments.client.get(
        f"/v1/organisations/{organisation_id}/de-minimis",
        params=params,
        headers=payments.officer("fo-anna"),
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_de_minimis_aid_counts_across_programmes_and_a_breach_is_refused(
    payments: Payments,
) -> None:
    up = payments.upstream
    metastars, dream = await up.programme(), await up.programme()
    first_call, second_call = await up.call(metastars), await up.call(dream)
    org = await up.organisation("sme-dm", pic_code="912345678")
    payments.clock.set(T0 + 40 * DAY)

    awarded = await payments.grant_of(
        await up.contract(first_call, metastars, org, 200_000 * EUR, at=T0)
    )
    refused_application = await up.contract(
        second_call, dream, org, 150_000 * EUR, at=T0 + 30 * DAY
    )
    refusal = await payments.refusal_of(refused_application)
    assert refusal["reason_code"] == "de_minimis_exceeded"
    assert "200,000.00" in refusal["reason"]
    assert "300,000.00" in refusal["reason"]
    assert "150,000.00" in refusal["reason"]
    assert refusal["de_minimis"]["undertaking_id"] == "PIC:912345678"
    assert (refusal["de_minimis"]["aid_before_cents"], refusal["de_minimis"]["headroom_cents"]) == (
        200_000 * EUR,
        100_000 * EUR,
    )
    assert (refusal["programme_id"], refusal["amount_cents"]) == (dream, 150_000 * EUR)
    assert (
        await payments.scalar(
            "SELECT count(*) FROM grants WHERE application_id = :a", a=refused_application
        )
        == 0
    )
    assert (await payments.ledger(second_call))["committed_cents"] == 0

    register = await de_minimis(payments, org.organisation_id)
    assert (register["aid_cents"], register["headroom_cents"], register["ceiling_cents"]) == (
        200_000 * EUR,
        100_000 * EUR,
        300_000 * EUR,
    )
    assert [a["grant_id"] for a in register["awards"]] == [awarded["id"]]

    exactly_at_ceiling = await payments.grant_of(
        await up.contract(second_call, dream, org, 100_000 * EUR, at=T0 + 31 * DAY)
    )
    assert exactly_at_ceiling["programme_id"] == dream
    register = await de_minimis(payments, org.organisation_id, programme_id=dream)
    assert (register["aid_cents"], register["headroom_cents"]) == (300_000 * EUR, 0)


async def test_aid_older_than_the_window_no_longer_counts(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=1_000_000 * EUR)
    org = await up.organisation("sme-old", pic_code=None, vat_id="FR40303265045")
    long_ago = T0 - timedelta(days=3 * 365 + 1)
    old = await payments.grant_of(
        await up.contract(call, programme, org, 250_000 * EUR, at=long_ago)
    )
    recent = await payments.grant_of(await up.contract(call, programme, org, 100_000 * EUR))
    assert recent["amount_cents"] == 100_000 * EUR
    register = await de_minimis(payments, org.organisation_id, on=T0.date().isoformat())
    assert register["undertaking_id"] == "VAT:FR40303265045"
    assert register["window_start"] == "2023-03-02"
    assert [a["grant_id"] for a in register["awards"]] == [recent["id"]]
    then = await de_minimis(payments, org.organisation_id, on=long_ago.date().isoformat())
    assert [a["grant_id"] for a in then["awards"]] == [old["id"]]


async def test_a_call_that_is_not_de_minimis_is_not_held_to_the_ceiling(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    org = await up.organisation("sme-nodm")
    await payments.grant_of(
        await up.contract(await up.call(programme), programme, org, 300_000 * EUR)
    )
    other = await up.call(programme, de_minimis=False)
    grant = await payments.grant_of(await up.contract(other, programme, org, 50_000 * EUR))
    assert grant["status"] == "awarded"
    assert (await de_minimis(payments, org.organisation_id))["aid_cents"] == 300_000 * EUR


async def test_the_programmes_cap_per_beneficiary_refuses_a_second_award(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme(cap_cents=60_000 * EUR)
    org = await up.organisation("sme-cap")
    await payments.grant_of(
        await up.contract(await up.call(programme), programme, org, 50_000 * EUR)
    )
    refusal = await payments.refusal_of(
        await up.contract(await up.call(programme, de_minimis=False), programme, org, 20_000 * EUR)
    )
    assert refusal["reason_code"] == "per_beneficiary_cap_exceeded"
    assert "50,000.00" in refusal["reason"]
    assert "60,000.00" in refusal["reason"]
    assert (refusal["limit_cents"], refusal["used_cents"]) == (60_000 * EUR, 50_000 * EUR)


async def test_an_award_beyond_the_calls_budget_is_refused(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=100_000 * EUR)
    await payments.grant_of(
        await up.contract(call, programme, await up.organisation("a"), 80_000 * EUR)
    )
    refusal = await payments.refusal_of(
        await up.contract(call, programme, await up.organisation("b"), 30_000 * EUR)
    )
    assert refusal["reason_code"] == "call_budget_exceeded"
    await up.amend_budget(call, 100_000 * EUR, 110_000 * EUR)

    async def amended() -> bool:
        return (await payments.ledger(call))["budget_cents"] == 110_000 * EUR

    await eventually(amended)
    grant = await payments.grant_of(
        await up.contract(call, programme, await up.organisation("c"), 30_000 * EUR)
    )
    assert grant["amount_cents"] == 30_000 * EUR
    ledger = await payments.ledger(call)
    assert (ledger["budget_cents"], ledger["committed_cents"], ledger["available_cents"]) == (
        110_000 * EUR,
        110_000 * EUR,
        0,
    )
