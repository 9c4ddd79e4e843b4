"""The `patches` of a kustomization, for deploy/render.py: JSON 6902 patches with a
target, and strategic-merge patches that hold no list (kustomize merges lists by
keys this renderer does not know, so it refuses them rather than guess)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]


class Unsupported(ValueError):
    """The kustomization uses something deploy/render.py does not implement."""


def apply_patch(resources: list[Resource], spec: dict[str, Any], directory: Path) -> None:
    if extra := set(spec) - {"patch", "path", "target"}:
        raise Unsupported(f"patches fields not supported: {sorted(extra)}")
    body = yaml.safe_load(spec["patch"] if "patch" in spec else (directory / spec["path"]).read_text())
    if isinstance(body, list):
        if "target" not in spec:
            raise Unsupported("a JSON 6902 patch needs a target")
        for resource in targets(resources, spec["target"], directory):
            json6902(resource, body)
    else:
        refuse_lists(body)
        target = spec.get("target") or {"kind": body["kind"], "name": re.escape(body["metadata"]["name"])}
        for resource in targets(resources, target, directory):
            merge(resource, {k: v for k, v in body.items() if k not in ("apiVersion", "kind")})


def targets(resources: list[Resource], target: dict[str, str], directory: Path) -> Iterator[Resource]:
    if extra := set(target) - {"group", "version", "kind", "name", "labelSelector"}:
        raise Unsupported(f"patch target fields not supported: {sorted(extra)}")
    wanted = dict(pair.split("=", 1) for pair in target.get("labelSelector", "").split(",") if pair)
    if any(re.search(r"[!()<> ]", f"{k}{v}") for k, v in wanted.items()):
        raise Unsupported("labelSelector supports only key=value pairs")
    found = False
    for resource in resources:
        group, _, version = resource["apiVersion"].rpartition("/")
        labels = resource["metadata"].get("labels") or {}
        if (target.get("kind", resource["kind"]) == resource["kind"]
                and target.get("group", group) == group
                and target.get("version", version) == version
                and re.fullmatch(target.get("name", ".*"), resource["metadata"]["name"])
                and all(labels.get(k) == v for k, v in wanted.items())):
            found = True
            yield resource
    if not found:
        raise ValueError(f"{directory}: patch target {target} matches no resource")


def refuse_lists(node: Any) -> None:
    if isinstance(node, list):
        raise Unsupported("strategic-merge patches with lists: use a JSON 6902 patch")
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).startswith("$"):
                raise Unsupported(f"strategic-merge directive {key}")
            refuse_lists(value)


def merge(node: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            node.pop(key, None)
        elif isinstance(value, dict) and isinstance(node.get(key), dict):
            merge(node[key], value)
        else:
            node[key] = copy.deepcopy(value)


def json6902(document: Resource, operations: list[dict[str, Any]]) -> None:
    for operation in operations:
        op, path = operation["op"], operation["path"]
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
        parent: Any = document
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        value = copy.deepcopy(operation.get("value"))
        if isinstance(parent, list):
            if op == "add":
                parent.insert(len(parent) if last == "-" else int(last), value)
                continue
            index: int | str = int(last)
            if not -len(parent) <= int(last) < len(parent):
                raise IndexError(f"{path}: no such item")
        else:
            index = last
            if op != "add" and index not in parent:
                raise KeyError(f"{path}: no such field")
        if op in ("add", "replace"):
            parent[index] = value
        elif op == "remove":
            del parent[index]
        elif op == "test":
            if parent[index] != value:
                raise ValueError(f"test failed at {path}: {parent[index]!r} != {value!r}")
        else:
            raise Unsupported(f"JSON patch op {op!r}")
