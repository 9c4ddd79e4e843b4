"""Crypto-shredding across the services: the evaluator's name and comments (and the
applicant's titles) are stored and published sealed, read opened through the APIs,
handed to the subject on request, and read as erased everywhere after one erasure
request, while every chain, figure and export stays as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from cascade.migrate import migrate
from services.reporting import store
from services.reporting.rebuild import Rebuild
from shared.app import Chassis
from shared.bus import event_topic
from shared.clock import FixedClock
from shared.db import drop_database, with_database
from shared.personal import ERASED
from tests.conftest import unique_name
from tests.integration.reporting.conftest import fresh_settings
from tests.support.api import auth
from tests.support.applications import World, running_applications
from tests.support.applications import client_of as applications_client_of
from tests.support.calls import T0, running_calls
from tests.support.calls import client_of as calls_client_of
from tests.support.kafka import read_all
from tests.support.payments import running_payments
from tests.support.reporting import ReportingWorld, feed_clients, running_reporting
from tests.support.reporting_scenario import Story, play
from tests.support.waiting import eventually

# What the story writes in personal fields (tests/support): the evaluator `eve`'s
# name and comments, the applicant's titles and summaries.
EVALUATOR = "eve"
PERSONAL_VALUES = (
    "Dr eve",
    "Sound work plan",
    "Composite wing ribs",
    "Automated layup for small series",
    "Done as planned",  # the applicant's final report
    "costs not eligible",  # a finance officer's reason for a recovery
)
SERVICES = ("calls", "applications", "payments")


@dataclass
class Erasure:
    rw: ReportingWorld
    story: Story
    databases: dict[str, str]

    def app(self, service: str) -> Any:
        return self.rw.apps.get(service, self.rw.reporting)

    def client(self, service: str) -> Any:
        world = self.rw.world
        return {
            "calls": world.calls,
            "applications": world.client,
            "payments": self.rw.payments_client,
            "reporting": self.rw.client,
        }[service]

    @property
    def admin(self) -> dict[str, str]:
        return auth(self.rw.world.settings, "admin", sub="dpo")

    async def sql(self, service: str, query: str) -> list[Any]:
        chassis: Chassis = self.app(service).state.chassis
        async with chassis.engine.connect() as conn:
            return list((await conn.execute(text(query))).scalars())


@pytest.fixture(scope="module")
async def erasure(pg_server_url: str, kafka_bootstrap: str) -> AsyncIterator[Erasure]:
    settings, clock = fresh_settings(pg_server_url, kafka_bootstrap), FixedClock(T0)
    dbs = {
        s: with_database(pg_server_url, f"{unique_name()}_{s}") for s in (*SERVICES, "reporting")
    }
    for service, url in dbs.items():
        await migrate(service, url)
    try:
        async with (
            running_calls(settings, dbs["calls"], clock, consume=True) as calls_app,
            calls_client_of(calls_app) as calls,
            running_applications(settings, dbs["applications"], clock) as applications,
            applications_client_of(applications) as client,
            running_payments(settings, dbs["payments"], clock) as payments,
            applications_client_of(payments) as payments_client,
        ):
            world = World(settings, clock, calls_app, calls, applications, client)
            apps = {"calls": calls_app, "applications": applications, "payments": payments}
            async with (
                running_reporting(settings, dbs["reporting"], clock, apps) as reporting,
                applications_client_of(reporting) as reporting_client,
            ):
                rw = ReportingWorld(world, payments, payments_client, reporting, reporting_client)
                yield Erasure(rw, await play(rw), dbs)
    finally:
        for url in dbs.values():
            await drop_database(url)


async def evaluator_stream(e: Erasure) -> str:
    [stream_id] = await e.sql(
        "applications",
        "SELECT stream_id FROM events WHERE type = 'applications.EvaluatorRegistered'",
    )
    return str(stream_id)


async def comments_in_trail(e: Erasure, application: str) -> list[Any]:
    application_id = e.story.applications[application]["id"]
    trail = (await e.rw.get(f"/v1/audit/trail/applications/{application_id}"))["items"]
    return [i["payload"]["comment"] for i in trail if i["type"].endswith("EvaluationSubmitted")]


async def titles_in_trail(e: Erasure, application: str) -> list[Any]:
    application_id = e.story.applications[application]["id"]
    trail = (await e.rw.get(f"/v1/audit/trail/applications/{application_id}"))["items"]
    return [i["payload"]["title"] for i in trail if i["type"].endswith("ApplicationDrafted")]


async def name_in_reporting(e: Erasure) -> Any:
    items = (await e.rw.get(f"/v1/audit/streams/{await evaluator_stream(e)}"))["items"]
    return items[0]["payload"]["name"]


async def names_in_feed(e: Erasure, *, opened: bool) -> list[Any]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500, "opened": str(opened).lower()}
    while True:
        answer = await e.client("applications").get(
            "/v1/events", headers=e.rw.auditor, params=params
        )
        assert answer.status_code == 200, answer.text
        if not answer.json()["items"]:
            break
        items += answer.json()["items"]
        params["after"] = answer.json()["next_cursor"]
    return [i["payload"]["name"] for i in items if i["type"].endswith("EvaluatorRegistered")]


async def figures(e: Erasure) -> dict[str, Any]:
    """Every report and export of the story's programme, and the integrity check."""
    story, rw = e.story, e.rw
    csv = await rw.client.get(
        "/v1/exports/grants.csv", headers=rw.auditor, params={"programme_id": story.programme_id}
    )
    assert csv.status_code == 200, csv.text
    return {
        "programme": await rw.get(f"/v1/reports/programmes/{story.programme_id}"),
        "call_a": await rw.get(f"/v1/reports/calls/{story.call_a['id']}"),
        "call_b": await rw.get(f"/v1/reports/calls/{story.call_b['id']}"),
        "360giving": await rw.get("/v1/exports/360giving", programme_id=story.programme_id),
        "csv": csv.text,
    }


async def test_no_personal_value_is_stored_or_published_in_clear(erasure: Erasure) -> None:
    await erasure.rw.settled()
    for service in SERVICES:
        payloads = "\n".join(await erasure.sql(service, "SELECT payload::text FROM events"))
        for value in PERSONAL_VALUES:
            assert value not in payloads, (service, value)
    [drafted] = await erasure.sql(
        "applications",
        "SELECT payload::text FROM events WHERE type = 'applications.ApplicationDrafted' LIMIT 1",
    )
    assert "sealed:v1:" in drafted
    audit_copy = "\n".join(await erasure.sql("reporting", "SELECT payload::text FROM audit_events"))
    settings = erasure.rw.world.settings
    for service in SERVICES:
        records = await read_all(
            settings.kafka_bootstrap_servers or "", event_topic(settings, service)
        )
        published = b"\n".join(r.value or b"" for r in records)
        assert published, service
        for value in PERSONAL_VALUES:
            assert value.encode() not in published, (service, value)
            assert value not in audit_copy, value


async def test_the_subject_downloads_every_personal_field_held_about_them(
    erasure: Erasure,
) -> None:
    answer = await erasure.client("applications").get(
        f"/v1/data-subjects/{EVALUATOR}", headers=erasure.admin
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].startswith("attachment;")
    document = json.loads(answer.content)
    assert (document["subject"], document["service"]) == (EVALUATOR, "applications")
    fields = [(e["type"], e["fields"]) for e in document["events"]]
    assert ("applications.EvaluatorRegistered", {"name": "Dr eve"}) in fields
    comments = [f for t, f in fields if t == "applications.EvaluationSubmitted"]
    assert comments == [{"comment": "Sound work plan"}] * 4
    nothing = await erasure.client("payments").get(
        f"/v1/data-subjects/{EVALUATOR}", headers=erasure.admin
    )
    assert (nothing.status_code, nothing.json()["events"]) == (200, [])


async def test_only_an_admin_erases_or_reads_a_subject(erasure: Erasure) -> None:
    for method, path in (
        ("POST", f"/v1/data-subjects/{EVALUATOR}/erasure"),
        ("GET", f"/v1/data-subjects/{EVALUATOR}"),
    ):
        answer = await erasure.client("applications").request(
            method, path, headers=erasure.rw.auditor
        )
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")


async def test_erasing_an_unknown_subject_says_there_is_nothing_to_erase(
    erasure: Erasure,
) -> None:
    for service in (*SERVICES, "reporting"):
        answer = await erasure.client(service).post(
            "/v1/data-subjects/nobody-we-know/erasure", headers=erasure.admin
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["outcome"] == "nothing_to_erase"
        assert "nothing to erase" in answer.json()["detail"]


async def test_one_erasure_reaches_every_service_and_changes_no_figure(erasure: Erasure) -> None:
    rw = erasure.rw
    await rw.settled()
    assert await comments_in_trail(erasure, "A1") == ["Sound work plan"]
    assert await name_in_reporting(erasure) == "Dr eve"
    assert await names_in_feed(erasure, opened=True) == ["Dr eve"]
    [sealed] = await names_in_feed(erasure, opened=False)
    assert sealed.startswith("sealed:v1:")
    before = await figures(erasure)

    # Asked of payments, which holds no key of hers: its DataSubjectErased reaches
    # applications, which does.
    asked = await erasure.client("payments").post(
        f"/v1/data-subjects/{EVALUATOR}/erasure", headers=erasure.admin
    )
    assert asked.status_code == 202, asked.text
    assert asked.json()["outcome"] == "nothing_to_erase"

    async def erased_in_applications() -> bool:
        return not await erasure.sql(
            "applications", f"SELECT key_id FROM subject_keys WHERE subject = '{EVALUATOR}'"
        )

    await eventually(erased_in_applications, timeout=20)
    await rw.settled()
    assert await comments_in_trail(erasure, "A1") == [ERASED]
    assert await comments_in_trail(erasure, "A4") == [ERASED]
    assert await name_in_reporting(erasure) == ERASED
    assert await names_in_feed(erasure, opened=True) == [ERASED]
    assert await names_in_feed(erasure, opened=False) == [sealed]  # the stored bytes
    # Other people's fields still open.
    assert await titles_in_trail(erasure, "A1") == ["Composite wing ribs"]
    access = await erasure.client("applications").get(
        f"/v1/data-subjects/{EVALUATOR}", headers=erasure.admin
    )
    assert json.loads(access.content)["events"] == []

    again = await erasure.client("applications").post(
        f"/v1/data-subjects/{EVALUATOR}/erasure", headers=erasure.admin
    )
    assert (again.status_code, again.json()["outcome"]) == (202, "nothing_to_erase")

    assert await figures(erasure) == before
    verified = await rw.get("/v1/audit/verify")
    assert (verified["intact"], verified["differences"]) == (True, [])
    chassis: Chassis = rw.reporting.state.chassis
    async with chassis.engine.connect() as conn:
        live = await store.checksum(conn, await store.active_generation(conn))
    result = await Rebuild(chassis.settings, chassis.engine, feeds=feed_clients(rw.apps)).run()
    assert result.checksum == live
    assert await figures(erasure) == before
    assert await comments_in_trail(erasure, "A1") == [ERASED]

    # Applications' own API: the evaluator as its view keeps it, and as loaded anew.
    [kept] = await erasure.sql("applications", "SELECT body->>'name' FROM evaluators")
    assert kept == ERASED
    declared = await erasure.client("applications").post(
        f"/v1/evaluators/{await evaluator_stream(erasure)}/conflicts",
        headers=rw.world.manager,
        json={"organisation_id": erasure.story.organisations["nl"]["id"]},
    )
    assert declared.status_code == 200, declared.text
    assert (declared.json()["sub"], declared.json()["name"]) == (EVALUATOR, ERASED)


async def test_an_applicants_erasure_reaches_the_views_of_applications_and_payments(
    erasure: Erasure,
) -> None:
    rw, story = erasure.rw, erasure.story
    manager = rw.world.manager
    application = f"/v1/applications/{story.applications['A1']['id']}"
    b1, a2 = f"/v1/grants/{story.grants['B1']}", f"/v1/grants/{story.grants['A2']}"

    async def shown(service: str, path: str) -> dict[str, Any]:
        answer = await erasure.client(service).get(path, headers=manager)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    assert (await shown("applications", application))["title"] == "Composite wing ribs"
    assert [r["summary"] for r in (await shown("payments", b1))["reports"]] == ["Done as planned"]
    before = await figures(erasure)

    # Asked of calls, which holds nothing of the applicant's.
    asked = await erasure.client("calls").post(
        "/v1/data-subjects/sme/erasure", headers=erasure.admin
    )
    assert (asked.status_code, asked.json()["outcome"]) == (202, "nothing_to_erase")

    async def erased_in_both() -> bool:
        summaries = [r["summary"] for r in (await shown("payments", b1))["reports"]]
        return (
            summaries == [ERASED] and (await shown("applications", application))["title"] == ERASED
        )

    await eventually(erased_in_both, timeout=20)
    assert (await shown("applications", application))["title"] == ERASED
    assert (await shown("applications", application))["summary"] == ERASED
    assert [r["reason"] for r in (await shown("payments", a2))["recoveries"]] == [
        "costs not eligible"
    ]
    await rw.settled()
    assert await titles_in_trail(erasure, "A1") == [ERASED]
    assert await figures(erasure) == before
    verified = await rw.get("/v1/audit/verify")
    assert (verified["intact"], verified["differences"]) == (True, [])
