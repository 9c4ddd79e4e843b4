"""Published results over HTTP: the calls service publishes them once it has
heard of the selection, the applications service learns of it by event, and a
public list without a token shows the selected beneficiaries and nothing else.

One evaluator per application; (excellence, impact) (5, 5) scores 5.0, (4, 4)
4.0, (2, 2) 2.0 (rejected)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.applications import World, event_payloads
from tests.support.calls import EUR
from tests.support.results import decided_call, publish_results, selection_heard


async def test_results_are_published_after_selection_and_list_the_beneficiaries_publicly(
    world: World,
) -> None:
    decided = await decided_call(
        world,
        budget_eur=60_000,
        asked=[
            ("Alpha Robotics", 40_000, (5, 5)),
            ("Beta Foods", 40_000, (4, 4)),
            ("Gamma Lab", 10_000, (2, 2)),
        ],
    )
    call = decided.call
    hidden = await world.calls.get(f"/v1/public/calls/{call['id']}/beneficiaries")
    assert hidden.status_code == 409
    assert hidden.json()["code"] == "results_not_published"
    await selection_heard(world, call)
    now = world.clock.now()

    published = await publish_results(world, call)

    body = published.json()
    assert body["status"] == "results_published"
    assert body["review_request_days"] == 30
    assert body["results_published_at"] == now.isoformat().replace("+00:00", "Z")
    assert body["review_requests_until"] == (now + timedelta(days=30)).isoformat().replace(
        "+00:00", "Z"
    )
    again = await world.calls.post(f"/v1/calls/{call['id']}/publish-results", headers=world.manager)
    assert again.status_code == 409
    assert again.json()["code"] == "results_already_published"
    listed = await world.calls.get(f"/v1/public/calls/{call['id']}/beneficiaries")
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [
        {"name": "Alpha Robotics", "country": "FR", "amount_cents": 40_000 * EUR, "currency": "EUR"}
    ]
    [completed] = await event_payloads(world.app, "applications.CallSelectionCompleted")
    assert (completed["selected"], completed["reserved"], completed["rejected"]) == (1, 1, 1)
    version = await world.client.get(
        f"/v1/calls/{call['id']}/ranking", params={"version": 1}, headers=world.manager
    )
    assert version.status_code == 200, version.text
    assert [
        (i["application_id"], i["status"], i["reserve_rank"]) for i in version.json()["items"]
    ] == [
        (decided.ids[0], "selected", None),
        (decided.ids[1], "reserve", 1),
        (decided.ids[2], "rejected", None),
    ]
    missing = await world.client.get(
        f"/v1/calls/{call['id']}/ranking", params={"version": 2}, headers=world.manager
    )
    assert missing.status_code == 404


async def test_results_wait_for_the_selection(world: World) -> None:
    call = await world.open_call(evaluators_per_application=1)
    early = await world.calls.post(f"/v1/calls/{call['id']}/publish-results", headers=world.manager)
    assert early.status_code == 409
    assert early.json()["code"] == "selection_not_made"
    by_applicant = await world.calls.post(
        f"/v1/calls/{call['id']}/publish-results", headers=world.as_("applicant")
    )
    assert by_applicant.status_code == 403
