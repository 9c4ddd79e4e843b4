"""What kustomize prints hangs together: every object sits in the overlay's namespace
and carries Cascade's label, every name a pod or autoscaler refers to exists (or is
one of the documented Secrets), and every selector selects pods of its own."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cascade.services import NAMES as SERVICES

Resource = dict[str, Any]
NAMESPACES = {"dev": "cascade-dev", "prod": "cascade"}
CLUSTER_WIDE = {"Namespace"}
# Created by the operator beside the manifests (docs/DEPLOY.md, "Secrets").
SECRETS = {
    "cascade-auth",
    "cascade-master-key",
    "cascade-audit-signing",
    *(f"cascade-{s}-database" for s in SERVICES),
}


def names(manifests: list[Resource], kind: str) -> set[str]:
    return {r["metadata"]["name"] for r in manifests if r["kind"] == kind}


def pod_specs(manifests: list[Resource]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (r["metadata"]["name"], r["spec"]["template"]["spec"])
        for r in manifests
        if r["kind"] in ("Deployment", "Job")
    ]


def referenced(spec: dict[str, Any], kind: str) -> set[str]:
    """The ConfigMaps or Secrets a pod's containers read, by name."""
    found = set()
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        for source in container.get("envFrom", []):
            if ref := source.get(f"{kind}Ref"):
                found.add(ref["name"])
        for var in container.get("env", []):
            if ref := var.get("valueFrom", {}).get(f"{kind}KeyRef"):
                found.add(ref["name"])
    return found


def dangling(manifests: list[Resource]) -> list[str]:
    """References to objects the overlay neither ships nor documents."""
    problems = []
    for name, spec in pod_specs(manifests):
        if spec.get("serviceAccountName") not in names(manifests, "ServiceAccount"):
            problems.append(f"{name}: service account {spec.get('serviceAccountName')}")
        problems += [
            f"{name}: ConfigMap {n}"
            for n in sorted(referenced(spec, "configMap") - names(manifests, "ConfigMap"))
        ]
        problems += [f"{name}: Secret {n}" for n in sorted(referenced(spec, "secret") - SECRETS)]
    for hpa in (r for r in manifests if r["kind"] == "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target["name"] not in names(manifests, target["kind"]):
            problems.append(f"{hpa['metadata']['name']}: scales {target['kind']}/{target['name']}")
    return problems


def selects_pods(selector: dict[str, str], manifests: list[Resource]) -> bool:
    return any(
        all(r["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())
        for r in manifests
        if r["kind"] in ("Deployment", "Job")
    )


def test_every_object_is_in_the_overlays_namespace_and_labelled_cascade(
    overlay: str, manifests: list[Resource]
) -> None:
    namespace = NAMESPACES[overlay]
    assert names(manifests, "Namespace") == {namespace}
    assert {r["metadata"].get("namespace") for r in manifests if r["kind"] not in CLUSTER_WIDE} == {
        namespace
    }
    assert [
        f"{r['kind']}/{r['metadata']['name']}"
        for r in manifests
        if r["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "cascade"
        and r["kind"] not in CLUSTER_WIDE
    ] == []


def test_every_reference_names_an_object_that_exists(manifests: list[Resource]) -> None:
    assert dangling(manifests) == []
    used = {n for _, spec in pod_specs(manifests) for n in referenced(spec, "secret")}
    assert used == SECRETS, "each documented Secret is used, no other"
    assert not names(manifests, "Secret"), "Secrets are referenced, never shipped"


def pod_selector(resource: Resource) -> dict[str, str] | None:
    """The labels a Service, disruption budget or network policy picks pods by."""
    spec = resource.get("spec", {})
    return {
        "Service": lambda: spec["selector"],
        "PodDisruptionBudget": lambda: spec["selector"]["matchLabels"],
        "NetworkPolicy": lambda: spec["podSelector"]["matchLabels"],
    }.get(resource["kind"], lambda: None)()


def test_every_selector_selects_pods_of_its_own(manifests: list[Resource]) -> None:
    selectors = {
        f"{r['kind']}/{r['metadata']['name']}": selector
        for r in manifests
        if (selector := pod_selector(r)) is not None
    }
    # A Service, a PDB and two policies per service; the console's Service and policy.
    assert len(selectors) == 4 * len(SERVICES) + 2
    assert [
        name for name, selector in selectors.items() if not selects_pods(selector, manifests)
    ] == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda objects: objects.remove(next(r for r in objects if r["kind"] == "ServiceAccount")),
        lambda objects: objects.remove(next(r for r in objects if r["kind"] == "ConfigMap")),
        lambda objects: next(r for r in objects if r["kind"] == "HorizontalPodAutoscaler")["spec"][
            "scaleTargetRef"
        ].update(name="cascade"),
        lambda objects: next(r for r in objects if r["kind"] == "Job")["spec"]["template"]["spec"][
            "containers"
        ][0]["env"][0]["valueFrom"]["secretKeyRef"].update(name="db"),
    ],
)
def test_a_broken_reference_is_caught(manifests: list[Resource], break_it: Any) -> None:
    broken = copy.deepcopy(manifests)
    break_it(broken)
    assert dangling(broken)
