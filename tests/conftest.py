"""Shared fixtures: a fresh chart per test, helpers to find objects, the YAML snapshot extension."""

from __future__ import annotations

import os
from pathlib import Path

# The project's Node 22 (node_modules) for jsii and every child process, set before anything
# imports cdk8s: the import starts jsii's Node at once, and without this a direct `pytest` run
# would take the machine's Node 20 and print its end-of-life banner (`make test` exports the
# same two variables).
_NODE_BIN = Path(__file__).resolve().parent.parent / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists():
    os.environ.setdefault("JSII_NODE", str(_NODE_BIN / "node"))
    if os.environ.get("PATH", "").split(os.pathsep)[0] != str(_NODE_BIN):
        os.environ["PATH"] = os.pathsep.join((str(_NODE_BIN), os.environ.get("PATH", "")))

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml
from cdk8s import Chart, Testing
from scheduling import pytest_collection_modifyitems  # noqa: F401 - a hook of this conftest
from syrupy.data import Snapshot, SnapshotCollection, SnapshotCollections
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex

import main

PROJECT = Path(__file__).resolve().parent.parent
DIST = PROJECT / "dist"
#: The frozen fixture environment behaviour tests read (never today's values of environments/).
REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"


class DistSnapshotExtension(SingleFileSnapshotExtension):
    """The snapshot of environment ``<env>`` is ``dist/<env>/aipp.k8s.yaml`` itself.

    One copy of the output lives in git: ``pytest --snapshot-update`` (or ``make snapshot``)
    rewrites the file ArgoCD syncs, and a pull request shows each changed line once. The
    snapshot is named by the assertion's index: ``assert text == dist_snapshot(name=env)``.
    Only those files are ever read, written or discovered, so syrupy never reports other
    files of ``dist/`` as unused, and never deletes one.
    """

    file_extension = "yaml"
    _write_mode = WriteMode.TEXT

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(DIST)

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: SnapshotIndex = 0) -> str:
        # The test's own name (``test_synth[<env>]``), so syrupy relates the two.
        return str(test_location.snapshot_name)

    @classmethod
    def get_location(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        return str(DIST / str(index) / main.MANIFEST_FILE)

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        discovered = SnapshotCollections()
        for path in sorted(DIST.glob(f"*/{main.MANIFEST_FILE}")):
            collection = SnapshotCollection(location=str(path))
            collection.add(Snapshot(name=_snapshot_name(path)))
            discovered.add(collection)
        return discovered

    def read_snapshot_collection(self, *, snapshot_location: str) -> SnapshotCollection:
        collection = SnapshotCollection(location=snapshot_location)
        collection.add(Snapshot(name=_snapshot_name(Path(snapshot_location))))
        return collection

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: dict[str, int] | None = None
    ) -> None:
        Path(snapshot_collection.location).parent.mkdir(parents=True, exist_ok=True)
        super().write_snapshot_collection(snapshot_collection=snapshot_collection, name_order=name_order)

    @classmethod
    def matches_test_location(cls, *, test_location: PyTestLocation, snapshot_location: str) -> bool:
        # The snapshot of <env> belongs to the test parametrized with <env> (test_synth[<env>]).
        return test_location.testname.endswith(f"[{Path(snapshot_location).parent.name}]")

    def delete_snapshots(self, *, snapshot_location: str, snapshot_names: set[str]) -> None:
        # Never delete a file of dist/: `make synth` replaces dist/ as a whole, and a folder
        # left by a removed environment file is reported by test_dist_equals_a_fresh_synth.
        return None


def _snapshot_name(path: Path) -> str:
    """The snapshot in ``dist/<env>/aipp.k8s.yaml`` is that of ``test_synth[<env>]``."""
    return f"test_synth[{path.parent.name}]"


@pytest.fixture
def dist_snapshot(snapshot: Any) -> Any:
    """Compare a synthesized environment with its committed ``dist/<env>/aipp.k8s.yaml``."""
    return snapshot.with_defaults(extension_class=DistSnapshotExtension)


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
    found = [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {[m['metadata']['name'] for m in found]}"
    return found[0]


def names_and_selectors(manifests: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(kind, name, spec.selector) of every object: what must not change when ids change."""
    return [(m["kind"], m["metadata"]["name"], m.get("spec", {}).get("selector")) for m in manifests]


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def container(workload: Mapping[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(workload)
    found: list[dict[str, Any]] = [c for c in spec["containers"] + spec.get("initContainers", []) if c["name"] == name]
    assert len(found) == 1, f"expected one container {name}"
    return found[0]


def env_of(c: Mapping[str, Any]) -> dict[str, Any]:
    """A container's env as name -> value or valueFrom."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


@pytest.fixture
def project() -> Iterator[Path]:
    yield PROJECT


def write_environment(tmp_path: Path, name: str = "reference", source: Path = REFERENCE, **changes: Any) -> Path:
    """``source`` saved as ``tmp_path/<name>.yaml`` with ``changes`` applied; a key is a dotted
    path (``"components.enai-linker.enabled"``; ``__`` stands for a dot inside keyword names)."""
    data = yaml.safe_load(source.read_text())
    for dotted, value in changes.items():
        *parents, last = dotted.replace("__", ".").split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
