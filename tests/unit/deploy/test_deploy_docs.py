"""docs/DEPLOY.md documents every setting, so a new setting cannot ship unexplained."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices

from shared.settings import Settings

SECRETS = {"jwt_secret", "integrity_key", "database_url", "calls_database_url",
           "applications_database_url", "payments_database_url", "reporting_database_url"}


def variables(field: str) -> list[str]:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"CASCADE_{field.upper()}"]


@pytest.fixture(scope="module")
def guide(repo: Path) -> str:
    return (repo / "docs" / "DEPLOY.md").read_text()


def reference_row(guide: str, names: list[str]) -> str:
    """The table row whose first cell names one of `names`."""
    for line in guide.splitlines():
        if line.startswith("| ") and any(f"`{name}`" in line.split("|")[1] for name in names):
            return line
    return ""


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_the_configuration_reference_lists_every_setting(guide: str, field: str) -> None:
    row = reference_row(guide, variables(field))
    assert row, f"docs/DEPLOY.md has no row for the setting {field} ({', '.join(variables(field))})"
    assert ("**yes**" in row) == (field in SECRETS), f"{field}: secret column"


def test_a_setting_missing_from_the_reference_is_noticed(guide: str) -> None:
    assert reference_row(guide, ["CASCADE_NOT_A_SETTING"]) == ""


def test_the_guide_tells_how_to_replay_reporting(guide: str) -> None:
    assert "cascade reporting rebuild" in guide
    for section in ("## Configuration reference", "## Scaling", "## Backup and restore",
                    "### Step by step", "## What the tests cannot check"):
        assert section in guide
