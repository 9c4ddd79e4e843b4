"""Each service's database, port and URL are read by its name, whichever services run."""

from __future__ import annotations

import os

import pytest

import cascade.services  # noqa: F401 - registers the services' default ports
from shared.settings import Settings


@pytest.fixture(autouse=True)
def no_cascade_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CASCADE_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_the_variables_of_each_service_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASCADE_CALLS_DATABASE_URL", "postgresql://db.example/calls_own")
    monkeypatch.setenv("CASCADE_APPLICATIONS_PORT", "18002")
    monkeypatch.setenv("CASCADE_CALLS_URL", "http://cascade-calls/")
    settings = Settings()
    assert settings.database_url_of("calls") == "postgresql://db.example/calls_own"
    assert settings.port_of("applications") == 18002
    assert settings.url_of("calls") == "http://cascade-calls"


def test_a_service_without_settings_of_its_own_gets_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example:5432/postgres")
    settings = Settings()
    assert settings.database_url_of("payments").endswith("db.example:5432/cascade_payments")
    assert settings.port_of("reporting") == 8004
    assert settings.url_of("payments") == "http://127.0.0.1:8003"


def test_a_tool_or_test_service_is_configured_the_same_way() -> None:
    settings = Settings(counters_database_url="postgresql://db.example/counters", counters_port=9)
    assert settings.database_url_of("counters") == "postgresql://db.example/counters"
    assert settings.port_of("counters") == 9


def test_the_constructor_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASCADE_CALLS_PORT", "18001")
    assert Settings(calls_port=28001).port_of("calls") == 28001
    copied = Settings(**{**Settings().model_dump(), "calls_port": 38001})
    assert copied.port_of("calls") == 38001


def test_settings_that_are_not_per_service_keep_their_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASCADE_DATABASE_URL", "postgresql://db.example/postgres")
    monkeypatch.setenv("CASCADE_JWT_JWKS_URL", "https://id.example/jwks")
    settings = Settings()
    assert settings.database_url == "postgresql://db.example/postgres"
    assert settings.jwt_jwks_url == "https://id.example/jwks"
    assert settings.service_urls == {}
    assert settings.service_database_urls == {}


def test_an_unknown_service_without_a_port_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown service 'nowhere'.*CASCADE_NOWHERE_PORT"):
        Settings().port_of("nowhere")
