"""aipp_constructs: cdk8s constructs for running vendor Docker Compose products on Kubernetes.

Generic, hardened building blocks (each knows nothing of any vendor):

* :class:`PgvectorDb`, :class:`RedisCache`, :class:`RabbitMq`: the data tier;
* :class:`VaultSecret`: a Secret synchronised from Vault by External Secrets Operator;
* :class:`RestrictedNamespace`: a namespace enforcing Pod Security "restricted";
* :class:`Component`, :class:`Endpoint`, :class:`SecretKeyRef`, :class:`Resources`: the
  dependency graph and what components exchange.

The AIPP composition lives in :mod:`aipp_constructs.aipp`; offline manifest checks in
:mod:`aipp_constructs.checks`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> defining module. Imported on first use, so that ``aipp_constructs.checks``
# (pure Python) does not start jsii and Node.
_EXPORTS = {
    "CONFIG_WAVE": "component",
    "SYNC_WAVE_ANNOTATION": "component",
    "Component": "component",
    "ConfigError": "_config_loader",
    "Endpoint": "references",
    "PgvectorDb": "pgvector_db",
    "PgvectorDbProps": "pgvector_db",
    "RabbitMq": "rabbit_mq",
    "RabbitMqProps": "rabbit_mq",
    "RedisCache": "redis_cache",
    "RedisCacheProps": "redis_cache",
    "Resources": "references",
    "RestrictedNamespace": "namespace",
    "RestrictedNamespaceProps": "namespace",
    "SecretKeyRef": "references",
    "VaultSecret": "external_secret",
    "VaultSecretProps": "external_secret",
    "sync_wave_of": "component",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


if TYPE_CHECKING:
    from ._config_loader import ConfigError
    from .component import CONFIG_WAVE, SYNC_WAVE_ANNOTATION, Component, sync_wave_of
    from .external_secret import VaultSecret, VaultSecretProps
    from .namespace import RestrictedNamespace, RestrictedNamespaceProps
    from .pgvector_db import PgvectorDb, PgvectorDbProps
    from .rabbit_mq import RabbitMq, RabbitMqProps
    from .redis_cache import RedisCache, RedisCacheProps
    from .references import Endpoint, Resources, SecretKeyRef
