"""The one module that imports the generated CRD bindings.

``cdk8s import`` writes them to the project's top-level ``imports/`` (where cdk8s expects
them); the library ships them inside its own package as ``aipp_constructs.imports``
(``aipp_constructs/imports`` is a symbolic link to ``../imports``, followed when the wheel is
built), so installing the library adds no top-level ``imports`` package that would collide
with a consumer's own ``cdk8s import`` output.
"""

from __future__ import annotations

from .imports.argocd.io import argoproj as argocd
from .imports.eso_es.io import external_secrets as eso
from .imports.longhorn.io import longhorn
from .imports.prometheus.com.coreos import monitoring

__all__ = ["argocd", "eso", "longhorn", "monitoring"]
