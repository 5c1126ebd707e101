"""``Manifest``: one API object written from plain Python data.

Every object of the library is written this way. A cdk8s L1 or CRD-binding object costs a
jsii round trip for every nested struct and helper value (``Quantity``, ``IntOrString``,
enums), plus loading a binding's JavaScript assembly into Node the first time its module is
imported. A ``Manifest`` is one ``ApiObject`` created
with its name, whose ``to_json`` returns the manifest as given: one round trip to create it
and one to read it at synthesis, whatever its size.

What the L1 types checked is checked here instead by the test suite: every synthesized object
is validated against the Kubernetes JSON schemas and the CRD ``openAPIV3Schema`` with unknown
fields refused (``aipp_constructs.checks.validate_manifest``).

The output looks like cdk8s's own: ``apiVersion``, ``kind``, ``metadata`` first, every other
key sorted at every depth, ``None`` values left out, and the chart's namespace written into
``metadata.namespace`` unless the manifest names one or ``cluster_scoped`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk8s import ApiObject, ApiObjectMetadata, Chart
from constructs import Construct

__all__ = ["Manifest", "plain"]


def plain(value: Any) -> Any:
    """``value`` with mapping keys sorted at every depth and ``None`` values left out."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in sorted(value.items()) if item is not None}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


class Manifest(ApiObject):
    """One API object from plain data; see the module documentation.

    Args:
        manifest: ``apiVersion``, ``kind``, ``metadata`` (with ``name``) and the rest.
        cluster_scoped: The kind has no namespace. Defaults to ``False``.
    """

    def __init__(self, scope: Construct, id: str, manifest: Mapping[str, Any], *, cluster_scoped: bool = False) -> None:
        metadata = dict(manifest["metadata"])
        super().__init__(
            scope,
            id,
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=ApiObjectMetadata(name=metadata["name"], namespace=metadata.get("namespace")),
        )
        if "namespace" not in metadata and not cluster_scoped:
            namespace = Chart.of(self).namespace
            if namespace:
                metadata["namespace"] = namespace
        rest = plain({key: value for key, value in manifest.items() if key not in ("apiVersion", "kind", "metadata")})
        self._manifest = {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": plain(metadata),
            **rest,
        }

    def to_json(self) -> Any:
        return self._manifest
