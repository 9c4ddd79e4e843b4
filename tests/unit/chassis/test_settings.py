"""Settings refuse the development secrets outside development."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from shared.settings import DEV_INTEGRITY_KEY, DEV_JWT_SECRET, DEV_MASTER_KEY, Settings

OWN_SECRET = "a-production-secret-nobody-else-knows-0123456789"
OWN_KEY = "a-production-integrity-key-nobody-else-knows-01"
OWN_MASTER = "a-production-master-key-nobody-else-knows-0123"


@pytest.fixture(autouse=True)
def no_cascade_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests state every setting they rely on; the shell's must not leak in."""
    for name in list(os.environ):
        if name.startswith("CASCADE_"):
            monkeypatch.delenv(name)


def test_production_refuses_the_development_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="CASCADE_JWT_SECRET must be set"):
        Settings(environment="production", integrity_key=OWN_KEY)
    with pytest.raises(ValidationError, match="CASCADE_JWT_SECRET must be set"):
        Settings(environment="production", jwt_secret=DEV_JWT_SECRET, integrity_key=OWN_KEY)


def test_production_refuses_the_development_integrity_key() -> None:
    with pytest.raises(ValidationError, match="CASCADE_INTEGRITY_KEY must be set"):
        Settings(environment="production", jwt_secret=OWN_SECRET)
    with pytest.raises(ValidationError, match="CASCADE_INTEGRITY_KEY must be set"):
        Settings(environment="production", jwt_secret=OWN_SECRET, integrity_key=DEV_INTEGRITY_KEY)


def test_production_refuses_the_development_secret_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASCADE_ENVIRONMENT", "production")
    monkeypatch.setenv("CASCADE_JWT_SECRET", DEV_JWT_SECRET)
    monkeypatch.setenv("CASCADE_INTEGRITY_KEY", OWN_KEY)
    with pytest.raises(ValidationError, match="CASCADE_JWT_SECRET must be set"):
        Settings()


def test_production_starts_with_its_own_secrets() -> None:
    settings = Settings(
        environment="production",
        jwt_secret=OWN_SECRET,
        integrity_key=OWN_KEY,
        master_key=OWN_MASTER,
    )
    assert settings.jwt_secret.get_secret_value() == OWN_SECRET


def test_production_verifying_tokens_against_a_jwks_needs_no_jwt_secret() -> None:
    settings = Settings(
        environment="production",
        jwt_jwks_url="https://id.cascade.eu/jwks",
        integrity_key=OWN_KEY,
        master_key=OWN_MASTER,
    )
    assert settings.jwt_jwks_url == "https://id.cascade.eu/jwks"


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_a_short_jwt_secret_is_refused_everywhere(environment: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(
            environment=environment,
            jwt_secret="short",
            integrity_key=OWN_KEY,
            master_key=OWN_MASTER,
        )


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_tests_run_with_the_development_secrets(environment: str) -> None:
    settings = Settings(environment=environment)
    assert settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert settings.integrity_key.get_secret_value() == DEV_INTEGRITY_KEY


def test_production_refuses_the_development_master_key() -> None:
    with pytest.raises(ValidationError, match="CASCADE_MASTER_KEY must be set"):
        Settings(environment="production", jwt_secret=OWN_SECRET, integrity_key=OWN_KEY)
    with pytest.raises(ValidationError, match="CASCADE_MASTER_KEY must be set"):
        Settings(
            environment="production",
            jwt_secret=OWN_SECRET,
            integrity_key=OWN_KEY,
            master_key=DEV_MASTER_KEY,
        )


def test_a_short_master_key_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="CASCADE_MASTER_KEY must be at least 32"):
        Settings(master_key="short")


def test_retired_master_keys_are_a_comma_separated_list() -> None:
    settings = Settings(retired_master_keys=f" {OWN_KEY} ,{OWN_MASTER},")
    assert settings.retired_master_key_list == [OWN_KEY, OWN_MASTER]
