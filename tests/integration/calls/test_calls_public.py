"""What a visitor reads without signing in: upcoming and open calls, never drafts."""

from __future__ import annotations

import httpx

from tests.support.calls import act, new_call, new_programme

Headers = dict[str, str]


async def test_a_visitor_lists_published_calls_but_never_a_draft_or_a_cancelled_one(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager)
    draft = await new_call(client, manager, programme["id"], code="DRAFT-1")
    published = await new_call(client, manager, programme["id"], code="PUB-1")
    cancelled = await new_call(client, manager, programme["id"], code="GONE-1")
    for call in (published, cancelled):
        assert (await act(client, manager, call, "publish")).status_code == 200
    assert (await act(client, manager, cancelled, "cancel", reason="typo")).status_code == 200

    listed = await client.get("/v1/public/calls")
    assert listed.status_code == 200, listed.text
    assert [c["code"] for c in listed.json()["items"]] == ["PUB-1"]
    assert (await client.get(f"/v1/public/calls/{published['id']}")).json()["code"] == "PUB-1"
    for hidden in (draft, cancelled):
        answer = await client.get(f"/v1/public/calls/{hidden['id']}")
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    signed_in_only = await client.get("/v1/calls")
    assert signed_in_only.status_code == 401
