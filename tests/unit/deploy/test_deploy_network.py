"""The network policies let each service talk to what it needs and nothing else.

The policies are evaluated here the way Kubernetes reads them (peers, selectors,
ports), against the pods that talk to Cascade, so a rule that selects the wrong
pods fails a test even when it is valid YAML."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from cascade.services import DEFAULT_PORTS
from cascade.services import NAMES as SERVICES

Resource = dict[str, Any]
PEERS = [s for s in SERVICES if s != "reporting"]


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str]
    ports: tuple[int | str, ...] = ()


def selected(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        present, value = e["key"] in labels, labels.get(e["key"])
        if not {
            "In": present and value in e.get("values", []),
            "NotIn": value not in e.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[e["operator"]]:
            return False
    return True


def peer_matches(peer: dict[str, Any], pod: Pod, home: str) -> bool:
    if "ipBlock" in peer:
        return False  # no pod here is addressed by IP
    if "namespaceSelector" in peer:
        in_namespace = selected(
            peer["namespaceSelector"], {"kubernetes.io/metadata.name": pod.namespace}
        )
    else:
        in_namespace = pod.namespace == home
    return in_namespace and selected(peer.get("podSelector"), pod.labels)


def allows(
    rules: list[dict[str, Any]], peers_key: str, peer: Pod, home: str, ports: tuple[int | str, ...]
) -> bool:
    """Whether a rule lets `peer` through to one of `ports` (a port's name and number)."""
    for rule in rules:
        allowed = [p.get("port") for p in rule.get("ports", [])]
        if allowed and not set(allowed) & set(ports):
            continue
        if peers_key not in rule or any(peer_matches(p, peer, home) for p in rule[peers_key]):
            return True
    return False


def policies_of(manifests: list[Resource], pod: Pod) -> list[Resource]:
    return [
        p
        for p in manifests
        if p["kind"] == "NetworkPolicy"
        and p["metadata"]["namespace"] == pod.namespace
        and selected(p["spec"]["podSelector"], pod.labels)
    ]


def egress_allows(manifests: list[Resource], source: Pod, target: Pod) -> bool:
    out = policies_of(manifests, source)
    return all("Egress" not in p["spec"]["policyTypes"] for p in out) or any(
        allows(p["spec"].get("egress", []), "to", target, source.namespace, target.ports)
        for p in out
    )


def ingress_allows(manifests: list[Resource], source: Pod, target: Pod) -> bool:
    into = policies_of(manifests, target)
    return all("Ingress" not in p["spec"]["policyTypes"] for p in into) or any(
        allows(p["spec"].get("ingress", []), "from", source, target.namespace, target.ports)
        for p in into
    )


def can_reach(manifests: list[Resource], source: Pod, target: Pod) -> bool:
    """Both the source's egress and the target's ingress policies must allow it."""
    return egress_allows(manifests, source, target) and ingress_allows(manifests, source, target)


def pod_of(manifests: list[Resource], kind: str, name: str) -> Pod:
    workload = next(r for r in manifests if r["kind"] == kind and r["metadata"]["name"] == name)
    ports = tuple(
        p
        for c in workload["spec"]["template"]["spec"]["containers"]
        for port in c.get("ports", [])
        for p in (port["name"], port["containerPort"])
    )
    return Pod(
        workload["metadata"]["namespace"], workload["spec"]["template"]["metadata"]["labels"], ports
    )


def service(manifests: list[Resource], name: str) -> Pod:
    return pod_of(manifests, "Deployment", f"cascade-{name}")


OUTSIDE = {
    "ingress controller": Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
    "prometheus": Pod("monitoring", {"app.kubernetes.io/name": "prometheus"}),
    "a stranger in another namespace": Pod("default", {"app": "curl"}, (80, 443, 5432, 9092)),
}
DEPENDENCIES = {
    "dns": Pod("kube-system", {"k8s-app": "kube-dns"}, (53,)),
    "postgres": Pod("postgres", {"app": "postgresql"}, (5432,)),
    "kafka": Pod("kafka", {"strimzi.io/cluster": "cascade", "strimzi.io/kind": "Kafka"}, (9092,)),
    "collector": Pod("observability", {"app": "otel-collector"}, (4318,)),
}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_admits_the_ingress_controller_frontends_and_prometheus(
    manifests: list[Resource], name: str
) -> None:
    target = service(manifests, name)
    frontend = Pod(target.namespace, {"app.kubernetes.io/component": "frontend"})
    neighbour = Pod(target.namespace, {"app": "curl"})
    assert can_reach(manifests, OUTSIDE["ingress controller"], target)
    assert can_reach(manifests, OUTSIDE["prometheus"], target)
    assert can_reach(manifests, frontend, target)
    assert not can_reach(manifests, OUTSIDE["a stranger in another namespace"], target)
    assert not can_reach(manifests, neighbour, target)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_reaches_its_dependencies_and_nothing_else(
    manifests: list[Resource], name: str
) -> None:
    source = service(manifests, name)
    assert {
        d: can_reach(manifests, source, pod) for d, pod in DEPENDENCIES.items()
    } == dict.fromkeys(DEPENDENCIES, True)
    assert not can_reach(manifests, source, OUTSIDE["a stranger in another namespace"])


def test_only_reporting_calls_the_other_services(manifests: list[Resource]) -> None:
    reporting = service(manifests, "reporting")
    assert not ingress_allows(manifests, reporting, reporting), (
        "nobody calls reporting's API from inside"
    )
    for peer in PEERS:
        assert can_reach(manifests, reporting, service(manifests, peer)), peer
        assert not can_reach(manifests, service(manifests, peer), reporting)
        for other in PEERS:
            assert not can_reach(manifests, service(manifests, peer), service(manifests, other))


def test_migrations_reach_only_dns_and_postgres(manifests: list[Resource]) -> None:
    for name in SERVICES:
        migration = pod_of(manifests, "Job", f"cascade-migrate-{name}")
        reached = {d for d, pod in DEPENDENCIES.items() if can_reach(manifests, migration, pod)}
        assert reached == {"dns", "postgres"}
        assert not can_reach(manifests, OUTSIDE["prometheus"], migration)


def test_reporting_calls_the_others_on_their_own_ports(manifests: list[Resource]) -> None:
    reporting = service(manifests, "reporting")
    for peer in PEERS:
        target = service(manifests, peer)
        assert DEFAULT_PORTS[peer] in target.ports
        elsewhere = Pod(target.namespace, target.labels, (9999,))
        assert not can_reach(manifests, reporting, elsewhere)


def test_a_peer_written_with_match_labels_is_caught(manifests: list[Resource]) -> None:
    # What kustomize does to podSelector.matchLabels under includeSelectors: the
    # peer would select the service itself, and reporting would be shut out.
    broken = copy.deepcopy(manifests)
    policy = next(
        p
        for p in broken
        if p["kind"] == "NetworkPolicy" and p["metadata"]["name"] == "cascade-calls"
    )
    policy["spec"]["ingress"][1]["from"][0]["podSelector"] = {
        "matchLabels": {"app.kubernetes.io/name": "calls"}
    }
    assert not can_reach(broken, service(broken, "reporting"), service(broken, "calls"))
