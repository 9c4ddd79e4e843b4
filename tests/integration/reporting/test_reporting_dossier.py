"""An auditor's dossier of a programme, taken through reporting's API and the
command, checked offline by a process with no database or broker, and each
tampering with it named."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from cascade.cli.main import app as cli
from services.reporting import dossier_format as fmt
from services.reporting.signing import signing_keys
from shared.integrity import canonical_json
from tests.support.api import assert_problem
from tests.support.dossiers import (
    Lines,
    check_offline,
    event_id,
    event_lines,
    forged_by_a_signer,
    parts_of,
    pem_file,
    read_json,
    resigned,
    truncated,
    with_events,
)
from tests.support.reporting import ReportingWorld
from tests.support.reporting_scenario import Story


@pytest.fixture(scope="module")
async def public_key(reporting_world: ReportingWorld, tmp_path_factory: Any) -> Path:
    """The answer of GET /v1/audit/public-key, saved as an auditor would."""
    answer = await reporting_world.client.get("/v1/audit/public-key")  # no token: anyone
    assert answer.status_code == 200, answer.text
    saved = tmp_path_factory.mktemp("keys") / "public-key.json"
    saved.write_text(answer.text)
    return saved


@pytest.fixture(scope="module")
async def dossier(reporting_world: ReportingWorld, story: Story, tmp_path_factory: Any) -> Path:
    await reporting_world.settled()
    answer = await reporting_world.client.get(
        f"/v1/audit/dossiers/programmes/{story.programme_id}", headers=reporting_world.auditor
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    saved = tmp_path_factory.mktemp("dossiers") / "dossier.zip"
    saved.write_bytes(answer.content)
    return saved


def line_of(lines: Lines, event_type: str) -> int:
    return next(i for i, line in enumerate(lines) if json.loads(line)["type"] == event_type)


def edited(line: bytes, **payload: Any) -> bytes:
    event = json.loads(line)
    event["payload"].update(payload)
    return canonical_json(event)


async def test_the_public_key_is_published_in_pem_and_raw(
    public_key: Path, reporting_world: ReportingWorld
) -> None:
    document = read_json(public_key)
    assert document["algorithm"] == "Ed25519"
    assert document["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert [k["signing"] for k in document["keys"]] == [True]
    assert (
        fmt.public_keys_from(document["public_key"])[0]
        == fmt.public_keys_from(document["public_key_base64"])[0]
    )


async def test_a_dossier_checks_offline_with_the_published_key(
    dossier: Path, public_key: Path, story: Story, reporting_world: ReportingWorld
) -> None:
    parts = parts_of(dossier)
    manifest = json.loads(parts[fmt.MANIFEST])
    assert manifest["programme_id"] == story.programme_id
    assert set(manifest["events"]) == {"calls", "applications", "payments"}
    assert manifest["integrity_chain"]["intact"] is True
    report = json.loads(parts[fmt.REPORT])
    live = await reporting_world.get(f"/v1/reports/programmes/{story.programme_id}")
    assert report["paid_cents"] == live["paid_cents"] > 0

    checked = await asyncio.to_thread(check_offline, dossier, str(public_key))
    print(checked.output)  # the sample quoted in the closing note
    assert checked.code == 0, checked.output
    assert "INTACT" in checked.output
    assert "equal to the report" in checked.output
    assert "Traceback" not in checked.output


async def test_the_command_writes_a_dossier_that_checks_with_the_pem_key(
    reporting_world: ReportingWorld, story: Story, public_key: Path, tmp_path: Path
) -> None:
    settings = reporting_world.reporting.state.chassis.settings
    env = {
        "CASCADE_REPORTING_DATABASE_URL": settings.database_url_of("reporting"),
        "COLUMNS": "200",
    }
    out = tmp_path / "by-command.zip"
    answer = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["audit", "dossier", "--programme", story.programme_id, "--out", str(out)],
        env=env,
    )
    assert answer.exit_code == 0, answer.output
    assert "Writing the dossier's events" in answer.output
    pem = pem_file(public_key, tmp_path / "key.pem")
    checked = await asyncio.to_thread(check_offline, out, str(pem))
    assert checked.code == 0, checked.output

    unknown = str(uuid.uuid4())
    missing = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["audit", "dossier", "--programme", unknown, "--out", str(tmp_path / "none.zip")],
        env=env,
    )
    assert missing.exit_code == 1
    assert f"reporting has no events of programme {unknown}" in missing.output
    assert not (tmp_path / "none.zip").exists()


async def test_a_dossier_of_an_unknown_programme_is_not_found(
    reporting_world: ReportingWorld,
) -> None:
    answer = await reporting_world.client.get(
        f"/v1/audit/dossiers/programmes/{uuid.uuid4()}", headers=reporting_world.auditor
    )
    assert_problem(answer, 404, "not_found")
    manager = await reporting_world.client.get(
        f"/v1/audit/dossiers/programmes/{uuid.uuid4()}", headers=reporting_world.world.manager
    )
    assert_problem(manager, 403, "forbidden")


def change_a_payment(lines: Lines) -> Lines:
    at = line_of(lines, "payments.PaymentDisbursed")
    amount = json.loads(lines[at])["payload"]["amount_cents"]
    return [*lines[:at], edited(lines[at], amount_cents=amount + 100), *lines[at + 1 :]]


async def test_a_changed_event_is_named_with_the_figures_it_moved(
    dossier: Path, public_key: Path, tmp_path: Path
) -> None:
    lines = event_lines(parts_of(dossier))
    at = line_of(lines, "payments.PaymentDisbursed")
    tampered = with_events(dossier, tmp_path / "changed.zip", change_a_payment)
    checked = await asyncio.to_thread(check_offline, tampered, str(public_key))
    assert checked.code == 1, checked.output
    assert f"line {at + 1}" in checked.output
    assert f"event {event_id(lines[at])}" in checked.output
    assert "changed" in checked.output
    assert "paid_cents" in checked.output  # the figure it moved
    assert "NOT INTACT" in checked.output
    assert "Traceback" not in checked.output


async def test_a_removed_event_is_named(dossier: Path, public_key: Path, tmp_path: Path) -> None:
    lines = event_lines(parts_of(dossier))
    at = line_of(lines, "applications.ApplicationSubmitted")
    tampered = with_events(dossier, tmp_path / "removed.zip", lambda ls: ls[:at] + ls[at + 1 :])
    checked = await asyncio.to_thread(check_offline, tampered, str(public_key))
    assert checked.code == 1, checked.output
    assert f"event {event_id(lines[at])}" in checked.output
    assert "removed" in checked.output
    assert "Traceback" not in checked.output


async def test_an_inserted_event_is_named(dossier: Path, public_key: Path, tmp_path: Path) -> None:
    lines = event_lines(parts_of(dossier))
    at = line_of(lines, "payments.PaymentDisbursed")
    forged = json.loads(lines[at])
    forged["id"] = str(uuid.uuid4())
    tampered = with_events(
        dossier,
        tmp_path / "inserted.zip",
        lambda ls: [*ls[: at + 1], canonical_json(forged), *ls[at + 1 :]],
    )
    checked = await asyncio.to_thread(check_offline, tampered, str(public_key))
    assert checked.code == 1, checked.output
    assert f"line {at + 2}" in checked.output
    assert f"event {forged['id']}" in checked.output
    assert "inserted" in checked.output
    assert "Traceback" not in checked.output


async def test_reordered_events_are_named(dossier: Path, public_key: Path, tmp_path: Path) -> None:
    lines = event_lines(parts_of(dossier))
    at = line_of(lines, "applications.ApplicationSubmitted")  # a draft's next event
    tampered = with_events(
        dossier,
        tmp_path / "reordered.zip",
        lambda ls: [*ls[: at - 1], ls[at], ls[at - 1], *ls[at + 1 :]],
    )
    checked = await asyncio.to_thread(check_offline, tampered, str(public_key))
    assert checked.code == 1, checked.output
    assert "moved" in checked.output
    assert "out_of_order" in checked.output
    moved = {event_id(lines[at]), event_id(lines[at - 1])}
    assert any(f"event {i} was signed as line" in checked.output for i in moved)
    assert "Traceback" not in checked.output


async def test_a_dossier_re_signed_with_another_key_is_refused(
    dossier: Path, public_key: Path, tmp_path: Path
) -> None:
    tampered = resigned(dossier, tmp_path / "resigned.zip", change_a_payment)
    checked = await asyncio.to_thread(check_offline, tampered, str(public_key))
    assert checked.code == 1, checked.output
    assert "re-signed with another key" in checked.output
    assert "NOT INTACT" in checked.output
    assert "Traceback" not in checked.output


async def test_a_truncated_dossier_is_not_a_dossier(
    dossier: Path, public_key: Path, tmp_path: Path
) -> None:
    cut = truncated(dossier, tmp_path / "truncated.zip")
    checked = await asyncio.to_thread(check_offline, cut, str(public_key))
    assert checked.code == 1, checked.output
    assert "NOT A DOSSIER" in checked.output
    assert "truncated" in checked.output
    assert "Traceback" not in checked.output


async def test_the_wrong_public_key_says_so(dossier: Path, tmp_path: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    checked = await asyncio.to_thread(check_offline, dossier, str(_pem(tmp_path, other)))
    assert checked.code == 1, checked.output
    assert "a wrong public key" in checked.output
    assert "Traceback" not in checked.output
    garbage = await asyncio.to_thread(check_offline, dossier, "not-a-key")
    assert garbage.code == 2, garbage.output
    assert "the public key" in garbage.output


def _pem(tmp_path: Path, key: Any) -> Path:
    path = tmp_path / "other.pem"
    path.write_text(fmt.pem_of(key))
    return path


def rename_a_bank_reference(lines: Lines) -> Lines:
    """A change no figure shows."""
    at = line_of(lines, "payments.PaymentDisbursed")
    return [*lines[:at], edited(lines[at], bank_reference="ELSEWHERE-1"), *lines[at + 1 :]]


async def test_a_forgery_by_a_holder_of_the_signing_key_is_caught_with_the_chain_key(
    dossier: Path, public_key: Path, reporting_world: ReportingWorld, tmp_path: Path
) -> None:
    settings = reporting_world.reporting.state.chassis.settings
    lines = event_lines(parts_of(dossier))
    forged = forged_by_a_signer(
        dossier, tmp_path / "forged.zip", rename_a_bank_reference, signing_keys(settings).sign
    )
    offline = await asyncio.to_thread(check_offline, forged, str(public_key))
    assert offline.code == 0, offline.output  # the signature vouches: why the key is guarded

    key = settings.integrity_key.get_secret_value()
    held = await asyncio.to_thread(
        check_offline, forged, str(public_key), "--with-integrity-key", CASCADE_INTEGRITY_KEY=key
    )
    assert held.code == 1, held.output
    assert "altered" in held.output
    assert f"event {event_id(lines[line_of(lines, 'payments.PaymentDisbursed')])}" in held.output
    intact = await asyncio.to_thread(
        check_offline, dossier, str(public_key), "--with-integrity-key", CASCADE_INTEGRITY_KEY=key
    )
    assert intact.code == 0, intact.output
    assert "HMAC recomputed with the integrity key" in intact.output
