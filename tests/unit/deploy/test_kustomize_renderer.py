"""deploy/render.py does what kustomize does for the features deploy/ uses, and refuses the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.render import (
    add_labels,
    rename,
    set_image,
    set_namespace,
    split_image,
    update_references,
)
from deploy.render_patches import Unsupported, apply_patch, json6902


def deployment() -> dict[str, Any]:
    pod = {"serviceAccountName": "app", "containers": [{"name": "c", "image": "cascade",
           "envFrom": [{"configMapRef": {"name": "outside"}}]}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
            "spec": {"selector": {"matchLabels": {"tier": "api"}},
                     "template": {"metadata": {"labels": {"tier": "api"}}, "spec": pod}}}


def policy() -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "app"},
            "spec": {"podSelector": {"matchLabels": {"tier": "api"}}, "ingress": [{"from": [
                {"podSelector": {"matchLabels": {"role": "peer"}}},
                {"podSelector": {"matchExpressions": [{"key": "role", "operator": "In", "values": ["x"]}]}}]}]}}


def test_labels_with_selectors_reach_selectors_templates_and_network_policy_peers() -> None:
    resources = [deployment(), policy()]
    add_labels(resources, {"pairs": {"app.kubernetes.io/name": "calls"}, "includeSelectors": True})
    dep, pol = resources
    assert dep["spec"]["selector"]["matchLabels"] == {"tier": "api", "app.kubernetes.io/name": "calls"}
    assert dep["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "calls"
    peers = pol["spec"]["ingress"][0]["from"]
    assert peers[0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "calls"
    assert "matchLabels" not in peers[1]["podSelector"], "kustomize leaves matchExpressions alone"


def test_labels_with_templates_leave_selectors_alone() -> None:
    resources = [deployment()]
    add_labels(resources, {"pairs": {"part-of": "cascade"}, "includeTemplates": True})
    assert resources[0]["spec"]["selector"]["matchLabels"] == {"tier": "api"}
    assert resources[0]["spec"]["template"]["metadata"]["labels"]["part-of"] == "cascade"
    assert resources[0]["metadata"]["labels"] == {"part-of": "cascade"}


def test_a_suffix_renames_references_to_renamed_objects_only() -> None:
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app"}}
    hpa: dict[str, Any] = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "app"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "app"}}}
    resources: list[dict[str, Any]] = [account, deployment(), hpa]
    update_references(resources, rename(resources, "", "-calls"))
    pod = resources[1]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "app-calls"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "app-calls"
    assert pod["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "outside"


def test_namespace_moves_objects_and_renames_a_namespace() -> None:
    resources = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, deployment()]
    set_namespace(resources, "cascade")
    assert resources[0]["metadata"] == {"name": "cascade"}
    assert resources[1]["metadata"]["namespace"] == "cascade"


def test_json_patches_add_replace_remove_and_test() -> None:
    doc: dict[str, Any] = {"spec": {"ports": [1, 2], "a.b/c": "x"}}
    json6902(doc, [{"op": "add", "path": "/spec/ports/-", "value": 3},
                   {"op": "remove", "path": "/spec/ports/0"},
                   {"op": "replace", "path": "/spec/a.b~1c", "value": "y"},
                   {"op": "test", "path": "/spec/ports", "value": [2, 3]}])
    assert doc == {"spec": {"ports": [2, 3], "a.b/c": "y"}}
    with pytest.raises(ValueError, match="test failed"):
        json6902(doc, [{"op": "test", "path": "/spec/ports/0", "value": 9}])
    with pytest.raises(KeyError):
        json6902(doc, [{"op": "replace", "path": "/spec/missing", "value": 1}])


def test_images_take_a_new_name_tag_or_digest() -> None:
    resources = [deployment()]
    set_image(resources, {"name": "cascade", "newName": "registry.example.com/cascade", "newTag": "1.2.3"})
    assert resources[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/cascade:1.2.3"
    assert split_image("registry:5000/cascade@sha256:ab") == ("registry:5000/cascade", "@sha256:ab")
    assert split_image("registry:5000/cascade") == ("registry:5000/cascade", "")


def test_what_is_not_implemented_is_refused() -> None:
    here = Path(".")
    with pytest.raises(Unsupported):
        apply_patch([deployment()], {"patch": "kind: Deployment\nmetadata: {name: app}\nspec: {x: [1]}\n"}, here)
    with pytest.raises(Unsupported):
        add_labels([deployment()], {"pairs": {"a": "b"}, "fields": []})
    with pytest.raises(ValueError, match="matches no resource"):
        apply_patch([deployment()], {"target": {"kind": "Job"}, "patch": "[]"}, here)
