"""Renders the subset of kustomize that deploy/ uses, so tests need no kustomize binary.

Clusters get Cascade through kustomize itself (`kubectl apply -k`). This
renderer exists because no package registry that CI reaches ships a kustomize
binary. It implements exactly the features deploy/ uses and refuses every other
field, so a kustomization that outgrows it fails loudly instead of rendering
differently from kustomize:

- resources: YAML files, and directories holding a kustomization.yaml
- namespace (a Namespace object takes the name, as in kustomize)
- namePrefix / nameSuffix, with references updated for the kinds used here
- labels: pairs, includeSelectors, includeTemplates, on kustomize's field lists
- patches: JSON 6902 (add, remove, replace, test) with a target, and
  strategic-merge patches that hold no list (list merging is not implemented)
- images: newName, newTag, digest

Within one kustomization the steps run in kustomize's order: resources, patches,
namespace, prefix and suffix, labels, images, name references. Where kustomize
would silently do nothing (a patch target that matches no resource), this
renderer raises. Output order is the input order, Namespaces first.

    python -m deploy.render deploy/overlays/prod
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from deploy.render_patches import Unsupported, apply_patch

Resource = dict[str, Any]

FIELDS = {"apiVersion", "kind", "resources", "namespace", "namePrefix", "nameSuffix",
          "labels", "patches", "images"}
# Cluster-wide kinds take no namespace (kustomize knows a longer list).
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PriorityClass", "StorageClass", "IngressClass", "PersistentVolume"}
# Kinds whose selector fields this renderer does not know; labelling them is refused.
UNKNOWN_SELECTORS = {"StatefulSet", "DaemonSet", "ReplicaSet", "CronJob", "ReplicationController"}
POD = "spec/template/spec"
AFFINITY = f"{POD}/affinity"

# (kind, path, create) from kustomize's commonLabels and metadataLabels field
# specs (api/internal/konfig/builtinpluginconsts), for the kinds used here.
TEMPLATE_LABELS = [("Deployment", "spec/template/metadata/labels", True),
                   ("Job", "spec/template/metadata/labels", True)]
SELECTOR_LABELS = [
    ("Service", "spec/selector", True),
    ("Deployment", "spec/selector/matchLabels", True),
    *[("Deployment", f"{AFFINITY}/{path}/labelSelector/matchLabels", False) for path in (
        "podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
        "podAffinity/requiredDuringSchedulingIgnoredDuringExecution",
        "podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
        "podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")],
    ("Deployment", f"{POD}/topologySpreadConstraints/labelSelector/matchLabels", False),
    ("Job", "spec/selector/matchLabels", False),
    ("PodDisruptionBudget", "spec/selector/matchLabels", False),
    ("NetworkPolicy", "spec/podSelector/matchLabels", False),
    ("NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", False),
    ("NetworkPolicy", "spec/egress/to/podSelector/matchLabels", False),
]

# (referenced kind, referring kinds, path of the name) from kustomize's nameReference list.
PODS = ("Deployment", "Job")
NAME_REFERENCES = [
    ("ServiceAccount", PODS, f"{POD}/serviceAccountName"),
    ("Deployment", ("HorizontalPodAutoscaler",), "spec/scaleTargetRef/name"),
    *[(kind, PODS, f"{POD}/{containers}/{path}")
      for containers in ("containers", "initContainers")
      for kind, path in (("ConfigMap", "envFrom/configMapRef/name"),
                         ("ConfigMap", "env/valueFrom/configMapKeyRef/name"),
                         ("Secret", "envFrom/secretRef/name"),
                         ("Secret", "env/valueFrom/secretKeyRef/name"))],
    ("ConfigMap", PODS, f"{POD}/volumes/configMap/name"),
    ("Secret", PODS, f"{POD}/volumes/secret/secretName"),
]


def build(directory: Path | str) -> list[Resource]:
    """What `kustomize build directory` prints, as a list of objects."""
    directory = Path(directory)
    spec = load_kustomization(directory)
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        resources += build(path) if path.is_dir() else load_documents(path)
    check_unique(resources, directory)
    for patch in spec.get("patches", []):
        apply_patch(resources, patch, directory)
    if namespace := spec.get("namespace"):
        set_namespace(resources, namespace)
    renamed = rename(resources, spec.get("namePrefix", ""), spec.get("nameSuffix", ""))
    for label in spec.get("labels", []):
        add_labels(resources, label)
    for image in spec.get("images", []):
        set_image(resources, image)
    update_references(resources, renamed)
    return sorted(resources, key=lambda r: r["kind"] != "Namespace")


def load_kustomization(directory: Path) -> dict[str, Any]:
    spec: dict[str, Any] = dict(yaml.safe_load((directory / "kustomization.yaml").read_text()))
    if spec.get("kind") != "Kustomization":
        raise Unsupported(f"{directory}: not a Kustomization")
    if extra := set(spec) - FIELDS:
        raise Unsupported(f"{directory}: fields not supported by deploy/render.py: {sorted(extra)}")
    return spec


def load_documents(path: Path) -> list[Resource]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def identity(resource: Resource) -> tuple[str, str, str, str]:
    group = resource["apiVersion"].rpartition("/")[0]
    meta = resource["metadata"]
    return group, resource["kind"], meta.get("namespace", ""), meta["name"]


def check_unique(resources: list[Resource], directory: Path) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for resource in resources:
        if (key := identity(resource)) in seen:
            raise ValueError(f"{directory}: resource {key} defined twice")
        seen.add(key)


def visit(node: Any, parts: list[str], create: bool, fn: Callable[[dict[str, Any], str], None]) -> None:
    """Calls fn(parent, field) for the field at `parts` below node, through lists."""
    if isinstance(node, list):
        for item in node:
            visit(item, parts, create, fn)
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if not rest:
        if head in node or create:
            fn(node, head)
        return
    if head not in node:
        if not create:
            return
        node[head] = {}
    visit(node[head], rest, create, fn)


def set_namespace(resources: list[Resource], namespace: str) -> None:
    for resource in resources:
        if resource["kind"] == "Namespace":
            resource["metadata"]["name"] = namespace
        elif resource["kind"] not in CLUSTER_SCOPED:
            resource["metadata"]["namespace"] = namespace


def rename(resources: list[Resource], prefix: str, suffix: str) -> dict[tuple[str, str], str]:
    """Applies prefix and suffix; returns {(kind, old name): new name}."""
    renamed: dict[tuple[str, str], str] = {}
    if not (prefix or suffix):
        return renamed
    for resource in resources:
        if resource["kind"] == "Namespace":
            continue  # kustomize leaves Namespace names alone here
        meta = resource["metadata"]
        key = (resource["kind"], meta["name"])
        if key in renamed:
            raise Unsupported(f"two {key[0]}s named {key[1]}: references would be ambiguous")
        meta["name"] = renamed[key] = f"{prefix}{meta['name']}{suffix}"
    return renamed


def add_labels(resources: list[Resource], label: dict[str, Any]) -> None:
    if extra := set(label) - {"pairs", "includeSelectors", "includeTemplates"}:
        raise Unsupported(f"labels fields not supported: {sorted(extra)}")
    pairs = label["pairs"]
    fields = [("*", "metadata/labels", True)]
    if label.get("includeSelectors"):
        fields += SELECTOR_LABELS + TEMPLATE_LABELS
    elif label.get("includeTemplates"):
        fields += TEMPLATE_LABELS

    def merge(parent: dict[str, Any], field: str) -> None:
        parent[field] = {**(parent.get(field) or {}), **pairs}

    for resource in resources:
        if resource["kind"] in UNKNOWN_SELECTORS and len(fields) > 1:
            raise Unsupported(f"labels with selectors or templates on a {resource['kind']}")
        for kind, path, create in fields:
            if kind in ("*", resource["kind"]):
                visit(resource, path.split("/"), create, merge)


def set_image(resources: list[Resource], image: dict[str, str]) -> None:
    if extra := set(image) - {"name", "newName", "newTag", "digest"}:
        raise Unsupported(f"images fields not supported: {sorted(extra)}")

    def replace(container: dict[str, Any], field: str) -> None:
        name, tag = split_image(container[field])
        if name != image["name"]:
            return
        if "digest" in image:
            tag = f"@{image['digest']}"
        elif "newTag" in image:
            tag = f":{image['newTag']}"
        container[field] = f"{image.get('newName', name)}{tag}"

    for resource in resources:
        for containers in ("containers", "initContainers"):
            visit(resource, f"{POD}/{containers}/image".split("/"), False, replace)


def split_image(reference: str) -> tuple[str, str]:
    """("registry/name", ":tag" or "@digest" or "")."""
    if "@" in reference:
        name, _, digest = reference.partition("@")
        return name, f"@{digest}"
    name, colon, tag = reference.rpartition(":")
    if colon and "/" not in tag:
        return name, f":{tag}"
    return reference, ""


def update_references(resources: list[Resource], renamed: dict[tuple[str, str], str]) -> None:
    for target_kind, kinds, path in NAME_REFERENCES:
        def follow(parent: dict[str, Any], field: str, kind: str = target_kind) -> None:
            if kind == "Deployment" and parent.get("kind") != "Deployment":
                return  # a scaleTargetRef names its kind beside the name
            parent[field] = renamed.get((kind, parent[field]), parent[field])

        for resource in resources:
            if resource["kind"] in kinds:
                visit(resource, path.split("/"), False, follow)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m deploy.render DIRECTORY\n")
        return 2
    yaml.safe_dump_all(build(argv[0]), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
