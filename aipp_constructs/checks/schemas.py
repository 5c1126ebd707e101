"""Schema validation of synthesized manifests: built-in kinds and the vendored CRDs.

Built-in kinds are validated with ``kubernetes-validate`` in strict mode (unknown fields are
errors). Custom resources are validated with ``jsonschema`` against the ``openAPIV3Schema`` of the
CRD files vendored in ``aipp_constructs/crds/``, made strict in the same way. Unlike the
``kubernetes-validate`` CLI, which only warns when it has no schema, a manifest whose
(group, version, kind) is known to neither is an error: that is how a removed API
(``extensions/v1beta1`` Ingress) or an unserved CRD version (``external-secrets.io/v1beta1``) is
caught before a cluster rejects it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.protocols
import kubernetes_validate
import yaml
from kubernetes_validate.utils import InvalidSchemaError, SchemaNotFoundError

from aipp_constructs.checks.pod_security import object_ref

__all__ = [
    "KUBERNETES_VERSIONS",
    "kubernetes_versions",
    "load_crd_schemas",
    "load_manifests",
    "validate_manifest",
]

# CRD schema key: (API group, version, kind), e.g. ("external-secrets.io", "v1", "ExternalSecret").
CrdKey = tuple[str, str, str]

_DEFAULT_CRD_DIR = Path(__file__).resolve().parent.parent / "crds"

# libyaml parses the 12,000-line ClusterSecretStore CRD about 10x faster (0.07 s vs 0.6 s).
_YAML_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _major_minor(version: str) -> str:
    """Turns ``"1.37.0"`` (or ``"v1.37"``) into ``"1.37"``."""
    return ".".join(version.lstrip("v").split(".")[:2])


def _newest_bundled_version() -> str:
    """Returns the newest Kubernetes minor the installed kubernetes-validate has schemas for.

    ``kubernetes_validate.latest_version()`` derives it from the names of the bundled schema
    folders (``kubernetes-json-schema/v1.37.0-local-strict`` ...), so upgrading the package moves
    the checks to the new minor without a code change.
    """
    return _major_minor(kubernetes_validate.latest_version())


# The oldest minor the platform supports (cdk8s-plus-27 generates 1.27 objects) and the newest one
# kubernetes-validate knows. The old end catches fields and APIs that 1.27 does not have yet, the
# new end catches APIs that were removed since.
KUBERNETES_VERSIONS: tuple[str, str] = ("1.27", _newest_bundled_version())


def kubernetes_versions(oldest: str | None = None) -> tuple[str, ...]:
    """The minors to validate against: ``oldest`` (an environment's ``kubernetes_version``
    such as ``v1.31``; default 1.27) and the newest bundled one, once each."""
    first = _major_minor(oldest) if oldest else KUBERNETES_VERSIONS[0]
    return tuple(dict.fromkeys((first, KUBERNETES_VERSIONS[1])))


def load_manifests(path: Path) -> list[dict[str, Any]]:
    """Loads every Kubernetes object from the ``*.yaml`` files under a directory.

    Args:
        path: Directory searched recursively; files are read in sorted path order.

    Returns:
        Every non-empty YAML document. ``kustomization.yaml`` files are skipped: they configure
        kustomize and are not Kubernetes objects.

    Raises:
        yaml.YAMLError: A file is not valid YAML.
        ValueError: A document is not a mapping (so cannot be a Kubernetes object).
    """
    manifests: list[dict[str, Any]] = []
    for file in sorted(path.rglob("*.yaml")):
        if file.name == "kustomization.yaml" or not file.is_file():
            continue
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=_YAML_LOADER):
            if doc is None:
                continue
            if not isinstance(doc, dict):
                raise ValueError(f"{file}: document is not a mapping, got {type(doc).__name__}")
            manifests.append(doc)
    return manifests


@functools.cache
def _read_crd_schemas(crd_dir: Path) -> Mapping[CrdKey, dict[str, Any]]:
    """Parses the CRD files of a directory once per process (the files are large)."""
    schemas: dict[CrdKey, dict[str, Any]] = {}
    for file in sorted(crd_dir.glob("*.yaml")):
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=_YAML_LOADER):
            if not isinstance(doc, Mapping) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc.get("spec") or {}
            group = spec.get("group", "")
            kind = (spec.get("names") or {}).get("kind", "")
            for version in spec.get("versions") or []:
                # An unserved version (external-secrets.io/v1beta1) is rejected by the API
                # server, so it must count as missing rather than as valid.
                if not version.get("served"):
                    continue
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema is not None:
                    schemas[(group, version["name"], kind)] = schema
    return schemas


def load_crd_schemas(crd_dir: Path | None = None) -> dict[CrdKey, dict[str, Any]]:
    """Loads the ``openAPIV3Schema`` of every served version of every vendored CRD.

    Args:
        crd_dir: Directory of multi-document CRD YAML files; defaults to the ``crds`` folder of
            this package. Documents that are not CustomResourceDefinitions are skipped.

    Returns:
        A new dict mapping ``(group, version, kind)`` to the schema. The schemas themselves are
        shared between calls (parsing is cached), so treat them as read-only.
    """
    return dict(_read_crd_schemas((crd_dir or _DEFAULT_CRD_DIR).resolve()))


def _strict_crd_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Returns a deep copy of a CRD schema adapted for ``jsonschema`` and made strict.

    Three adaptations, applied to every schema node:

    - objects that declare ``properties`` get ``additionalProperties: false`` unless they set
      ``x-kubernetes-preserve-unknown-fields: true`` or their own ``additionalProperties``. The
      API server silently prunes unknown fields, so without this a typo in a CR spec would be
      dropped on apply instead of failing CI. Objects without ``properties`` (``metadata`` is just
      ``type: object`` in CRDs) stay open;
    - ``nullable: true`` (OpenAPI 3.0, not JSON Schema) becomes an extra ``null`` type;
    - ``x-kubernetes-int-or-string: true`` without a type becomes ``anyOf: [integer, string]``
      (controller-gen always writes that ``anyOf`` already, hand-written CRDs may not).

    Other ``x-kubernetes-*`` keywords (list types, CEL validations) and ``format`` are not
    evaluated: jsonschema ignores keywords it does not know.
    """
    strict = copy.deepcopy(dict(schema))
    _tighten(strict)
    return strict


def _tighten(node: Any) -> None:
    """Applies the ``_strict_crd_schema`` adaptations in place, walking schema keywords only.

    The walk follows schema-valued keywords instead of every dict, because the keys under
    ``properties`` are field names: a field called ``nullable`` must not be mistaken for the
    keyword.
    """
    if not isinstance(node, dict):
        return
    if (
        "properties" in node
        and "additionalProperties" not in node
        and node.get("x-kubernetes-preserve-unknown-fields") is not True
    ):
        node["additionalProperties"] = False
    int_or_string = node.get("x-kubernetes-int-or-string") is True
    if int_or_string and "type" not in node and "anyOf" not in node:
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") is True:
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
        if isinstance(node.get("anyOf"), list):
            node["anyOf"].append({"type": "null"})
    for key in ("properties", "patternProperties"):
        for child in (node.get(key) or {}).values():
            _tighten(child)
    for key in ("items", "additionalProperties", "not"):
        child = node.get(key)
        for item in child if isinstance(child, list) else [child]:
            _tighten(item)
    for key in ("allOf", "anyOf", "oneOf"):
        for child in node.get(key) or []:
            _tighten(child)


# Validators built from CRD schemas, keyed by id() of the schema object they were built from.
# The schema is stored next to its validator so that the id cannot be reused by another object
# while the entry exists (schema dicts are unhashable, so functools.lru_cache cannot key on them).
_CRD_VALIDATORS: dict[int, tuple[Mapping[str, Any], jsonschema.protocols.Validator]] = {}


def _crd_validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """Returns a (cached) validator for a CRD schema.

    Draft 4 is the JSON Schema draft closest to OpenAPI 3.0 schemas (boolean
    ``exclusiveMinimum``/``exclusiveMaximum``, ``integer`` excludes ``1.0``).
    """
    cached = _CRD_VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = jsonschema.Draft4Validator(_strict_crd_schema(schema))
    _CRD_VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _plain(value: Any) -> Any:
    """Deep-converts mappings to dicts and sequences to lists.

    kubernetes-validate insists on ``dict`` and jsonschema's type checks on ``dict``/``list``.
    """
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _split_api_version(api_version: str) -> tuple[str, str]:
    """Splits ``group/version`` into its parts; the core group (``v1``) is ``""``."""
    group, _, version = api_version.rpartition("/")
    return group, version


def _validate_custom_resource(ref: str, doc: dict[str, Any], key: CrdKey, schema: Mapping[str, Any]) -> list[str]:
    """Validates a custom resource against its CRD schema and reports every error."""
    findings: list[str] = []
    # CRD schemas leave metadata open (the API server validates ObjectMeta itself), so at least
    # make sure the object is addressable.
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        findings.append(f"{ref}: $.metadata.name: a non-empty name is required")
    errors = sorted(_crd_validator(schema).iter_errors(doc), key=lambda error: (error.json_path, error.message))
    group, version, kind = key
    findings.extend(
        f"{ref}: {error.json_path}: {error.message} (crd schema {group}/{version} {kind})" for error in errors
    )
    return findings


@functools.cache
def _builtin_validator(
    kubernetes_version: str, api_version: str, kind: str
) -> tuple[str, jsonschema.protocols.Validator]:
    """The strict schema validator of a built-in kind, built once per process and kind.

    The same schemas and resolution as ``kubernetes_validate.validate(..., strict=True)`` (the
    newest bundled schema folder not newer than ``kubernetes_version``, the API group's domain
    dropped from the file name, ``_definitions.json`` as the reference registry), without
    decoding the large definitions file again for every object.

    Raises:
        SchemaNotFoundError: no schema of this kind in that version (a custom resource).
        kubernetes_validate.utils.VersionNotSupportedError: a version newer than the bundled ones.
    """
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    desired = kubernetes_version.lstrip("v")
    if utils.major_minor(desired) > utils.latest_version():
        raise utils.VersionNotSupportedError(version=utils.major_minor(desired))
    version = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(desired)][-1]
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{group}.json", desired)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=utils.major_minor(desired), kind=kind, api_version=api_version) from None
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(_definitions(folder, desired)) @ registry
    return utils.major_minor(version), jsonschema.validators.Draft202012Validator(schema, registry=registry)


@functools.cache
def _definitions(folder: str, desired: str) -> Any:
    from kubernetes_validate import utils

    return utils.schema_contents(f"{folder}/_definitions.json", desired)


def validate_manifest(
    doc: Mapping[str, Any], kubernetes_version: str, crd_schemas: Mapping[CrdKey, Mapping[str, Any]]
) -> list[str]:
    """Validates one Kubernetes object against its schema.

    Built-in kinds go through ``kubernetes_validate.validate(..., strict=True)``, which reports the
    first error only. Kinds kubernetes-validate has no schema for are looked up in
    ``crd_schemas`` and validated with all errors reported. Anything else is an error: an unknown
    API group, a removed built-in API, or a version/kind missing from (or unserved in) a known
    CRD group.

    Args:
        doc: A Kubernetes object (one YAML document).
        kubernetes_version: Kubernetes minor to validate built-in kinds against, e.g. ``"1.27"``.
        crd_schemas: ``(group, version, kind)`` to ``openAPIV3Schema``, from ``load_crd_schemas``.

    Returns:
        Error strings, each prefixed with ``<kind>/<namespace>/<name>: `` and naming the JSON path
        that failed; empty when the object is valid.

    Raises:
        kubernetes_validate.utils.VersionNotSupportedError: ``kubernetes_version`` is newer than
            the bundled schemas (a caller error, not a manifest error).
    """
    ref = object_ref(doc)
    api_version = doc.get("apiVersion")
    kind = doc.get("kind")
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        return [f"{ref}: apiVersion and kind must be non-empty strings, got {api_version!r}, {kind!r}"]
    plain = _plain(doc)
    try:
        schema_version, validator = _builtin_validator(kubernetes_version, api_version, kind)
        # The first error, as kubernetes-validate (jsonschema's validate()) reports it.
        error = next(iter(validator.iter_errors(plain)), None)
        if error is None:
            return []
        return [f"{ref}: {error.json_path}: {error.message} (kubernetes {schema_version} strict schema)"]
    except InvalidSchemaError as error:
        return [f"{ref}: unreadable kubernetes-validate schema: {error.message}"]
    except SchemaNotFoundError:
        pass  # not a built-in kind (or not in this Kubernetes version): try the CRDs

    group, version = _split_api_version(api_version)
    key = (group, version, kind)
    schema = crd_schemas.get(key)
    if schema is not None:
        return _validate_custom_resource(ref, plain, key, schema)
    known = sorted({f"{g}/{v} {k}" for g, v, k in crd_schemas if g == group})
    if known:
        return [
            f"{ref}: no served version {version} of kind {kind} in the crd group {group} (known: {', '.join(known)})"
        ]
    return [
        f"{ref}: no schema for {api_version} {kind} in kubernetes "
        f"{_major_minor(kubernetes_version)} (removed or unknown api) and no crd for the group"
    ]
