"""docker-compose.yml follows the Compose specification and starts Cascade in the right order."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cascade.services import NAMES as SERVICES

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "schemas" / "compose-spec.json"
INFRASTRUCTURE = {
    "kafka": "service_healthy",
    "postgres": "service_healthy",
    "setup": "service_completed_successfully",
}


@pytest.fixture(scope="module")
def compose(repo: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((repo / "docker-compose.yml").read_text()))


def compose_errors(document: dict[str, Any]) -> list[str]:
    # The schema declares draft 2019-09 under a URI jsonschema does not know;
    # naming the class avoids a guess (tests/data/schemas/README.md).
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert compose_errors(compose) == []


def test_an_unknown_service_key_breaks_the_specification(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["calls"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["kafka"]["depends_on"] = {"postgres": {"condition": "service_ready"}}
    assert len(compose_errors(broken)) >= 2


def test_kafka_is_apache_kafka_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in json.dumps(compose).lower()
    # `cascade topics create` sets no retention: the broker's default keeps events.
    assert kafka["environment"]["KAFKA_LOG_RETENTION_MS"] == -1


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_starts_after_healthy_infrastructure_and_setup(
    compose: dict[str, Any], service: str
) -> None:
    spec = compose["services"][service]
    assert spec["command"] == ["serve", service]
    conditions = {name: dep["condition"] for name, dep in spec["depends_on"].items()}
    assert conditions.items() >= INFRASTRUCTURE.items()
    assert spec["healthcheck"]["test"] == ["CMD", "python", "/opt/cascade/healthcheck.py"]
    assert spec["environment"][f"CASCADE_{service.upper()}_DATABASE_URL"].endswith(
        f"/cascade_{service}"
    )


def test_reporting_waits_for_the_services_it_reads(compose: dict[str, Any]) -> None:
    conditions = {
        n: d["condition"] for n, d in compose["services"]["reporting"]["depends_on"].items()
    }
    assert all(conditions[s] == "service_healthy" for s in SERVICES if s != "reporting")


def test_setup_creates_the_topics_then_migrates_every_service(compose: dict[str, Any]) -> None:
    setup = compose["services"]["setup"]
    script = " ".join(setup["command"])
    assert script.index("cascade topics create") < script.index("cascade migrate")
    assert f"for service in {' '.join(SERVICES)}" in script
    assert {f"CASCADE_{s.upper()}_DATABASE_URL" for s in SERVICES} <= set(setup["environment"])
    assert setup["restart"] == "no"


def test_tracing_is_an_optional_profile(compose: dict[str, Any]) -> None:
    optional = {name for name, spec in compose["services"].items() if "profiles" in spec}
    assert optional == {"otel-collector", "jaeger"}
    assert all(compose["services"][n]["profiles"] == ["observability"] for n in optional)


def test_data_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    named = set(compose["volumes"])
    assert named == {"postgres-data", "kafka-data"}
    mounted = {v.split(":")[0] for s in compose["services"].values() for v in s.get("volumes", [])}
    assert named <= mounted
    assert all(m in named or m.startswith("./deploy/compose/") for m in mounted)


def test_every_image_is_pinned_to_a_version(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        if "build" not in spec:
            assert re.fullmatch(r"[\w./-]+:\d+(\.\d+)+(-[\w.]+)?", spec["image"]), name


def test_no_secret_in_clear_but_marked_development_defaults(
    repo: Path, compose: dict[str, Any]
) -> None:
    text = (repo / "docker-compose.yml").read_text()
    for password in re.findall(r"\$\{(?:\w*PASSWORD):-([^}]*)\}", text):
        assert password.endswith("-dev-only")
    for line in text.splitlines():
        if re.match(r"\s*\w*PASSWORD:\s", line):  # a password setting, not a use of one
            assert "DEV-ONLY" in line, line
    assert not re.findall(r"://\w+:[^$@/]+@", text), "a password written into a URL"
    for spec in compose["services"].values():
        env = spec.get("environment", {})
        assert env.get("CASCADE_JWT_SECRET") is None
        assert env.get("CASCADE_INTEGRITY_KEY") is None
        assert env.get("CASCADE_AUDIT_SIGNING_KEY") is None
