"""docs/DEPLOY.md documents every setting, so a new setting cannot ship unexplained."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices

from cascade.services import NAMES
from services.reporting.sources import SOURCES
from shared.settings import PER_SERVICE_FIELDS, Settings

SECRETS = {
    "jwt_secret",
    "integrity_key",
    "master_key",
    "retired_master_keys",
    "audit_signing_key",
    "database_url",
    "service_database_urls",
}
# The per-service settings, one variable per service: every service has a
# database and a port; reporting reads its sources at their URLs.
PER_SERVICE = {field: NAMES for field in PER_SERVICE_FIELDS.values()} | {"service_urls": SOURCES}
SUFFIX = {field: suffix for suffix, field in PER_SERVICE_FIELDS.items()}


def variables(field: str) -> list[str]:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"CASCADE_{field.upper()}"]


def documented() -> list[tuple[str, list[str]]]:
    """(setting, the variables any one of which its row names), per service where per service."""
    rows = []
    for field in sorted(Settings.model_fields):
        if field in PER_SERVICE:
            rows += [
                (field, [f"CASCADE_{s.upper()}_{SUFFIX[field].upper()}"])
                for s in PER_SERVICE[field]
            ]
        else:
            rows.append((field, variables(field)))
    return rows


@pytest.fixture(scope="module")
def guide(repo: Path) -> str:
    return (repo / "docs" / "DEPLOY.md").read_text()


def reference_row(guide: str, names: list[str]) -> str:
    """The table row whose first cell names one of `names`."""
    for line in guide.splitlines():
        if line.startswith("| ") and any(f"`{name}`" in line.split("|")[1] for name in names):
            return line
    return ""


@pytest.mark.parametrize(("field", "names"), documented())
def test_the_configuration_reference_lists_every_setting(
    guide: str, field: str, names: list[str]
) -> None:
    row = reference_row(guide, names)
    assert row, f"docs/DEPLOY.md has no row for the setting {field} ({', '.join(names)})"
    assert ("**yes**" in row) == (field in SECRETS), f"{field}: secret column"


def test_a_setting_missing_from_the_reference_is_noticed(guide: str) -> None:
    assert reference_row(guide, ["CASCADE_NOT_A_SETTING"]) == ""


def test_the_guide_tells_how_to_replay_reporting(guide: str) -> None:
    assert "cascade reporting rebuild" in guide
    for section in (
        "## Configuration reference",
        "## Scaling",
        "## Backup and restore",
        "### Step by step",
        "## What the tests cannot check",
    ):
        assert section in guide
