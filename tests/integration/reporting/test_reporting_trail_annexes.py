"""The auditor's trail of an application proves which bytes were submitted: the
hashes its `AnnexAttached` events name are those of the files downloaded."""

from __future__ import annotations

from datetime import timedelta

from tests.support.annexes import BUDGET, PDF, PNG, REQUIRED_ANNEXES, SME, sha256, upload
from tests.support.applications import OPEN
from tests.support.calls import DAY, act, new_call, new_programme
from tests.support.reporting import ReportingWorld


async def test_the_trail_names_the_hashes_of_the_annexes_submitted(
    reporting_world: ReportingWorld,
) -> None:
    world = reporting_world.world
    # The package's world shares one clock: this call opens from wherever it stands.
    opens = max(world.clock.now(), OPEN) + timedelta(minutes=1)
    programme = await new_programme(world.calls, world.manager)
    call = await new_call(
        world.calls,
        world.manager,
        programme["id"],
        required_annexes=REQUIRED_ANNEXES,
        opens_at=opens.isoformat(),
        closes_at=(opens + 30 * DAY).isoformat(),
    )
    assert (await act(world.calls, world.manager, call, "publish")).status_code == 200
    world.clock.set(opens)
    await world.replica_status(call["id"], "open")

    bob = world.as_("applicant", sub="trail-bob")
    draft = await world.draft(bob, call, (await world.organisation(bob))["id"])
    for code, content, media_type in ((BUDGET, PDF, "application/pdf"), (SME, PNG, "image/png")):
        answer = await upload(world.client, bob, draft["id"], code, content, media_type)
        assert answer.status_code == 201, answer.text
    assert (await world.act(bob, draft, "submit")).status_code == 200
    await reporting_world.settled()

    trail = (await reporting_world.get(f"/v1/audit/trail/applications/{draft['id']}"))["items"]
    types = [e["type"] for e in trail]
    assert types.index("applications.AnnexAttached") < types.index(
        "applications.ApplicationSubmitted"
    )
    in_trail = {
        e["payload"]["annex_id"]: e["payload"]["sha256"]
        for e in trail
        if e["type"] == "applications.AnnexAttached"
    }
    listed = await world.client.get(f"/v1/applications/{draft['id']}/annexes", headers=bob)
    for annex in listed.json()["items"]:
        downloaded = await world.client.get(
            f"/v1/applications/{draft['id']}/annexes/{annex['id']}",
            headers=reporting_world.auditor,
        )
        assert sha256(downloaded.content) == in_trail[annex["id"]]
    assert set(in_trail.values()) == {sha256(PDF), sha256(PNG)}
