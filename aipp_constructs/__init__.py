"""aipp_constructs: cdk8s constructs for running vendor Docker Compose products on Kubernetes.

Generic, hardened building blocks (each knows nothing of any vendor):

* :class:`PgvectorDb`, :class:`RedisCache`, :class:`RabbitMq`: the data tier;
* :class:`VaultSecret`: a Secret synchronised from Vault by External Secrets Operator;
* :class:`Workload`: the general application construct (any Compose service shape: command,
  ports or none, HTTP/TCP/exec probes, env from literals, Secrets and templates, scratch and
  shared volumes, waits-for / connects-to / after edges), with :class:`SharedClaim` for a
  shared volume; :class:`SpringService`, :class:`WebFrontend`, :class:`GpuWorker` are presets
  over it, waiting for and wired to their dependencies (:class:`WaitPolicy`, :mod:`.wiring`,
  :class:`Telemetry`); :class:`OneShotJob` runs a task to completion (optionally an ArgoCD hook);
* :class:`TlsIngress`, :class:`GraphNetworkPolicies`, :class:`GitOpsApplication`: the edge,
  network isolation from the graph, and ArgoCD delivery;
* :class:`PgDumpBackup`, :class:`LonghornRecurringJobs`, :class:`ComponentServiceMonitor`,
  :class:`PostSyncCheck`: data protection, monitoring and post-deploy verification;
  :class:`MetricsExporter`: a Prometheus exporter beside a data service, a :class:`Sidecar` of its pod;
  :class:`PrometheusAlerts` (alerting rules) and :class:`GrafanaDashboard` (a dashboard for the
  Grafana sidecar, built with :func:`dashboard_model`);
* :class:`RestrictedNamespace`: a namespace enforcing Pod Security "restricted";
  :class:`SecurityException`: what a workload needs beyond the hardened default, and why;
  :class:`PolicyException`: a checkov check an object cannot meet, and why (``policy_exceptions``);
* :class:`PortChart` (:class:`PortDefaults`, :class:`ImageMirror`, :class:`SecretStore`): a
  chart holding a port's defaults once, deriving its NetworkPolicies from what it contains;
  :class:`ImagePolicy` (:func:`set_image_policy`): the projects whose two-number tags name a release;
* :class:`Component`, :class:`Endpoint`, :class:`SecretKeyRef`, :class:`Resources`,
  :func:`resolve_order`: the dependency graph and what components exchange;
  :class:`AdoptedWorkload`: a cdk8s-plus-27 or L1 workload as a component of that graph.

The AIPP composition lives in :mod:`aipp_constructs.aipp`; offline manifest checks in
:mod:`aipp_constructs.checks`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Defining module (by layer, see docs/layout.md) -> its public names. Imported on first use,
# so that ``aipp_constructs.checks`` (pure Python) does not start jsii and Node.
_MODULES: dict[str, tuple[str, ...]] = {
    "core._config_loader": (
        "ConfigError",
        "ConfigErrors",
    ),
    "core._validation": (
        "ImagePolicy",
        "TWO_NUMBER_RELEASES",
        "image_policy",
        "set_image_policy",
    ),
    "core.component": (
        "CONFIG_WAVE",
        "Component",
        "SYNC_WAVE_ANNOTATION",
        "sync_wave_of",
    ),
    "core.graph": (
        "GraphError",
        "GraphNode",
        "resolve_order",
    ),
    "core.names": (
        "kubernetes_name",
        "kubernetes_names",
    ),
    "core.policy": ("DEFAULT_RUN_AS_USER", "PolicyException"),
    "core.port_defaults": (
        "ImageMirror",
        "PortDefaults",
        "SecretStore",
        "VaultAgent",
    ),
    "core.references": (
        "Endpoint",
        "Resources",
        "SecretKeyRef",
        "Toleration",
    ),
    "core.security": ("SecurityException",),
    "core.vault_agent": ("AgentFile",),
    "core.startup_wait": ("WaitPolicy",),
    "core.telemetry": ("Telemetry",),
    "core.wiring": (
        "NAMED_WIRING",
        "SPRING_BOOT_WIRING",
        "connection_env",
    ),
    "workloads.adopted_workload": ("AdoptedWorkload",),
    "workloads.one_shot_job": (
        "OneShotJob",
        "OneShotJobProps",
    ),
    "workloads.shared_claim": (
        "SharedClaim",
        "SharedClaimProps",
    ),
    "workloads.workload": (
        "ClaimTemplate",
        "ClaimVolume",
        "EnvTemplate",
        "ExecCheck",
        "FieldRef",
        "HttpCheck",
        "InitStep",
        "Port",
        "Probe",
        "Probes",
        "ScratchVolume",
        "SecretFile",
        "Sidecar",
        "TcpCheck",
        "Workload",
        "WorkloadProps",
    ),
    "platform.external_secret": (
        "VaultSecret",
        "VaultSecretProps",
    ),
    "platform.vault_agent_secret": ("VaultAgentSecret",),
    "platform.gitops_application": (
        "GitOpsApplication",
        "GitOpsApplicationProps",
    ),
    "platform.longhorn_recurring_jobs": (
        "LonghornRecurringJobs",
        "LonghornRecurringJobsProps",
        "RecurringJobSpec",
    ),
    "platform.namespace": (
        "RestrictedNamespace",
        "RestrictedNamespaceProps",
    ),
    "platform.network_policies": (
        "ExternalPeer",
        "GraphNetworkPolicies",
        "GraphNetworkPoliciesProps",
        "PRIVATE_AND_CLUSTER_RANGES",
    ),
    "platform.pg_dump_backup": (
        "PgDumpBackup",
        "PgDumpBackupProps",
    ),
    "platform.port_chart": ("PortChart",),
    "platform.post_sync_check": (
        "PostSyncCheck",
        "PostSyncCheckProps",
        "http_check_script",
        "sql_check_script",
    ),
    "platform.tls_ingress": (
        "IngressRoute",
        "TlsIngress",
        "TlsIngressProps",
    ),
    "observability.grafana_dashboard": (
        "DashboardLink",
        "DashboardRow",
        "GrafanaDashboard",
        "GrafanaDashboardProps",
        "Panel",
        "Query",
        "dashboard_model",
    ),
    "observability.metrics_exporter": ("MetricsExporter",),
    "observability.prometheus_rule": (
        "AlertGroup",
        "AlertRule",
        "PrometheusAlerts",
        "PrometheusAlertsProps",
    ),
    "observability.service_monitor": (
        "ComponentServiceMonitor",
        "ComponentServiceMonitorProps",
    ),
    "presets._app": ("AppProps",),
    "presets.gpu_worker": (
        "GpuWorker",
        "GpuWorkerProps",
    ),
    "presets.pgvector_db": (
        "PgvectorDb",
        "PgvectorDbProps",
    ),
    "presets.rabbit_mq": (
        "RabbitMq",
        "RabbitMqProps",
    ),
    "presets.redis_cache": (
        "RedisCache",
        "RedisCacheProps",
    ),
    "presets.spring_service": (
        "SpringService",
        "SpringServiceProps",
    ),
    "presets.web_frontend": (
        "WebFrontend",
        "WebFrontendProps",
    ),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

# A literal list (the keys of _EXPORTS): type checkers and linters read the public names from
# it, and tests/test_public_api.py checks that it is sorted(_EXPORTS). Plain sorted() order, not
# the isort-style order RUF022 asks for (constants, then classes, then functions).
__all__ = [  # noqa: RUF022
    "AdoptedWorkload",
    "AgentFile",
    "AlertGroup",
    "AlertRule",
    "AppProps",
    "CONFIG_WAVE",
    "ClaimTemplate",
    "ClaimVolume",
    "Component",
    "ComponentServiceMonitor",
    "ComponentServiceMonitorProps",
    "ConfigError",
    "ConfigErrors",
    "DEFAULT_RUN_AS_USER",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


if TYPE_CHECKING:
    from aipp_constructs.core._config_loader import ConfigError, ConfigErrors
    from aipp_constructs.core._validation import TWO_NUMBER_RELEASES, ImagePolicy, image_policy, set_image_policy
    from aipp_constructs.core.component import CONFIG_WAVE, SYNC_WAVE_ANNOTATION, Component, sync_wave_of
    from aipp_constructs.core.graph import GraphError, GraphNode, resolve_order
    from aipp_constructs.core.names import kubernetes_name, kubernetes_names
    from aipp_constructs.core.policy import DEFAULT_RUN_AS_USER, PolicyException
    from aipp_constructs.core.port_defaults import VaultAgent
    from aipp_constructs.core.references import Endpoint, Resources, SecretKeyRef, Toleration
    from aipp_constructs.core.security import SecurityException
    from aipp_constructs.core.startup_wait import WaitPolicy
    from aipp_constructs.core.telemetry import Telemetry
    from aipp_constructs.core.vault_agent import AgentFile
    from aipp_constructs.core.wiring import NAMED_WIRING, SPRING_BOOT_WIRING, connection_env
    from aipp_constructs.observability.grafana_dashboard import (
        DashboardLink,
        DashboardRow,
        GrafanaDashboard,
        GrafanaDashboardProps,
        Panel,
        Query,
        dashboard_model,
    )
    from aipp_constructs.observability.metrics_exporter import MetricsExporter
    from aipp_constructs.observability.prometheus_rule import (
        AlertGroup,
        AlertRule,
        PrometheusAlerts,
        PrometheusAlertsProps,
    )
    from aipp_constructs.observability.service_monitor import ComponentServiceMonitor, ComponentServiceMonitorProps
    from aipp_constructs.platform.external_secret import VaultSecret, VaultSecretProps
    from aipp_constructs.platform.gitops_application import GitOpsApplication, GitOpsApplicationProps
    from aipp_constructs.platform.longhorn_recurring_jobs import (
        LonghornRecurringJobs,
        LonghornRecurringJobsProps,
        RecurringJobSpec,
    )
    from aipp_constructs.platform.namespace import RestrictedNamespace, RestrictedNamespaceProps
    from aipp_constructs.platform.network_policies import (
        PRIVATE_AND_CLUSTER_RANGES,
        ExternalPeer,
        GraphNetworkPolicies,
        GraphNetworkPoliciesProps,
    )
    from aipp_constructs.platform.pg_dump_backup import PgDumpBackup, PgDumpBackupProps
    from aipp_constructs.platform.port_chart import ImageMirror, PortChart, PortDefaults, SecretStore
    from aipp_constructs.platform.post_sync_check import (
        PostSyncCheck,
        PostSyncCheckProps,
        http_check_script,
        sql_check_script,
    )
    from aipp_constructs.platform.tls_ingress import IngressRoute, TlsIngress, TlsIngressProps
    from aipp_constructs.platform.vault_agent_secret import VaultAgentSecret
    from aipp_constructs.presets._app import AppProps
    from aipp_constructs.presets.gpu_worker import GpuWorker, GpuWorkerProps
    from aipp_constructs.presets.pgvector_db import PgvectorDb, PgvectorDbProps
    from aipp_constructs.presets.rabbit_mq import RabbitMq, RabbitMqProps
    from aipp_constructs.presets.redis_cache import RedisCache, RedisCacheProps
    from aipp_constructs.presets.spring_service import SpringService, SpringServiceProps
    from aipp_constructs.presets.web_frontend import WebFrontend, WebFrontendProps
    from aipp_constructs.workloads.adopted_workload import AdoptedWorkload
    from aipp_constructs.workloads.one_shot_job import OneShotJob, OneShotJobProps
    from aipp_constructs.workloads.shared_claim import SharedClaim, SharedClaimProps
    from aipp_constructs.workloads.workload import (
        ClaimTemplate,
        ClaimVolume,
        EnvTemplate,
        ExecCheck,
        FieldRef,
        HttpCheck,
        InitStep,
        Port,
        Probe,
        Probes,
        ScratchVolume,
        SecretFile,
        Sidecar,
        TcpCheck,
        Workload,
        WorkloadProps,
    )
