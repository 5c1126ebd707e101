"""The public surface is deliberate: every change to it shows up in this file's diff."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest
from pydantic import BaseModel

import aipp_constructs
from aipp_constructs.aipp import config as aipp_config
from aipp_constructs.core._config_loader import ConfigModel

PUBLIC = [
    "AgentFile",
    "AdoptedWorkload",
    "AlertGroup",
    "AlertRule",
    "AppProps",
    "CONFIG_WAVE",
    "DEFAULT_RUN_AS_USER",
    "ClaimTemplate",
    "ClaimVolume",
    "Component",
    "ComponentServiceMonitor",
    "ComponentServiceMonitorProps",
    "ConfigError",
    "ConfigErrors",
    "DashboardLink",
    "DashboardRow",
    "Endpoint",
    "EnvTemplate",
    "ExecCheck",
    "ExternalPeer",
    "FieldRef",
    "GitOpsApplication",
    "GitOpsApplicationProps",
    "GpuWorker",
    "GpuWorkerProps",
    "GrafanaDashboard",
    "GrafanaDashboardProps",
    "GraphError",
    "GraphNetworkPolicies",
    "GraphNetworkPoliciesProps",
    "GraphNode",
    "HttpCheck",
    "ImageMirror",
    "ImagePolicy",
    "IngressRoute",
    "InitStep",
    "LonghornRecurringJobs",
    "LonghornRecurringJobsProps",
    "MetricsExporter",
    "NAMED_WIRING",
    "OneShotJob",
    "OneShotJobProps",
    "PRIVATE_AND_CLUSTER_RANGES",
    "Panel",
    "PgDumpBackup",
    "PgDumpBackupProps",
    "PgvectorDb",
    "PgvectorDbProps",
    "PolicyException",
    "Port",
    "PortChart",
    "PortDefaults",
    "PostSyncCheck",
    "PostSyncCheckProps",
    "Probe",
    "Probes",
    "PrometheusAlerts",
    "PrometheusAlertsProps",
    "Query",
    "RabbitMq",
    "RabbitMqProps",
    "RecurringJobSpec",
    "RedisCache",
    "RedisCacheProps",
    "Resources",
    "RestrictedNamespace",
    "RestrictedNamespaceProps",
    "SPRING_BOOT_WIRING",
    "SYNC_WAVE_ANNOTATION",
    "ScratchVolume",
    "SecretFile",
    "SecretKeyRef",
    "SecretStore",
    "SecurityException",
    "SharedClaim",
    "SharedClaimProps",
    "Sidecar",
    "SpringService",
    "SpringServiceProps",
    "TWO_NUMBER_RELEASES",
    "TcpCheck",
    "Telemetry",
    "TlsIngress",
    "TlsIngressProps",
    "Toleration",
    "VaultAgent",
    "VaultAgentSecret",
    "VaultSecret",
    "VaultSecretProps",
    "WaitPolicy",
    "WebFrontend",
    "WebFrontendProps",
    "Workload",
    "WorkloadProps",
    "connection_env",
    "dashboard_model",
    "http_check_script",
    "image_policy",
    "kubernetes_name",
    "kubernetes_names",
    "resolve_order",
    "set_image_policy",
    "sql_check_script",
    "sync_wave_of",
]


def test_all_lists_exactly_the_public_names_sorted() -> None:
    assert aipp_constructs.__all__ == sorted(PUBLIC)


def test_all_matches_the_lazy_exports() -> None:
    # __all__ is a literal (for type checkers and linters); _EXPORTS says where each name lives.
    assert aipp_constructs.__all__ == sorted(aipp_constructs._EXPORTS)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(aipp_constructs, name) is not None


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        aipp_constructs.Nope  # noqa: B018


def _dataclasses() -> list[type]:
    classes = [getattr(aipp_constructs, n) for n in PUBLIC]
    classes += [getattr(aipp_config, n) for n in aipp_config.__all__]
    return [c for c in classes if inspect.isclass(c) and dataclasses.is_dataclass(c)]


def _models() -> list[type[BaseModel]]:
    """The environment file's models (pydantic)."""
    classes = [getattr(aipp_config, n) for n in aipp_config.__all__]
    return [c for c in classes if inspect.isclass(c) and issubclass(c, BaseModel)]


def _documented_fields(cls: type) -> list[tuple[str, bool]]:
    """(name, required) of every field of a props dataclass or a config model."""
    if dataclasses.is_dataclass(cls):
        missing = dataclasses.MISSING
        return [(f.name, f.default is missing and f.default_factory is missing) for f in dataclasses.fields(cls)]
    assert issubclass(cls, BaseModel)
    return [(name, f.is_required()) for name, f in cls.model_fields.items()]


@pytest.mark.parametrize("cls", _dataclasses() + _models(), ids=lambda c: c.__name__)
def test_every_props_field_is_documented_with_its_default(cls: type) -> None:
    # A subclass documents what it adds or changes; inherited fields are documented on the base.
    docs = [inspect.getdoc(c) or "" for c in cls.__mro__ if c not in (BaseModel, ConfigModel, object)]
    assert "Attributes:" in docs[0], f"{cls.__name__} has no Attributes: section"
    attributes = "\n".join(doc.split("Attributes:", 1)[1] for doc in docs if "Attributes:" in doc)
    for name, required in _documented_fields(cls):
        entry = re.search(rf"^\s+{name}:(.*?)(?=^\s+\w+:|\Z)", attributes, re.MULTILINE | re.DOTALL)
        assert entry, f"{cls.__name__}.{name} is not documented"
        if not required:
            assert "Defaults to" in entry.group(1), f"{cls.__name__}.{name} does not document its default"


@pytest.mark.parametrize("cls", _models(), ids=lambda c: c.__name__)
def test_config_models_are_strict_frozen_and_refuse_unknown_keys(cls: type[BaseModel]) -> None:
    assert issubclass(cls, ConfigModel)
    assert cls.model_config.get("strict") is True
    assert cls.model_config.get("frozen") is True
    assert cls.model_config.get("extra") == "forbid"


@pytest.mark.parametrize("cls", _dataclasses(), ids=lambda c: c.__name__)
def test_props_are_frozen_and_keyword_only(cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
