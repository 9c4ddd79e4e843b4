"""With `CASCADE_FILE_STORE=directory`, annexes are kept as files under the
service's folder, once per hash, and download as the bytes uploaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.support.annexes import BUDGET, PDF, REQUIRED_ANNEXES, SME, sha256, upload
from tests.support.api import assert_problem
from tests.support.applications import World


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return Settings(
        **{
            **settings.model_dump(),
            "file_store": "directory",
            "file_store_directory": str(tmp_path),
        }
    )


def kept(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


async def test_annexes_are_kept_once_in_the_directory(world: World, tmp_path: Path) -> None:
    call = await world.open_call(required_annexes=REQUIRED_ANNEXES)
    bob = world.as_("applicant", sub="bob")
    draft = await world.draft(bob, call, (await world.organisation(bob))["id"])
    budget = (await upload(world.client, bob, draft["id"], BUDGET, PDF)).json()
    assert (await upload(world.client, bob, draft["id"], SME, PDF)).status_code == 201
    refused = await upload(world.client, bob, draft["id"], SME, PDF + b"%" * (64 * 1024))
    assert_problem(refused, 413, "annex_too_large")

    digest = sha256(PDF)
    files = await asyncio.to_thread(kept, tmp_path)
    assert files == [tmp_path / "applications" / digest[:2] / digest]
    downloaded = await world.client.get(
        f"/v1/applications/{draft['id']}/annexes/{budget['id']}", headers=bob
    )
    assert downloaded.content == PDF
