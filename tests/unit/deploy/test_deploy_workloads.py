"""Every pod probes the real endpoints, is locked down, sized, and gets its secrets by reference."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

Resource = dict[str, Any]
SECRET_SETTINGS = re.compile(r"SECRET|KEY|PASSWORD|TOKEN|DATABASE_URL")


def pods(manifests: list[Resource]) -> list[Resource]:
    return [r for r in manifests if r["kind"] in ("Deployment", "Job")]


def containers(workload: Resource) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def probe_problems(deployment: Resource) -> list[str]:
    problems = []
    for container in containers(deployment):
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        for probe, path in (
            ("startupProbe", "/healthz"),
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
        ):
            get = container.get(probe, {}).get("httpGet", {})
            if get.get("path") != path or get.get("port") not in ports:
                problems.append(f"{container['name']}: {probe} must GET {path} on a named port")
    return problems


def security_problems(workload: Resource) -> list[str]:
    spec = workload["spec"]["template"]["spec"]
    pod = spec.get("securityContext", {})
    problems = []
    if pod.get("runAsNonRoot") is not True or pod.get("runAsUser") in (None, 0):
        problems.append("pod: runAsNonRoot and a non-zero runAsUser")
    if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod: seccompProfile RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append("pod: no service account token")
    for container in containers(workload):
        context = container.get("securityContext", {})
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{container['name']}: allowPrivilegeEscalation false")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{container['name']}: readOnlyRootFilesystem true")
        if context.get("privileged", False) or context.get("runAsUser") == 0:
            problems.append(f"{container['name']}: not privileged, not root")
        if context.get("capabilities", {}).get("drop") != ["ALL"] or context["capabilities"].get(
            "add"
        ):
            problems.append(f"{container['name']}: capabilities drop ALL, add none")
    return problems


def resource_problems(workload: Resource) -> list[str]:
    problems = []
    for container in containers(workload):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                problems.append(f"{container['name']}: {kind} for cpu and memory")
    return problems


def secret_problems(workload: Resource) -> list[str]:
    problems = []
    for container in containers(workload):
        for var in container.get("env", []):
            if SECRET_SETTINGS.search(var["name"]) and "secretKeyRef" not in var.get(
                "valueFrom", {}
            ):
                problems.append(f"{container['name']}: {var['name']} must come from a Secret")
    return problems


def deployments(manifests: list[Resource]) -> list[Resource]:
    return [r for r in manifests if r["kind"] == "Deployment"]


def test_every_deployment_probes_healthz_and_readyz(manifests: list[Resource]) -> None:
    assert len(deployments(manifests)) == 5  # the four services and the console's gateway
    assert {d["metadata"]["name"]: probe_problems(d) for d in deployments(manifests)} == {
        d["metadata"]["name"]: [] for d in deployments(manifests)
    }


def test_every_pod_is_non_root_read_only_unprivileged_and_capability_free(
    manifests: list[Resource],
) -> None:
    assert [(w["metadata"]["name"], security_problems(w)) for w in pods(manifests)] == [
        (w["metadata"]["name"], []) for w in pods(manifests)
    ]


def test_every_container_requests_and_limits_cpu_and_memory(manifests: list[Resource]) -> None:
    assert [p for w in pods(manifests) for p in resource_problems(w)] == []


def test_secrets_are_referenced_and_never_inlined(manifests: list[Resource]) -> None:
    assert [p for w in pods(manifests) for p in secret_problems(w)] == []
    config = next(r for r in manifests if r["kind"] == "ConfigMap")
    assert not [key for key in config["data"] if SECRET_SETTINGS.search(key)]
    for workload in pods(manifests):
        env = {var["name"] for c in containers(workload) for var in c.get("env", [])}
        assert {"CASCADE_JWT_SECRET", "CASCADE_INTEGRITY_KEY"} <= env


def test_kubernetes_service_links_are_off(manifests: list[Resource]) -> None:
    # Service cascade-calls would otherwise inject CASCADE_CALLS_PORT=tcp://...
    assert {w["spec"]["template"]["spec"].get("enableServiceLinks") for w in pods(manifests)} == {
        False
    }


def test_shutdown_has_time_for_the_drain_and_the_graceful_stop(manifests: list[Resource]) -> None:
    for deployment in deployments(manifests):
        spec = deployment["spec"]["template"]["spec"]
        pre_stop = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
        # uvicorn's graceful shutdown takes up to 10 s, then consumers and relay stop.
        assert spec["terminationGracePeriodSeconds"] >= pre_stop + 10 + 15


def test_the_hpa_owns_the_replica_count(manifests: list[Resource]) -> None:
    assert [d["metadata"]["name"] for d in deployments(manifests) if "replicas" in d["spec"]] == []


@pytest.mark.parametrize(
    ("break_it", "check"),
    [
        (lambda c, p: c["readinessProbe"]["httpGet"].update(path="/healthz"), probe_problems),
        (lambda c, p: c.pop("startupProbe"), probe_problems),
        (lambda c, p: c["securityContext"].update(readOnlyRootFilesystem=False), security_problems),
        (lambda c, p: c["securityContext"].pop("allowPrivilegeEscalation"), security_problems),
        (
            lambda c, p: c["securityContext"]["capabilities"].update(add=["NET_ADMIN"]),
            security_problems,
        ),
        (lambda c, p: p["securityContext"].update(runAsUser=0), security_problems),
        (lambda c, p: c["resources"].pop("limits"), resource_problems),
        (
            lambda c, p: c["env"].append({"name": "CASCADE_JWT_SECRET", "value": "inline"}),
            secret_problems,
        ),
    ],
)
def test_each_check_catches_a_broken_deployment(
    manifests: list[Resource], break_it: Any, check: Any
) -> None:
    broken = copy.deepcopy(deployments(manifests)[0])
    spec = broken["spec"]["template"]["spec"]
    break_it(spec["containers"][0], spec)
    assert check(broken)
