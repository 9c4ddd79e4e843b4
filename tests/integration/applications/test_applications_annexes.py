"""Annexes: a lead member uploads the files the call requires to the draft (raw
body or multipart), checked while they stream (size, type from the content, not
empty), stored once by SHA-256; the events name the bytes, so what was submitted
can be proven; a submission without every required annex is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select

from shared.app import Chassis
from shared.tables import file_chunks, files
from tests.support.annexes import (
    BUDGET,
    EXE,
    KIB,
    PDF,
    PNG,
    REQUIRED_ANNEXES,
    SME,
    sha256,
    upload,
)
from tests.support.api import assert_problem
from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import (
    accept,
    assignments,
    close_and_assign,
    evaluator,
    register_evaluator,
)

Headers = dict[str, str]


async def draft_of(world: World) -> tuple[Headers, dict[str, Any]]:
    """Bob's organisation's draft in a call requiring two annexes."""
    call = await world.open_call(required_annexes=REQUIRED_ANNEXES)
    bob = world.as_("applicant", sub="bob")
    lead = await world.organisation(bob)
    return bob, await world.draft(bob, call, lead["id"])


async def stored_files(world: World) -> tuple[int, int]:
    """(files, chunk rows) in the applications service's file store."""
    chassis: Chassis = world.app.state.chassis
    async with chassis.engine.connect() as conn:
        named = await conn.scalar(select(func.count()).select_from(files))
        chunks = await conn.scalar(select(func.count()).select_from(file_chunks))
    return int(named or 0), int(chunks or 0)


async def test_an_uploaded_annex_is_listed_and_downloads_as_the_bytes_the_trail_names(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    answer = await upload(world.client, bob, draft["id"], BUDGET, PDF, name="budget.pdf")
    assert answer.status_code == 201, answer.text
    annex = answer.json()
    assert {k: annex[k] for k in ("code", "name", "media_type", "size", "sha256")} == {
        "code": BUDGET,
        "name": "budget.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": sha256(PDF),
    }
    assert answer.headers["location"].endswith(f"/annexes/{annex['id']}")

    listed = await world.client.get(f"/v1/applications/{draft['id']}/annexes", headers=bob)
    assert [a["id"] for a in listed.json()["items"]] == [annex["id"]]

    auditor = world.as_("auditor", sub="audrey")
    feed = await world.client.get("/v1/events", params={"limit": 500}, headers=auditor)
    attached = [e for e in feed.json()["items"] if e["type"] == "applications.AnnexAttached"]
    assert [e["payload"]["sha256"] for e in attached] == [annex["sha256"]]
    assert attached[0]["payload"]["attached_by"] == "bob"
    assert attached[0]["actor"]["sub"] == "bob"

    for reader in (bob, auditor, world.manager):
        downloaded = await world.client.get(
            f"/v1/applications/{draft['id']}/annexes/{annex['id']}", headers=reader
        )
        assert downloaded.status_code == 200
        assert downloaded.content == PDF
        assert sha256(downloaded.content) == attached[0]["payload"]["sha256"]
        assert downloaded.headers["content-type"] == "application/pdf"
        assert downloaded.headers["content-length"] == str(len(PDF))
        assert "budget.pdf" in downloaded.headers["content-disposition"]


async def test_a_multipart_upload_takes_the_file_part_with_its_type_and_name(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    answer = await world.client.post(
        f"/v1/applications/{draft['id']}/annexes",
        params={"code": SME},
        files={"file": ("declaration.png", PNG, "image/png")},
        data={"note": "signed by our CEO"},
        headers=bob,
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["name"], answer.json()["media_type"]) == ("declaration.png", "image/png")
    assert answer.json()["sha256"] == sha256(PNG)


async def test_the_same_file_is_stored_once_and_sent_again_records_nothing(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    first = await upload(world.client, bob, draft["id"], BUDGET, PDF, name="b.pdf")
    again = await upload(world.client, bob, draft["id"], BUDGET, PDF, name="b.pdf")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["event_ids"] == []
    elsewhere = await upload(world.client, bob, draft["id"], SME, PDF, name="b.pdf")
    assert elsewhere.status_code == 201, elsewhere.text
    assert len(await event_payloads(world.app, "applications.AnnexAttached")) == 2
    assert (await stored_files(world))[0] == 1


async def test_a_new_file_under_a_code_takes_the_place_of_the_old_one(world: World) -> None:
    bob, draft = await draft_of(world)
    first = (await upload(world.client, bob, draft["id"], SME, PDF)).json()
    second = await upload(world.client, bob, draft["id"], SME, PNG, media_type="image/png")
    assert second.status_code == 201, second.text
    listed = (await world.client.get(f"/v1/applications/{draft['id']}/annexes", headers=bob)).json()
    assert [a["sha256"] for a in listed["items"]] == [sha256(PNG)]
    replaced = await event_payloads(world.app, "applications.AnnexAttached")
    assert replaced[-1]["replaces"] == first["id"]


async def test_a_file_over_its_limit_is_refused_while_streaming_and_nothing_is_kept(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield PDF
        for _ in range(200):  # 200 x 16 KiB, far over the 64 KiB limit
            sent.append(1)
            yield b"%" * (16 * KIB)

    streamed = await upload(world.client, bob, draft["id"], SME, chunks())
    body = assert_problem(streamed, 413, "annex_too_large")
    assert body["max_bytes"] == 64 * KIB
    assert len(sent) < 10  # refused as soon as it passed the limit, the rest never read

    declared = await upload(world.client, bob, draft["id"], SME, PDF + b"%" * (64 * KIB))
    assert_problem(declared, 413, "annex_too_large")
    assert await stored_files(world) == (0, 0)
    assert await event_payloads(world.app, "applications.AnnexAttached") == []


async def test_a_file_whose_content_is_not_an_allowed_type_is_refused_whatever_its_header(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    disguised = await upload(world.client, bob, draft["id"], BUDGET, EXE, "application/pdf")
    body = assert_problem(disguised, 415, "annex_type_not_allowed")
    assert body["allowed"] == ["application/pdf"]
    png_as_pdf = await upload(world.client, bob, draft["id"], BUDGET, PNG, "application/pdf")
    assert_problem(png_as_pdf, 415, "annex_type_not_allowed")
    not_allowed = await upload(world.client, bob, draft["id"], BUDGET, PNG, "image/png")
    assert_problem(not_allowed, 415, "annex_type_not_allowed")
    in_a_form = await world.client.post(
        f"/v1/applications/{draft['id']}/annexes",
        params={"code": BUDGET},
        files={"file": ("budget.pdf", EXE, "application/pdf")},
        headers=bob,
    )
    assert_problem(in_a_form, 415, "annex_type_not_allowed")
    assert await stored_files(world) == (0, 0)


async def test_an_empty_file_an_unknown_code_and_a_form_without_a_file_are_refused(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    assert_problem(await upload(world.client, bob, draft["id"], BUDGET, b""), 422, "annex_empty")
    unknown = await upload(world.client, bob, draft["id"], "cv", PDF)
    assert assert_problem(unknown, 422, "annex_not_required")["required"] == [BUDGET, SME]
    no_file = await world.client.post(
        f"/v1/applications/{draft['id']}/annexes",
        params={"code": BUDGET},
        files={"note": (None, "only words")},
        headers=bob,
    )
    assert_problem(no_file, 422, "annex_file_missing")
    broken = await upload(
        world.client,
        bob,
        draft["id"],
        BUDGET,
        b"--x\r\nnot a part",
        "multipart/form-data; boundary=x",
    )
    assert_problem(broken, 400, "multipart_invalid")
    assert await stored_files(world) == (0, 0)


async def test_only_the_lead_organisations_members_upload_and_staff_read(world: World) -> None:
    call = await world.open_call(required_annexes=REQUIRED_ANNEXES)
    bob, alice = world.as_("applicant", sub="bob"), world.as_("applicant", sub="alice")
    lead, partner = await world.organisation(bob), await world.organisation(alice)
    draft = await world.draft(bob, call, lead["id"], partner_organisation_ids=[partner["id"]])
    assert_problem(await upload(world.client, alice, draft["id"], BUDGET, PDF), 403, "not_a_member")
    annex = (await upload(world.client, bob, draft["id"], BUDGET, PDF)).json()
    paths = [
        f"/v1/applications/{draft['id']}/annexes",
        f"/v1/applications/{draft['id']}/annexes/{annex['id']}",
    ]
    evaluator = world.as_("evaluator", sub="eve")
    for path in paths:
        for stranger in (alice, evaluator, world.as_("applicant", sub="mallory")):
            assert_problem(await world.client.get(path, headers=stranger), 403, "not_a_member")
    removed = await world.client.delete(paths[1], headers=alice)
    assert_problem(removed, 403, "not_a_member")
    assert (await stored_files(world))[0] == 1


async def test_a_submission_without_every_required_annex_is_refused_naming_them(
    world: World,
) -> None:
    bob, draft = await draft_of(world)
    refused = assert_problem(await world.act(bob, draft, "submit"), 409, "missing_annexes")
    assert refused["missing"] == [BUDGET, SME]

    budget = (await upload(world.client, bob, draft["id"], BUDGET, PDF)).json()
    sme = (await upload(world.client, bob, draft["id"], SME, PNG, "image/png")).json()
    removed = await world.client.delete(
        f"/v1/applications/{draft['id']}/annexes/{sme['id']}", headers=bob
    )
    assert removed.status_code == 200, removed.text
    refused = assert_problem(await world.act(bob, draft, "submit"), 409, "missing_annexes")
    assert refused["missing"] == [SME]
    assert [e["code"] for e in await event_payloads(world.app, "applications.AnnexRemoved")] == [
        SME
    ]

    await upload(world.client, bob, draft["id"], SME, PNG, "image/png")
    submitted = await world.act(bob, draft, "submit")
    assert submitted.status_code == 200, submitted.text

    late = await upload(world.client, bob, draft["id"], BUDGET, PNG + b"x", "image/png")
    assert_problem(late, 409, "not_a_draft")
    gone = await world.client.delete(
        f"/v1/applications/{draft['id']}/annexes/{budget['id']}", headers=bob
    )
    assert_problem(gone, 409, "not_a_draft")


async def test_an_evaluator_reads_the_annexes_once_they_accepted_the_application(
    world: World,
) -> None:
    call = await world.open_call(required_annexes=REQUIRED_ANNEXES, evaluators_per_application=1)
    bob = world.as_("applicant", sub="bob")
    lead = await world.organisation(bob)
    draft = await world.draft(bob, call, lead["id"])
    budget = (await upload(world.client, bob, draft["id"], BUDGET, PDF)).json()
    await upload(world.client, bob, draft["id"], SME, PNG, "image/png")
    assert (await world.act(bob, draft, "submit")).status_code == 200
    await register_evaluator(world, "eve")
    assert (await close_and_assign(world, call)).status_code == 200
    [assignment] = await assignments(world, "eve")
    path = f"/v1/applications/{draft['id']}/annexes/{budget['id']}"

    eve = evaluator(world, "eve")
    assert_problem(await world.client.get(path, headers=eve), 403, "not_a_member")
    assert (await accept(world, "eve", assignment["id"])).status_code == 200
    downloaded = await world.client.get(path, headers=eve)
    assert downloaded.status_code == 200
    assert downloaded.content == PDF


async def test_an_annex_larger_than_the_json_body_limit_streams_to_its_own_limit(
    world: World,
) -> None:
    scans = {"code": "scans", "title": "Scans", "media_types": ["application/pdf"]}
    call = await world.open_call(required_annexes=[{**scans, "max_bytes": 3 * 1024 * KIB}])
    bob = world.as_("applicant", sub="bob")
    draft = await world.draft(bob, call, (await world.organisation(bob))["id"])
    large = PDF + b"%" * (2 * 1024 * KIB)  # over the 1 MiB of JSON bodies

    answer = await upload(world.client, bob, draft["id"], "scans", large)
    assert answer.status_code == 201, answer.text
    assert (await stored_files(world))[1] == 3  # in 1 MiB chunks
    downloaded = await world.client.get(
        f"/v1/applications/{draft['id']}/annexes/{answer.json()['id']}", headers=bob
    )
    assert downloaded.content == large
    assert sha256(downloaded.content) == answer.json()["sha256"]
