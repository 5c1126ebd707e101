"""Compose tooling: read a vendor's Docker Compose file, plan its port, and watch it for drift.

kompose converts a Compose file once and forgets it. This package keeps the Compose file as
the vendor's source of truth beside the port:

* :mod:`.model`: a Compose model (:func:`load_compose`) that reads a file as the Compose
  Specification does (interpolation, env_file, include, extends, profiles; validated with the
  vendored schema, :mod:`.spec`), every syntax form of the keys a port must decide on, and lists
  the keys it does not map;
* :mod:`.inspect`: per service, the facts (secrets redacted), the construct of this library it
  maps to with the props to set, and what to decide by hand (:func:`inspect_compose`);
* :mod:`.drift`: what the Compose file has that the port's synthesized manifests lack
  (:func:`find_drift`), for CI after every vendor release.

Command line: ``python -m aipp_constructs.compose inspect FILE [--format json]`` and
``python -m aipp_constructs.compose drift FILE PORT_DIR [--ignore RULE ...] [--rename C=K ...]``. Pure Python:
nothing here imports cdk8s or jsii.
"""

from __future__ import annotations

from aipp_constructs.compose.drift import (
    DriftReport,
    Finding,
    Rename,
    find_drift,
    parse_ignore,
    parse_rename,
    read_ignore_file,
)
from aipp_constructs.compose.inspect import ServiceReport, inspect_compose, render_json, render_text
from aipp_constructs.compose.model import (
    ComposeError,
    ComposeFile,
    Dependency,
    Device,
    EnvFile,
    EnvVar,
    FileMount,
    FileResource,
    Healthcheck,
    Port,
    Resources,
    ResourceSpec,
    Service,
    Volume,
    load_compose,
    parse_compose,
)

__all__ = [
    "ComposeError",
    "ComposeFile",
    "Dependency",
    "Device",
    "DriftReport",
    "EnvFile",
    "EnvVar",
    "FileMount",
    "FileResource",
    "Finding",
    "Healthcheck",
    "Port",
    "Rename",
    "ResourceSpec",
    "Resources",
    "Service",
    "ServiceReport",
    "Volume",
    "find_drift",
    "inspect_compose",
    "load_compose",
    "parse_compose",
    "parse_ignore",
    "parse_rename",
    "read_ignore_file",
    "render_json",
    "render_text",
]
