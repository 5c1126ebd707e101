"""Shared fixtures: a fresh chart per test, helpers to find objects, the YAML snapshot extension."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

import main  # noqa: F401  (sets JSII_NODE to the project's Node 22 before cdk8s loads)
from cdk8s import Chart, Testing

PROJECT = Path(__file__).resolve().parent.parent


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    """One plain ``.yaml`` file per snapshot, byte-identical to what cdk8s writes to dist/."""

    file_extension = "yaml"
    _write_mode = WriteMode.TEXT


@pytest.fixture
def snapshot_yaml(snapshot: Any) -> Any:
    return snapshot.with_defaults(extension_class=YamlSnapshotExtension)


#: The security context every container of the official data images (uid 999) must have.
RESTRICTED_CONTAINER_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsGroup": 999,
    "runAsNonRoot": True,
    "runAsUser": 999,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def new_chart(chart_id: str = "test") -> Chart:
    """An empty chart in namespace ``test`` with hash-free names, as AippChart uses."""
    return Chart(Testing.app(), chart_id, namespace="test", disable_resource_name_hashes=True)


@pytest.fixture
def chart() -> Chart:
    return new_chart()


def keys_anywhere(value: Any) -> Iterator[str]:
    """Every mapping key at any depth of a manifest."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_anywhere(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_anywhere(item)


def synth(chart: Chart) -> list[dict[str, Any]]:
    """Every object of ``chart`` as plain dicts (runs cdk8s validations, like ``cdk8s synth``)."""
    return Testing.synth(chart)


def one(manifests: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    """The single object of ``kind`` (and ``name``); fails unless exactly one matches."""
    found = [
        m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {[m['metadata']['name'] for m in found]}"
    return found[0]


def names_and_selectors(manifests: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(kind, name, spec.selector) of every object: what must not change when ids change."""
    return [(m["kind"], m["metadata"]["name"], m.get("spec", {}).get("selector")) for m in manifests]


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def container(workload: Mapping[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(workload)
    found = [c for c in spec["containers"] + spec.get("initContainers", []) if c["name"] == name]
    assert len(found) == 1, f"expected one container {name}"
    return found[0]


def env_of(c: Mapping[str, Any]) -> dict[str, Any]:
    """A container's env as name -> value or valueFrom."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


@pytest.fixture
def project() -> Iterator[Path]:
    yield PROJECT
