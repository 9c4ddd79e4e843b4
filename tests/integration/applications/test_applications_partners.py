"""Partners of an application: only the lead organisation's members act on it; a
partner named consents through an invitation it accepts (both recorded as events)
before the application can be submitted, and may read it meanwhile. Who reads an
organisation: its members, those it applies with, and staff."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.api import assert_problem
from tests.support.applications import World, event_payloads

Headers = dict[str, str]


async def consortium(
    world: World,
) -> tuple[Headers, Headers, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Bob's organisation leads a draft naming Alice's as partner, without her say."""
    call = await world.open_call()
    bob, alice = world.as_("applicant", sub="bob"), world.as_("applicant", sub="alice")
    lead, partner = await world.organisation(bob), await world.organisation(alice)
    draft = await world.draft(bob, call, lead["id"], partner_organisation_ids=[partner["id"]])
    return bob, alice, lead, partner, draft


async def invite(
    world: World, headers: Headers, organisation: dict[str, Any], draft: dict[str, Any]
) -> httpx.Response:
    return await world.client.post(
        f"/v1/organisations/{organisation['id']}/invitations",
        json={"application_id": draft["id"]},
        headers=headers,
    )


async def test_a_partners_member_reads_the_application_but_cannot_act_on_it(
    world: World,
) -> None:
    bob, alice, _, _, draft = await consortium(world)
    path = f"/v1/applications/{draft['id']}"
    assert (await world.client.get(path, headers=alice)).status_code == 200
    edit = await world.client.patch(
        path,
        headers={**alice, "If-Match": f'"{draft["version"]}"'},
        json={"title": "Alice's now", "requested_cents": 1, "trl": 4, "objectives": ["innovate"]},
    )
    assert_problem(edit, 403, "not_a_member")
    for action in ("submit", "withdraw"):
        assert_problem(await world.act(alice, draft, action), 403, "not_a_member")
    unchanged = (await world.client.get(path, headers=bob)).json()
    assert (unchanged["title"], unchanged["status"]) == (draft["title"], "draft")


async def test_a_named_partner_consents_by_invitation_before_the_submission(
    world: World,
) -> None:
    bob, alice, _, partner, draft = await consortium(world)
    refused = assert_problem(await world.act(bob, draft, "submit"), 409, "partner_consent_missing")
    assert refused["organisation_ids"] == [partner["id"]]

    assert_problem(await invite(world, alice, partner, draft), 403, "not_a_member")
    invited = await invite(world, bob, partner, draft)
    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    assert (invitation["status"], invitation["organisation_id"]) == ("pending", partner["id"])
    assert_problem(await invite(world, bob, partner, draft), 409, "already_invited")
    listed = await world.client.get(f"/v1/organisations/{partner['id']}/invitations", headers=alice)
    assert [i["id"] for i in listed.json()] == [invitation["id"]]

    accept = f"/v1/invitations/{invitation['id']}/accept"
    assert_problem(await world.client.post(accept, headers=bob), 403, "not_a_member")
    accepted = await world.client.post(accept, headers=alice)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert_problem(await world.client.post(accept, headers=alice), 409, "already_accepted")

    [asked] = await event_payloads(world.app, "applications.PartnerInvited")
    [consent] = await event_payloads(world.app, "applications.PartnerInvitationAccepted")
    assert (asked["invited_by"], asked["application_id"]) == ("bob", draft["id"])
    assert (consent["accepted_by"], consent["organisation_id"]) == ("alice", partner["id"])
    submitted = await world.act(bob, draft, "submit")
    assert submitted.status_code == 200, submitted.text


async def test_an_organisation_not_named_cannot_be_invited(world: World) -> None:
    bob, _, _, _, draft = await consortium(world)
    other = await world.organisation(world.as_("applicant", sub="carol"))
    assert_problem(await invite(world, bob, other, draft), 409, "not_a_partner")


async def test_an_edit_that_leaves_out_the_partners_keeps_them(world: World) -> None:
    bob, _, _, partner, draft = await consortium(world)
    edited = await world.client.patch(
        f"/v1/applications/{draft['id']}",
        headers={**bob, "If-Match": f'"{draft["version"]}"'},
        json={
            "title": "Composite wing ribs, second try",
            "requested_cents": 30_000_00,
            "trl": 4,
            "objectives": ["innovate"],
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["partner_organisation_ids"] == [partner["id"]]
    dropped = await world.client.patch(
        f"/v1/applications/{draft['id']}",
        headers={**bob, "If-Match": f'"{edited.json()["version"]}"'},
        json={
            "title": "Alone",
            "requested_cents": 30_000_00,
            "trl": 4,
            "objectives": ["innovate"],
            "partner_organisation_ids": [],
        },
    )
    assert dropped.json()["partner_organisation_ids"] == []


async def test_an_organisation_is_read_by_its_members_its_partners_and_staff(
    world: World,
) -> None:
    bob, alice, lead, partner, _ = await consortium(world)
    stranger = world.as_("applicant", sub="stranger")
    await world.organisation(stranger)
    for headers, organisation in (
        (bob, lead),
        (bob, partner),
        (alice, lead),
        (world.manager, partner),
        (world.as_("finance_officer", sub="fo"), lead),
        (world.as_("auditor", sub="au"), lead),
    ):
        answer = await world.client.get(f"/v1/organisations/{organisation['id']}", headers=headers)
        assert answer.status_code == 200, answer.text
    for headers in (stranger, world.as_("evaluator", sub="ev")):
        answer = await world.client.get(f"/v1/organisations/{lead['id']}", headers=headers)
        assert_problem(answer, 403, "not_a_member")
