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

# Public name -> defining module. Imported on first use, so that ``aipp_constructs.checks``
# (pure Python) does not start jsii and Node.
_EXPORTS = {
    "SecurityException": "security",
    "PolicyException": "policy",
    "DEFAULT_RUN_AS_USER": "policy",
    "PortChart": "port_chart",
    "PortDefaults": "port_chart",
    "ImageMirror": "port_chart",
    "SecretStore": "port_chart",
    "OneShotJob": "one_shot_job",
    "OneShotJobProps": "one_shot_job",
    "ClaimTemplate": "workload",
    "ClaimVolume": "workload",
    "SecretFile": "workload",
    "EnvTemplate": "workload",
    "ExecCheck": "workload",
    "FieldRef": "workload",
    "InitStep": "workload",
    "Sidecar": "workload",
    "HttpCheck": "workload",
    "Port": "workload",
    "Probe": "workload",
    "Probes": "workload",
    "ScratchVolume": "workload",
    "TcpCheck": "workload",
    "Workload": "workload",
    "WorkloadProps": "workload",
    "SharedClaim": "shared_claim",
    "SharedClaimProps": "shared_claim",
    "ComponentServiceMonitor": "service_monitor",
    "ComponentServiceMonitorProps": "service_monitor",
    "LonghornRecurringJobs": "longhorn_recurring_jobs",
    "LonghornRecurringJobsProps": "longhorn_recurring_jobs",
    "RecurringJobSpec": "longhorn_recurring_jobs",
    "PgDumpBackup": "pg_dump_backup",
    "PgDumpBackupProps": "pg_dump_backup",
    "PostSyncCheck": "post_sync_check",
    "PostSyncCheckProps": "post_sync_check",
    "http_check_script": "post_sync_check",
    "sql_check_script": "post_sync_check",
    "AppProps": "_app",
    "CONFIG_WAVE": "component",
    "SYNC_WAVE_ANNOTATION": "component",
    "Component": "component",
    "AdoptedWorkload": "adopted_workload",
    "ConfigError": "_config_loader",
    "ConfigErrors": "_config_loader",
    "Endpoint": "references",
    "ExternalPeer": "network_policies",
    "GitOpsApplication": "gitops_application",
    "GitOpsApplicationProps": "gitops_application",
    "GpuWorker": "gpu_worker",
    "GpuWorkerProps": "gpu_worker",
    "GraphError": "graph",
    "GraphNetworkPolicies": "network_policies",
    "GraphNetworkPoliciesProps": "network_policies",
    "GraphNode": "graph",
    "IngressRoute": "tls_ingress",
    "NAMED_WIRING": "wiring",
    "PRIVATE_AND_CLUSTER_RANGES": "network_policies",
    "MetricsExporter": "metrics_exporter",
    "AlertGroup": "prometheus_rule",
    "AlertRule": "prometheus_rule",
    "PrometheusAlerts": "prometheus_rule",
    "PrometheusAlertsProps": "prometheus_rule",
    "DashboardLink": "grafana_dashboard",
    "DashboardRow": "grafana_dashboard",
    "GrafanaDashboard": "grafana_dashboard",
    "GrafanaDashboardProps": "grafana_dashboard",
    "Panel": "grafana_dashboard",
    "Query": "grafana_dashboard",
    "dashboard_model": "grafana_dashboard",
    "PgvectorDb": "pgvector_db",
    "PgvectorDbProps": "pgvector_db",
    "RabbitMq": "rabbit_mq",
    "RabbitMqProps": "rabbit_mq",
    "RedisCache": "redis_cache",
    "RedisCacheProps": "redis_cache",
    "Resources": "references",
    "RestrictedNamespace": "namespace",
    "RestrictedNamespaceProps": "namespace",
    "SPRING_BOOT_WIRING": "wiring",
    "SecretKeyRef": "references",
    "SpringService": "spring_service",
    "SpringServiceProps": "spring_service",
    "Telemetry": "telemetry",
    "TlsIngress": "tls_ingress",
    "TlsIngressProps": "tls_ingress",
    "Toleration": "references",
    "VaultSecret": "external_secret",
    "VaultSecretProps": "external_secret",
    "WaitPolicy": "startup_wait",
    "WebFrontend": "web_frontend",
    "WebFrontendProps": "web_frontend",
    "connection_env": "wiring",
    "kubernetes_name": "names",
    "kubernetes_names": "names",
    "resolve_order": "graph",
    "sync_wave_of": "component",
    "ImagePolicy": "_validation",
    "TWO_NUMBER_RELEASES": "_validation",
    "image_policy": "_validation",
    "set_image_policy": "_validation",
}

# A literal list (the keys of _EXPORTS): type checkers and linters read the public names from
# it, and tests/test_public_api.py checks that it is sorted(_EXPORTS). Plain sorted() order, not
# the isort-style order RUF022 asks for (constants, then classes, then functions).
__all__ = [  # noqa: RUF022
    "AdoptedWorkload",
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
    from ._app import AppProps
    from ._config_loader import ConfigError, ConfigErrors
    from ._validation import TWO_NUMBER_RELEASES, ImagePolicy, image_policy, set_image_policy
    from .adopted_workload import AdoptedWorkload
    from .component import CONFIG_WAVE, SYNC_WAVE_ANNOTATION, Component, sync_wave_of
    from .external_secret import VaultSecret, VaultSecretProps
    from .gitops_application import GitOpsApplication, GitOpsApplicationProps
    from .gpu_worker import GpuWorker, GpuWorkerProps
    from .grafana_dashboard import (
        DashboardLink,
        DashboardRow,
        GrafanaDashboard,
        GrafanaDashboardProps,
        Panel,
        Query,
        dashboard_model,
    )
    from .graph import GraphError, GraphNode, resolve_order
    from .longhorn_recurring_jobs import LonghornRecurringJobs, LonghornRecurringJobsProps, RecurringJobSpec
    from .metrics_exporter import MetricsExporter
    from .names import kubernetes_name, kubernetes_names
    from .namespace import RestrictedNamespace, RestrictedNamespaceProps
    from .network_policies import (
        PRIVATE_AND_CLUSTER_RANGES,
        ExternalPeer,
        GraphNetworkPolicies,
        GraphNetworkPoliciesProps,
    )
    from .one_shot_job import OneShotJob, OneShotJobProps
    from .pg_dump_backup import PgDumpBackup, PgDumpBackupProps
    from .pgvector_db import PgvectorDb, PgvectorDbProps
    from .policy import DEFAULT_RUN_AS_USER, PolicyException
    from .port_chart import ImageMirror, PortChart, PortDefaults, SecretStore
    from .post_sync_check import PostSyncCheck, PostSyncCheckProps, http_check_script, sql_check_script
    from .prometheus_rule import AlertGroup, AlertRule, PrometheusAlerts, PrometheusAlertsProps
    from .rabbit_mq import RabbitMq, RabbitMqProps
    from .redis_cache import RedisCache, RedisCacheProps
    from .references import Endpoint, Resources, SecretKeyRef, Toleration
    from .security import SecurityException
    from .service_monitor import ComponentServiceMonitor, ComponentServiceMonitorProps
    from .shared_claim import SharedClaim, SharedClaimProps
    from .spring_service import SpringService, SpringServiceProps
    from .startup_wait import WaitPolicy
    from .telemetry import Telemetry
    from .tls_ingress import IngressRoute, TlsIngress, TlsIngressProps
    from .web_frontend import WebFrontend, WebFrontendProps
    from .wiring import NAMED_WIRING, SPRING_BOOT_WIRING, connection_env
    from .workload import (
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
