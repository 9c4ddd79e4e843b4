"""A small, fast share of `make fuzz` in every `make test`: schemathesis over one
service's OpenAPI document on the stack, with two roles and few examples, finds
no server error, no undocumented status and no answer off its schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.fuzz_api import fuzz
from tests.support.stack import ServiceStack


@pytest.mark.parametrize("role", ["programme_manager", "applicant"])
def test_the_calls_document_holds_under_fuzzing(
    stack: ServiceStack, role: str, tmp_path: Path
) -> None:
    # No coverage phase (most of a full run's cases): make fuzz runs that.
    run = fuzz(
        "calls",
        role,
        stack.urls["calls"],
        stack.settings,
        examples=3,
        report_dir=tmp_path,
        seed=20261201,
        phases="examples,fuzzing",
    )
    assert run.operations >= 15
    assert (run.failures, run.errors) == (0, 0), run.output.read_text()[-4000:]
