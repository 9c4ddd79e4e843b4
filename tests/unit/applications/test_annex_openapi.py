"""The annex upload is documented as a file body (raw or multipart) with each
refusal it can answer, and the download as the file's bytes."""

from __future__ import annotations

from typing import Any

from cascade.services import load_service
from shared.app import create_app
from shared.settings import Settings

PATH = "/v1/applications/{application_id}/annexes"


def paths() -> dict[str, Any]:
    document: dict[str, Any] = create_app(load_service("applications"), Settings()).openapi()
    found: dict[str, Any] = document["paths"]
    return found


def test_the_upload_takes_a_file_and_names_its_refusals() -> None:
    upload = paths()[PATH]["post"]
    assert set(upload["requestBody"]["content"]) == {
        "application/octet-stream",
        "multipart/form-data",
    }
    described = {status: r["description"] for status, r in upload["responses"].items()}
    assert "annex_too_large" in described["413"]
    assert "annex_type_not_allowed" in described["415"]
    assert all(code in described["422"] for code in ("annex_empty", "annex_not_required"))
    assert "not_a_draft" in described["409"]


def test_the_download_answers_bytes_with_their_digest() -> None:
    download = paths()[PATH + "/{annex_id}"]["get"]["responses"]["200"]
    assert download["content"]["*/*"]["schema"]["format"] == "binary"
    assert "Repr-Digest" in download["headers"]


def test_a_submission_names_missing_annexes_among_its_refusals() -> None:
    submit = paths()["/v1/applications/{application_id}/submit"]["post"]
    assert "missing_annexes" in submit["responses"]["409"]["description"]
