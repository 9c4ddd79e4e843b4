"""Every object each overlay renders is valid for Kubernetes, and for the CRDs it uses."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

CRD_SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "schemas" / "crds"
# The oldest Kubernetes deploy/ supports (docs/DEPLOY.md) and the newest with schemas here.
VERSIONS = ("1.30", kubernetes_validate.latest_version())


@functools.cache
def crd_validator(kind: str, api_version: str) -> jsonschema.Draft202012Validator | None:
    group, _, version = api_version.rpartition("/")
    path = CRD_SCHEMAS / f"{kind.lower()}-{group}-{version}.json"
    return jsonschema.Draft202012Validator(json.loads(path.read_text())) if path.exists() else None


def schema_errors(resource: dict[str, Any], version: str) -> list[str]:
    """Why `resource` is invalid for Kubernetes `version` (strict: no unknown fields)."""
    name = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
    if validator := crd_validator(resource["kind"], resource["apiVersion"]):
        return [f"{name}: {e.json_path}: {e.message}" for e in validator.iter_errors(resource)]
    try:
        kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{name}: {'.'.join(map(str, exc.path))}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{name}: no schema: {exc.message}"]
    return []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_of_each_overlay_validates_against_its_schema(
    manifests: list[dict[str, Any]], version: str
) -> None:
    errors = [error for resource in manifests for error in schema_errors(resource, version)]
    assert errors == []


def test_each_overlay_renders_the_whole_system(manifests: list[dict[str, Any]]) -> None:
    kinds = {r["kind"] for r in manifests}
    assert kinds >= {
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Job",
        "KafkaTopic",
        "ServiceMonitor",
    }
    assert not [r for r in manifests if r["kind"] == "Secret"], (
        "Secrets are referenced, not shipped"
    )


def deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in manifests if r["kind"] == "Deployment"))


def test_a_misspelt_field_fails_kubernetes_validation(manifests: list[dict[str, Any]]) -> None:
    broken = deployment(manifests)
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbes"] = container.pop("readinessProbe")
    assert schema_errors(broken, VERSIONS[0])


def test_a_wrong_type_fails_kubernetes_validation(manifests: list[dict[str, Any]]) -> None:
    broken = deployment(manifests)
    broken["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "45s"
    assert schema_errors(broken, VERSIONS[0])


def test_a_misspelt_topic_field_fails_the_kafkatopic_schema(
    manifests: list[dict[str, Any]],
) -> None:
    topic = copy.deepcopy(next(r for r in manifests if r["kind"] == "KafkaTopic"))
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    assert schema_errors(topic, VERSIONS[0])


def test_a_topic_without_its_cluster_label_fails(manifests: list[dict[str, Any]]) -> None:
    topic = copy.deepcopy(next(r for r in manifests if r["kind"] == "KafkaTopic"))
    del topic["metadata"]["labels"]["strimzi.io/cluster"]
    assert schema_errors(topic, VERSIONS[0])


def test_a_bad_scrape_interval_fails_the_servicemonitor_schema(
    manifests: list[dict[str, Any]],
) -> None:
    monitor = copy.deepcopy(next(r for r in manifests if r["kind"] == "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["interval"] = "thirty seconds"
    assert schema_errors(monitor, VERSIONS[0])


def test_a_kind_without_any_schema_fails() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert schema_errors(unknown, VERSIONS[0]) == [
        "Widget/w: no schema: Couldn't find schema for kind Widget with api version "
        "example.com/v1 for kubernetes version 1.30"
    ]
