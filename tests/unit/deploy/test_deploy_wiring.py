"""The four services come from one template and are wired to their own port, database,
autoscaler, disruption budget, Service, migration and Prometheus scraping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cascade.services import DEFAULT_PORTS
from cascade.services import NAMES as SERVICES

Resource = dict[str, Any]


def named(manifests: list[Resource], kind: str, name: str) -> Resource:
    found = [r for r in manifests if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: found {len(found)}"
    return found[0]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def pod_labels(workload: Resource) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def test_the_four_services_share_one_template(repo: Path) -> None:
    for service in SERVICES:
        spec = yaml.safe_load(
            (repo / "deploy/base/services" / service / "kustomization.yaml").read_text()
        )
        assert spec["resources"] == ["../../template"]
        assert spec["nameSuffix"] == f"-{service}"
    assert sorted(p.name for p in (repo / "deploy/base/services").iterdir()) == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_itself_on_its_own_port_with_its_own_database(
    manifests: list[Resource], service: str
) -> None:
    deployment = named(manifests, "Deployment", f"cascade-{service}")
    job = named(manifests, "Job", f"cascade-migrate-{service}")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["serve", service]
    assert container["ports"] == [
        {"name": "http", "containerPort": DEFAULT_PORTS[service], "protocol": "TCP"}
    ]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate", service]
    for workload in (deployment, job):
        database = workload["spec"]["template"]["spec"]["containers"][0]["env"][0]
        assert database == {
            "name": f"CASCADE_{service.upper()}_DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": f"cascade-{service}-database", "key": "url"}},
        }
        assert workload["spec"]["template"]["spec"]["serviceAccountName"] == f"cascade-{service}"
    named(manifests, "ServiceAccount", f"cascade-{service}")


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_autoscaler_budget_and_service(
    manifests: list[Resource], service: str
) -> None:
    deployment = named(manifests, "Deployment", f"cascade-{service}")
    pods = pod_labels(deployment)
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/component": "server",
    }
    assert selects(deployment["spec"]["selector"]["matchLabels"], pods)
    hpa = named(manifests, "HorizontalPodAutoscaler", f"cascade-{service}")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    pdb = named(manifests, "PodDisruptionBudget", f"cascade-{service}")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    svc = named(manifests, "Service", f"cascade-{service}")
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert svc["spec"]["ports"][0]["targetPort"] == "http"
    job = named(manifests, "Job", f"cascade-migrate-{service}")
    assert not selects(svc["spec"]["selector"], pod_labels(job)), "a migration never gets traffic"


def test_autoscalers_never_outgrow_the_partitions(manifests: list[Resource]) -> None:
    config = named(manifests, "ConfigMap", "cascade-config")["data"]
    partitions = int(config["CASCADE_EVENT_TOPIC_PARTITIONS"])
    for hpa in (r for r in manifests if r["kind"] == "HorizontalPodAutoscaler"):
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions


def test_disruption_budgets_never_block_a_drain(manifests: list[Resource]) -> None:
    for pdb in (r for r in manifests if r["kind"] == "PodDisruptionBudget"):
        assert pdb["spec"].get("maxUnavailable", 0) >= 1
        assert "minAvailable" not in pdb["spec"]


def test_prometheus_scrapes_metrics_of_every_service(manifests: list[Resource]) -> None:
    monitor = named(manifests, "ServiceMonitor", "cascade")
    scraped = [
        s
        for s in manifests
        if s["kind"] == "Service"
        and selects(monitor["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])
    ]
    assert sorted(s["metadata"]["name"] for s in scraped) == sorted(
        f"cascade-{s}" for s in SERVICES
    )
    assert [(e["port"], e["path"]) for e in monitor["spec"]["endpoints"]] == [("http", "/metrics")]
    assert all(s["spec"]["ports"][0]["name"] == "http" for s in scraped)


def test_containers_listen_beyond_loopback_and_export_to_apache_kafka(
    manifests: list[Resource],
) -> None:
    config = named(manifests, "ConfigMap", "cascade-config")["data"]
    assert config["CASCADE_HOST"] == "0.0.0.0"
    assert config["CASCADE_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert config["CASCADE_LOG_FORMAT"] == "json"


def test_production_runs_with_production_settings_and_a_released_image(
    overlay: str, manifests: list[Resource]
) -> None:
    config = named(manifests, "ConfigMap", "cascade-config")["data"]
    images = {
        c["image"]
        for r in manifests
        if r["kind"] in ("Deployment", "Job")
        for c in r["spec"]["template"]["spec"]["containers"]
    }
    assert len(images) == 1
    image = images.pop()
    assert ":" in image.rpartition("/")[2] or "@sha256:" in image
    assert not image.endswith(":latest")
    if overlay == "prod":
        assert config["CASCADE_ENVIRONMENT"] == "production"
        assert "/" in image, "production pulls from a registry"


@pytest.mark.parametrize("service", ["calls", "applications", "payments"])
def test_reporting_reads_each_feed_through_that_services_service(
    manifests: list[Resource], service: str
) -> None:
    config = named(manifests, "ConfigMap", "cascade-config")["data"]
    url = config[f"CASCADE_{service.upper()}_URL"]
    host = url.removeprefix("http://")
    target = named(manifests, "Service", host)
    assert [p["port"] for p in target["spec"]["ports"]] == [80]
    server = named(manifests, "Deployment", f"cascade-{service}")
    assert selects(target["spec"]["selector"], pod_labels(server))
