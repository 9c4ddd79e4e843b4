"""Settings shared by every service and command, read from the environment."""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import registry
from shared.errors import InfrastructureUnavailable

# `CASCADE_<SERVICE>_DATABASE_URL`, `_PORT` and `_URL` (or `<service>_port=...` given
# to the constructor): the settings of one service, whichever services there are.
PER_SERVICE = re.compile(r"^([a-z][a-z0-9]*)_(database_url|port|url)$")
PER_SERVICE_FIELDS = {
    "database_url": "service_database_urls",
    "port": "service_ports",
    "url": "service_urls",
}

# Development defaults: fine on a laptop, refused anywhere else (see below).
DEV_JWT_SECRET = "cascade-development-secret-change-me-0123456789"
DEV_INTEGRITY_KEY = "cascade-development-integrity-key-change-me-0123"
DEV_MASTER_KEY = "cascade-development-master-key-change-me-0123456"
# The Ed25519 private key (32 bytes, base64) that signs auditors' dossiers in
# development; reporting refuses it in production (services/reporting/signing.py).
DEV_AUDIT_SIGNING_KEY = "Y2FzY2FkZS1kZXZlbG9wbWVudC1kb3NzaWVyLWtleSE="


class Settings(BaseSettings):
    """Every setting of Cascade. Environment variables are `CASCADE_<FIELD>`,
    except the two infrastructure URLs, which also answer to their usual names."""

    model_config = SettingsConfigDict(env_prefix="CASCADE_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CASCADE_DATABASE_URL", "DATABASE_URL")
    )
    # Each service may be given its own database (CASCADE_<SERVICE>_DATABASE_URL);
    # otherwise it gets `<database_prefix>_<service>` on the server of `database_url`.
    service_database_urls: dict[str, str] = Field(default_factory=dict)
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
    # A handler's version conflict is tried again on reloaded state this many times
    # (not counted in consumer_max_retries); then its partition waits and tries later.
    consumer_conflict_attempts: int = 50
    consumer_fetch_max_wait_ms: int = 25
    # After empty polls the wait grows (doubling) up to this: an idle stack stays quiet.
    consumer_idle_fetch_max_wait_ms: int = 1_000
    # Messages fetched at once; each partition's share is handled in one transaction.
    consumer_max_records: int = 500

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    integrity_key: SecretStr = SecretStr(DEV_INTEGRITY_KEY)
    # Wraps the data subjects' keys (docs/PERSONAL_DATA.md). Rotation: the new key
    # here, the old ones in `retired_master_keys` (comma-separated) until rewrapped.
    master_key: SecretStr = SecretStr(DEV_MASTER_KEY)
    retired_master_keys: SecretStr = SecretStr("")
    # Reporting signs dossiers with this key; the public keys of the keys it
    # replaced (comma-separated, base64) stay listed, to check older dossiers.
    audit_signing_key: SecretStr = SecretStr(DEV_AUDIT_SIGNING_KEY)
    audit_retired_public_keys: str = ""

    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    # Larger request bodies are refused with 413 before they are parsed.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Uploaded files (annexes): where they are kept, and the ceiling on any one
    # upload whatever its own limit says (see shared/files.py, shared/uploads.py).
    file_store: Literal["postgresql", "directory"] = "postgresql"
    file_store_directory: str | None = None  # required by `directory`
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)

    host: str = "127.0.0.1"
    # CASCADE_<SERVICE>_PORT; a service not named here listens on its registered port.
    service_ports: dict[str, int] = Field(default_factory=dict)
    # CASCADE_<SERVICE>_URL: where another service answers (reporting reads the
    # others' event feeds there); a service not named here: `host` and its port.
    service_urls: dict[str, str] = Field(default_factory=dict)

    # The gateway: one origin for the browser, serving the built console and
    # routing /api/<service>/... to the services (`cascade up`, the image).
    gateway_port: int = 8000
    console_dist: str | None = None  # None: console/dist of this checkout, if built
    # The console's sign-in in production: OpenID Connect (code flow with PKCE)
    # against this issuer, whose JWKS `jwt_jwks_url` names for the services.
    oidc_issuer: str | None = None
    oidc_client_id: str = "cascade-console"
    oidc_scope: str = "openid profile"
    oidc_resource: str | None = None  # RFC 8707 resource, for JWT access tokens

    # How often reporting compares each source's feed with its audit copy and takes
    # from the feed what stays missing from the topics (after one more look); 0: never.
    reporting_heal_interval_ms: int = 30_000

    relay_batch_size: int = 500
    relay_idle_poll_ms: int = 3_000  # a safety net: a NOTIFY at commit wakes the relay at once
    # How often the relay compares the topic's end offsets with what it published
    # (and at every new broker connection): a broker that lost events gets them again.
    relay_broker_check_ms: int = 10_000
    snapshot_every: int = 100

    @model_validator(mode="before")
    @classmethod
    def _gather_per_service(cls, data: Any) -> Any:
        """Fold `CASCADE_CALLS_PORT` (environment) and `calls_port=` (constructor)
        into `service_ports`, and so on; the constructor wins over the environment."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        gathered: dict[str, dict[str, Any]] = {f: {} for f in PER_SERVICE_FIELDS.values()}
        prefix = cls.model_config.get("env_prefix", "")
        environment = {
            k[len(prefix) :].lower(): v
            for k, v in os.environ.items()
            if k.upper().startswith(prefix.upper())
        }
        cls._fold_flat(environment, gathered)
        for field_name, values in gathered.items():
            given = data.get(field_name)
            if isinstance(given, dict):
                values.update(given)
        cls._fold_flat(data, gathered)
        for key in [k for k in data if cls._per_service_key(k)]:
            del data[key]
        data.update(gathered)
        return data

    @classmethod
    def _per_service_key(cls, key: str) -> re.Match[str] | None:
        match = PER_SERVICE.match(key)
        return None if match is None or key in cls.model_fields else match

    @classmethod
    def _fold_flat(cls, source: dict[str, Any], into: dict[str, dict[str, Any]]) -> None:
        for key, value in source.items():
            match = cls._per_service_key(key)
            if match is not None and value is not None:
                into[PER_SERVICE_FIELDS[match[2]]][match[1]] = value

    @model_validator(mode="after")
    def _refuse_development_secrets_outside_development(self) -> Settings:
        if self.environment == "production":
            if self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
                raise ValueError("CASCADE_JWT_SECRET must be set outside development")
            if self.integrity_key.get_secret_value() == DEV_INTEGRITY_KEY:
                raise ValueError("CASCADE_INTEGRITY_KEY must be set outside development")
            if self.master_key.get_secret_value() == DEV_MASTER_KEY:
                raise ValueError("CASCADE_MASTER_KEY must be set outside development")
        if len(self.master_key.get_secret_value()) < 32:
            raise ValueError("CASCADE_MASTER_KEY must be at least 32 characters")
        if self.file_store == "directory" and not self.file_store_directory:
            raise ValueError("CASCADE_FILE_STORE=directory needs CASCADE_FILE_STORE_DIRECTORY")
        if self.jwt_jwks_url is None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("CASCADE_JWT_SECRET must be at least 32 characters")
        return self

    @property
    def retired_master_key_list(self) -> list[str]:
        return [
            k.strip() for k in self.retired_master_keys.get_secret_value().split(",") if k.strip()
        ]

    @property
    def idempotent_producer(self) -> bool:
        if self.kafka_enable_idempotence is not None:
            return self.kafka_enable_idempotence
        return self.environment == "production"

    @property
    def development_sign_in(self) -> bool:
        """Whether the gateway mints development tokens: never in production, never
        when the services trust an identity provider's keys instead of the secret."""
        return self.environment != "production" and self.jwt_jwks_url is None

    def port_of(self, service: str) -> int:
        """The port a service listens on: its setting, else the port it registered."""
        if service in self.service_ports:
            return self.service_ports[service]
        return registry.default_port(service)

    def url_of(self, service: str) -> str:
        """The base URL at which another service answers, e.g. `http://127.0.0.1:8001`."""
        own = self.service_urls.get(service)
        if own:
            return own.rstrip("/")
        # A wildcard bind address is where to listen, not where to connect.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port_of(service)}"

    def database_url_of(self, service: str) -> str:
        """The database of one service: its own URL if given, else its own
        database on the shared server."""
        # Tools and tests may name other databases on the same server.
        own = self.service_database_urls.get(service)
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
