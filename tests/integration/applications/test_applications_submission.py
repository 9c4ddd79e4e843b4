"""Organisations, drafts, submission against the local call replica (deadline
edge included), eligibility in the answer and the events, withdrawal, and who
may see and change what."""

from __future__ import annotations

from datetime import timedelta

from tests.support.applications import World, event_payloads
from tests.support.calls import DAY, T0

SECOND = timedelta(seconds=1)
CLOSES = T0 + 30 * DAY  # call_body's deadline


async def test_a_duplicate_pic_or_vat_id_is_refused(world: World) -> None:
    sme = world.as_("applicant")
    first = await world.organisation(sme, pic="123456789", vat_id="FR12345678901")
    for duplicate in (
        {"pic": "123456789", "vat_id": None},
        {"pic": None, "vat_id": "FR12345678901"},
    ):
        answer = await world.client.post(
            "/v1/organisations",
            headers=sme,
            json={
                "name": "Copy",
                "country": "FR",
                "size": "micro",
                "registered_on": "2020-01-01",
                **duplicate,
            },
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "organisation_exists"
    bad = await world.client.post(
        "/v1/organisations",
        headers=sme,
        json={
            "name": "X",
            "country": "France",
            "size": "small",
            "pic": "12",
            "registered_on": "2020-01-01",
        },
    )
    assert bad.status_code == 422
    got = await world.client.get(f"/v1/organisations/{first['id']}", headers=sme)
    assert got.json()["pic"] == "123456789"


async def test_an_eligible_submission_lists_every_rule_with_its_reason(world: World) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"])
    assert draft["status"] == "draft"
    answer = await world.act(sme, draft, "submit")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "eligible"
    assert body["eligible"] is True
    assert [r["type"] for r in body["eligibility"]] == [
        "applicant_country_in",
        "applicant_size_in",
        "trl_between",
        "one_award_per_beneficiary_in_programme",
    ]
    assert all(r["passed"] and r["reason"] for r in body["eligibility"])
    [assessed] = await event_payloads(world.app, "applications.EligibilityAssessed")
    assert assessed["eligible"] is True
    assert len(assessed["outcomes"]) == 4
    [submitted] = await event_payloads(world.app, "applications.ApplicationSubmitted")
    assert submitted["lead"]["country"] == "FR"
    assert submitted["lead"]["size"] == "small"
    assert submitted["objectives"] == ["innovate"]
    again = await world.act(sme, draft, "submit")
    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"


async def test_an_ineligible_submission_says_which_rules_failed_and_why(world: World) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme, country="NO", size="large")
    draft = await world.draft(sme, call, org["id"], trl=8)
    body = (await world.act(sme, draft, "submit")).json()
    assert body["status"] == "ineligible"
    failed = {r["type"]: r["reason"] for r in body["eligibility"] if not r["passed"]}
    assert set(failed) == {"applicant_country_in", "applicant_size_in", "trl_between"}
    assert "NO" in failed["applicant_country_in"]


async def test_one_second_before_the_deadline_is_kept_and_one_second_after_refused(
    world: World,
) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    early, late = (await world.draft(sme, call, org["id"]), await world.draft(sme, call, org["id"]))
    world.clock.set(CLOSES - SECOND)
    assert (await world.act(sme, early, "submit")).status_code == 200
    world.clock.set(CLOSES + SECOND)
    refused = await world.act(sme, late, "submit")
    assert refused.status_code == 409
    assert refused.json()["code"] == "call_closed"
    unchanged = await world.client.get(f"/v1/applications/{late['id']}", headers=sme)
    assert unchanged.json()["status"] == "draft"
    assert unchanged.json()["version"] == 1


async def test_a_draft_is_edited_with_if_match_and_withdrawn(world: World) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    partner = await world.organisation(world.as_("applicant", sub="other"), country="DE")
    draft = await world.draft(sme, call, org["id"])
    fields = {
        "partner_organisation_ids": [partner["id"]],
        "title": "Better title",
        "requested_cents": 3_000_000,
        "trl": 5,
        "objectives": ["adopt"],
    }
    path = f"/v1/applications/{draft['id']}"
    assert (await world.client.patch(path, json=fields, headers=sme)).status_code == 428
    stale = await world.client.patch(path, json=fields, headers={**sme, "If-Match": '"7"'})
    assert stale.json()["code"] == "version_conflict"
    edited = await world.client.patch(path, json=fields, headers={**sme, "If-Match": '"1"'})
    assert edited.status_code == 200, edited.text
    assert edited.json()["partner_organisation_ids"] == [partner["id"]]
    withdrawn = await world.act(sme, draft, "withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    again = await world.act(sme, draft, "withdraw")
    assert again.json()["code"] == "not_withdrawable"


async def test_an_applicant_sees_and_changes_only_their_organisations_applications(
    world: World,
) -> None:
    call = await world.open_call()
    sme, stranger = world.as_("applicant"), world.as_("applicant", sub="stranger")
    org = await world.organisation(sme)
    await world.organisation(stranger)
    draft = await world.draft(sme, call, org["id"])
    foreign = await world.client.post(
        "/v1/applications",
        headers=stranger,
        json={
            "call_id": call["id"],
            "lead_organisation_id": org["id"],
            "title": "Mine now",
            "requested_cents": 1,
            "trl": 4,
            "objectives": ["innovate"],
        },
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "not_a_member"
    path = f"/v1/applications/{draft['id']}"
    assert (await world.client.get(path, headers=stranger)).status_code == 403
    assert (await world.act(stranger, draft, "submit")).status_code == 403
    assert (await world.client.get("/v1/applications", headers=stranger)).json()["items"] == []
    mine = (await world.client.get("/v1/applications", headers=sme)).json()["items"]
    assert [a["id"] for a in mine] == [draft["id"]]
    staff = await world.client.get(path, headers=world.manager)
    assert staff.status_code == 200
    added = await world.client.post(
        f"/v1/organisations/{org['id']}/members", headers=sme, json={"sub": "stranger"}
    )
    assert added.status_code == 200, added.text
    assert (await world.client.get(path, headers=stranger)).status_code == 200


async def test_a_member_lists_their_organisations_page_by_page(world: World) -> None:
    sme, other = world.as_("applicant", sub="lister"), world.as_("applicant", sub="other-sme")
    mine = sorted([(await world.organisation(sme))["id"] for _ in range(3)])
    theirs = await world.organisation(other)
    first = (await world.client.get("/v1/me/organisations?limit=2", headers=sme)).json()
    rest = (
        await world.client.get(f"/v1/me/organisations?cursor={first['next_cursor']}", headers=sme)
    ).json()
    assert [o["id"] for o in first["items"] + rest["items"]] == mine
    assert rest["next_cursor"] is None
    await world.client.post(
        f"/v1/organisations/{theirs['id']}/members", headers=other, json={"sub": "lister"}
    )
    again = (await world.client.get("/v1/me/organisations", headers=sme)).json()["items"]
    assert theirs["id"] in {o["id"] for o in again}
