"""Final reports take files the way applications take annexes: a beneficiary's
member attaches them to the grant, streamed and checked into the file store; the
report's submission records the hashes of those it takes, which download as the
bytes handed in."""

from __future__ import annotations

from typing import Any

from tests.support.annexes import EXE, PDF, sha256
from tests.support.api import assert_problem
from tests.support.calls import EUR
from tests.support.payments import Payments

CSV = b"category,amount_cents\npersonnel,3500000\nequipment,1500000\n"


async def grant_for(payments: Payments, member: str) -> dict[str, Any]:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    organisation = await up.organisation(member)
    return await payments.grant_of(await up.contract(call, programme, organisation, 50_000 * EUR))


async def attach(
    payments: Payments,
    headers: dict[str, str],
    grant: dict[str, Any],
    code: str,
    content: bytes,
    media_type: str = "application/pdf",
) -> Any:
    return await payments.client.post(
        f"/v1/grants/{grant['id']}/annexes",
        params={"code": code, "name": f"{code}.bin"},
        content=content,
        headers={**headers, "Content-Type": media_type},
    )


async def test_a_reports_files_are_handed_in_with_it_and_download_as_recorded(
    payments: Payments,
) -> None:
    grant = await grant_for(payments, "sme-report-files")
    sme = payments.as_("applicant", sub="sme-report-files")
    statement = await attach(payments, sme, grant, "financial_statement", PDF)
    assert statement.status_code == 201, statement.text
    budget = await payments.client.post(
        f"/v1/grants/{grant['id']}/annexes",
        params={"code": "budget_table"},
        files={"file": ("budget.csv", CSV, "text/csv")},
        headers=sme,
    )
    assert budget.status_code == 201, budget.text
    assert budget.json()["media_type"] == "text/csv"
    again = await attach(payments, sme, grant, "financial_statement", PDF)
    assert (again.status_code, again.json()["event_ids"]) == (200, [])

    stranger = payments.as_("applicant", sub="someone-else")
    assert_problem(await attach(payments, stranger, grant, "x", PDF), 403, "not_a_member")
    listing = f"/v1/grants/{grant['id']}/annexes"
    assert_problem(await payments.client.get(listing, headers=stranger), 403, "not_a_member")

    report = await payments.post(f"/v1/grants/{grant['id']}/reports", sme, summary="Delivered")
    assert report.status_code == 201, report.text
    assert [a["code"] for a in report.json()["annexes"]] == ["budget_table", "financial_statement"]
    late = await attach(payments, sme, grant, "late_note", PDF)
    assert_problem(late, 409, "report_pending")

    payload = await payments.scalar(
        "SELECT payload FROM events WHERE stream_id = :s AND type = 'payments.ReportSubmitted'",
        s=grant["id"],
    )
    recorded = {a["annex_id"]: a["sha256"] for a in payload["annexes"]}
    listed = (await payments.client.get(listing, headers=payments.manager)).json()["items"]
    assert {a["report_id"] for a in listed} == {report.json()["id"]}
    for annex in listed:
        downloaded = await payments.client.get(
            f"{listing}/{annex['id']}", headers=payments.as_("auditor", sub="audrey")
        )
        assert downloaded.status_code == 200
        assert sha256(downloaded.content) == recorded[annex["id"]]
        assert downloaded.headers["content-type"].startswith(annex["media_type"])
    assert {sha256(PDF), sha256(CSV)} == set(recorded.values())


async def test_a_reports_file_is_checked_like_an_annex(payments: Payments) -> None:
    grant = await grant_for(payments, "sme-report-checks")
    sme = payments.as_("applicant", sub="sme-report-checks")
    disguised = await attach(payments, sme, grant, "financial_statement", EXE)
    assert_problem(disguised, 415, "annex_type_not_allowed")
    assert_problem(
        await attach(payments, sme, grant, "financial_statement", b""), 422, "annex_empty"
    )
    too_large = await attach(payments, sme, grant, "scan", PDF + b"%" * (20 * 1024 * 1024))
    assert_problem(too_large, 413, "annex_too_large")
    listed = await payments.client.get(f"/v1/grants/{grant['id']}/annexes", headers=sme)
    assert listed.json()["items"] == []

    kept = (await attach(payments, sme, grant, "scan", PDF)).json()
    removed = await payments.client.delete(
        f"/v1/grants/{grant['id']}/annexes/{kept['id']}", headers=sme
    )
    assert removed.status_code == 200, removed.text
    report = await payments.post(f"/v1/grants/{grant['id']}/reports", sme, summary="Done")
    assert report.json()["annexes"] == []
