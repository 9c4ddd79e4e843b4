"""Settings shared by every service and command, read from the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import InfrastructureUnavailable

SERVICES = ("calls", "applications", "payments", "reporting")
DEFAULT_PORTS = {"calls": 8001, "applications": 8002, "payments": 8003, "reporting": 8004}

# Development defaults: fine on a laptop, refused anywhere else (see below).
DEV_JWT_SECRET = "cascade-development-secret-change-me-0123456789"
DEV_INTEGRITY_KEY = "cascade-development-integrity-key-change-me-0123"


class Settings(BaseSettings):
    """Every setting of Cascade. Environment variables are `CASCADE_<FIELD>`,
    except the two infrastructure URLs, which also answer to their usual names."""

    model_config = SettingsConfigDict(env_prefix="CASCADE_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CASCADE_DATABASE_URL", "DATABASE_URL")
    )
    # Each service may be given its own database; otherwise it gets
    # `<database_prefix>_<service>` on the server of `database_url`.
    calls_database_url: str | None = None
    applications_database_url: str | None = None
    payments_database_url: str | None = None
    reporting_database_url: str | None = None
    database_prefix: str = "cascade"
    database_pool_size: int = 10

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CASCADE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    # Apache Kafka supports the idempotent producer; the local tansu broker does
    # not. None means: on in production, off elsewhere.
    kafka_enable_idempotence: bool | None = None
    # Topic names get this prefix, so tests can share one broker.
    topic_prefix: str = ""
    event_topic_partitions: int = 6
    consumer_session_timeout_ms: int = 10_000
    consumer_max_retries: int = 3
    consumer_retry_backoff_ms: int = 200
    consumer_fetch_max_wait_ms: int = 25

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    integrity_key: SecretStr = SecretStr(DEV_INTEGRITY_KEY)

    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    host: str = "127.0.0.1"
    calls_port: int = DEFAULT_PORTS["calls"]
    applications_port: int = DEFAULT_PORTS["applications"]
    payments_port: int = DEFAULT_PORTS["payments"]
    reporting_port: int = DEFAULT_PORTS["reporting"]
    # Where reporting reads the other services' event feeds (its audit cross-check
    # and `cascade reporting rebuild --from-feeds`); None: `host` and their ports.
    calls_url: str | None = None
    applications_url: str | None = None
    payments_url: str | None = None

    relay_batch_size: int = 500
    relay_idle_poll_ms: int = 1_000
    snapshot_every: int = 100

    @model_validator(mode="after")
    def _refuse_development_secrets_outside_development(self) -> Settings:
        if self.environment == "production":
            if self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
                raise ValueError("CASCADE_JWT_SECRET must be set outside development")
            if self.integrity_key.get_secret_value() == DEV_INTEGRITY_KEY:
                raise ValueError("CASCADE_INTEGRITY_KEY must be set outside development")
        if self.jwt_jwks_url is None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("CASCADE_JWT_SECRET must be at least 32 characters")
        return self

    @property
    def idempotent_producer(self) -> bool:
        if self.kafka_enable_idempotence is not None:
            return self.kafka_enable_idempotence
        return self.environment == "production"

    def port_of(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def url_of(self, service: str) -> str:
        """The base URL at which another service answers, e.g. `http://127.0.0.1:8001`."""
        own: str | None = getattr(self, f"{service}_url", None)
        if own:
            return own.rstrip("/")
        # A wildcard bind address is where to listen, not where to connect.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port_of(service)}"

    def database_url_of(self, service: str) -> str:
        """The database of one service: its own URL if given, else its own
        database on the shared server."""
        # Only the four services have a field of their own; tools and tests may
        # name other databases on the same server.
        own: str | None = getattr(self, f"{service}_database_url", None)
        if own:
            return own
        if not self.database_url:
            raise InfrastructureUnavailable(
                "no database configured: set DATABASE_URL (or CASCADE_"
                f"{service.upper()}_DATABASE_URL); `cascade up` prints those of its stack"
            )
        from shared.db import with_database

        return with_database(self.database_url, f"{self.database_prefix}_{service}")

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
