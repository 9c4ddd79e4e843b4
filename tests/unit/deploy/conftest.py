"""Fixtures for the deploy tests: the overlays rendered once, and where things are."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from deploy.render import build

REPO = Path(__file__).resolve().parents[3]
OVERLAYS = ("dev", "prod")


@functools.cache
def _rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(build(REPO / "deploy" / "overlays" / overlay))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def manifests(overlay: str) -> list[dict[str, Any]]:
    """Every object `kustomize build deploy/overlays/<overlay>` prints (a copy a test may change)."""
    return copy.deepcopy(list(_rendered(overlay)))
