"""``AippChart``: the AIPP deployment for one environment, composed from the library.

Composition order is the order of objects in ``dist/<env>/aipp.k8s.yaml``: namespace,
ExternalSecrets, then the components in dependency order (from the graph declared in the
environment file). Waves are not typed here: each component derives its own from what it
depends on and what it comes after.

What is AIPP-specific and therefore lives here rather than in the environment file: which
construct runs each Compose service, which credential set each data service owns, and that
``enai-scheduler`` runs scheduled jobs (so it is a singleton).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from constructs import Construct

from aipp_constructs.core._config_loader import ConfigError
from aipp_constructs.core.component import Component
from aipp_constructs.core.graph import GraphError, GraphNode, resolve_order
from aipp_constructs.core.startup_wait import WaitPolicy
from aipp_constructs.core.telemetry import Telemetry
from aipp_constructs.observability.grafana_dashboard import GrafanaDashboard, GrafanaDashboardProps
from aipp_constructs.observability.metrics_exporter import METRICS_PORT, MetricsExporter
from aipp_constructs.observability.prometheus_rule import PrometheusAlerts, PrometheusAlertsProps
from aipp_constructs.observability.service_monitor import ComponentServiceMonitor, ComponentServiceMonitorProps
from aipp_constructs.platform.longhorn_recurring_jobs import (
    LonghornRecurringJobs,
    LonghornRecurringJobsProps,
    RecurringJobSpec,
)
from aipp_constructs.platform.network_policies import ExternalPeer, GraphNetworkPolicies
from aipp_constructs.platform.pg_dump_backup import PgDumpBackup, PgDumpBackupProps
from aipp_constructs.platform.port_chart import PortChart, PortDefaults, SecretStore
from aipp_constructs.platform.post_sync_check import (
    PostSyncCheck,
    PostSyncCheckProps,
    http_check_script,
    sql_check_script,
)
from aipp_constructs.platform.tls_ingress import IngressRoute, TlsIngress, TlsIngressProps
from aipp_constructs.presets.gpu_worker import GpuWorker, GpuWorkerProps
from aipp_constructs.presets.pgvector_db import PgvectorDb, PgvectorDbProps
from aipp_constructs.presets.rabbit_mq import PER_QUEUE_METRICS, RabbitMq, RabbitMqProps
from aipp_constructs.presets.redis_cache import RedisCache, RedisCacheProps
from aipp_constructs.presets.spring_service import SpringService, SpringServiceProps
from aipp_constructs.presets.web_frontend import WebFrontend, WebFrontendProps
from aipp_constructs.workloads.workload import AgentEnvRefused, Workload

from .config import (
    EXPORTER_IMAGES,
    SINGLETONS,
    WAIT_IMAGE,
    AppConfig,
    EnvironmentConfig,
    FrontendConfig,
    GpuWorkerConfig,
    ResourcesConfig,
    SpringConfig,
)
from .images import image_ref
from .observability import MetricsKind, Observed, alert_groups, dashboard, runbook_link

__all__ = ["CREDENTIAL_SETS", "PART_OF", "SINGLETONS", "AippChart"]

PART_OF = "aipp"
#: The uid the vendor's application images are built for (their files, their ``USER``): the
#: default ``run_as_user`` of the application tier, below the library's own default (10001),
#: so those workloads keep their CKV_K8S_40 exception.
VENDOR_UID = 1000

#: Credential sets: Secret name -> (Vault key under ``secrets.vault_path``, Secret key -> Vault property).
CREDENTIAL_SETS: dict[str, tuple[str, dict[str, str]]] = {
    "pgvector-credentials": ("pgvector", {"username": "username", "password": "password"}),
    "redis-credentials": ("redis", {"password": "password"}),
    "rabbitmq-credentials": (
        "rabbitmq",
        {"username": "username", "password": "password", "erlang-cookie": "erlang_cookie"},
    ),
}

#: Option B: a docker config built from the Vault properties ``username`` and ``password``.
#: Only ``auth`` is written (base64 of ``user:password``), so no character of the password
#: can break the JSON.
_DOCKERCONFIG_TEMPLATE = '{"auths":{"%s":{"auth":"{{ printf "%%s:%%s" .username .password | b64enc }}"}}}'


class AippChart(PortChart):
    """Every object of the AIPP port for one environment.

    Attributes:
        env: The environment this chart was built from.
        namespace_: The ``RestrictedNamespace``.
        secrets: The ``VaultSecret`` of each credential set (and, in ``vendor`` image mode,
            of the pull secret), by Secret name.
        components: Every enabled component, by Compose service name, in dependency order.
        pgvector, redis, rabbitmq: The data tier.
    """

    def __init__(self, scope: Construct, id: str, env: EnvironmentConfig, *, source: str = "") -> None:
        self.env = env
        self._source = source or f"environments/{env.name}.yaml"
        settings = env.components.by_name()
        order = self._resolve(settings)
        pull_secret = env.registry.vendor_pull_secret
        self._pull_secrets: tuple[str, ...] = (pull_secret,) if env.registry.vendor_images == "vendor" else ()
        # The port's defaults, said once: every Workload below takes them.
        super().__init__(
            scope,
            id,
            PortDefaults(
                namespace=env.namespace,
                part_of=PART_OF,
                pod_security_version=env.pod_security_version,
                kubernetes_version=env.kubernetes_version,
                telemetry=Telemetry(
                    mode=env.telemetry.mode,
                    endpoint=env.telemetry.endpoint,
                    protocol=env.telemetry.protocol,
                    instrumentation=env.telemetry.instrumentation,
                    resource_attributes={"deployment.environment.name": env.name},
                ),
                wait=WaitPolicy(
                    image=image_ref(env, WAIT_IMAGE),
                    attempts=env.wait.attempts,
                    interval_seconds=env.wait.interval_seconds,
                ),
                storage_class_name=env.storage_class,
                secret_store=_secret_store(env),
            ),
        )
        credential_sets = dict(CREDENTIAL_SETS)
        if self._pull_secrets:
            credential_sets[pull_secret] = (pull_secret, {"username": "username", "password": "password"})
        self.secrets = {
            secret_name: self.vault_secret(
                secret_name,
                vault_key,
                keys,
                **(self._pull_secret_format() if secret_name in self._pull_secrets else {}),
            )
            for secret_name, (vault_key, keys) in credential_sets.items()
        }
        self.recurring_jobs = self._recurring_jobs()
        # Longhorn attaches the snapshot and backup jobs to every data volume by these labels.
        self.volume_labels = self.recurring_jobs.volume_labels()
        builders: dict[str, Callable[[str, Any], Component]] = {
            "pgvector": self._pgvector,
            "redis": self._redis,
            "rabbitmq": self._rabbitmq,
        }
        self.components: dict[str, Component] = {}
        for name in order:
            config = settings[name]
            build: Callable[[str, Any], Component] = builders.get(name) or self._app
            with self._config_path(f"components.{name}", config):
                self.components[name] = build(name, config)
        self.pgvector = self.components["pgvector"]
        self.redis = self.components["redis"]
        self.rabbitmq = self.components["rabbitmq"]
        self.ingress = self._ingress()
        self.service_monitors = self._service_monitors()
        self.pg_dump = self._pg_dump()
        self.checks = self._post_sync_checks()
        self.network_policies = self._network_policies()
        observed = self._observed()
        self.alerts = self._alerts(observed)
        self.dashboard = self._dashboard(observed)

    def image(self, component: str) -> str:
        """The full image reference of ``component`` from the image table."""
        return image_ref(self.env, component)

    # -- the graph -------------------------------------------------------------------------

    def _resolve(self, settings: dict[str, Any]) -> tuple[str, ...]:
        nodes = {
            name: GraphNode(depends_on=c.depends_on, after=c.after, enabled=c.enabled)
            if isinstance(c, AppConfig)
            else GraphNode()
            for name, c in settings.items()
        }
        try:
            return resolve_order(nodes)
        except GraphError as err:
            raise ConfigError(self._source, f"components.{err.node}.{err.field}", str(err)) from None

    # -- the data tier ---------------------------------------------------------------------

    def _data_props(self, name: str, config: Any) -> dict[str, Any]:
        """What every data service takes alike: name, image, labels, its volume and resources."""
        return {
            "name": name,
            "image": self.image(name),
            "part_of": PART_OF,
            "storage_size": config.storage_size,
            "storage_class_name": self.env.storage_class,
            "volume_labels": self.volume_labels,
            "resources": config.resources.to_resources(),
        }

    def _pgvector(self, name: str, config: Any) -> Component:
        secret = self.secrets["pgvector-credentials"]
        return PgvectorDb(
            self,
            "Pgvector",
            PgvectorDbProps(
                **self._data_props(name, config),
                username=secret.key("username"),
                password=secret.key("password"),
                database=config.database,
                shm_size=config.shm_size,
                metrics_exporter=self._exporter(name),
            ),
        )

    def _redis(self, name: str, config: Any) -> Component:
        return RedisCache(
            self,
            "Redis",
            RedisCacheProps(
                **self._data_props(name, config),
                password=self.secrets["redis-credentials"].key("password"),
                metrics_exporter=self._exporter(name),
            ),
        )

    def _exporter(self, name: str) -> MetricsExporter | None:
        """The metrics exporter beside data service ``name`` (``monitoring.exporters``), from
        its image row; the construct's defaults for the rest."""
        if not self.env.monitoring.exporters:
            return None
        return MetricsExporter(image=self.image(EXPORTER_IMAGES[name]))

    def _rabbitmq(self, name: str, config: Any) -> Component:
        secret = self.secrets["rabbitmq-credentials"]
        return RabbitMq(
            self,
            "RabbitMq",
            RabbitMqProps(
                **self._data_props(name, config),
                username=secret.key("username"),
                password=secret.key("password"),
                erlang_cookie=secret.key("erlang-cookie"),
            ),
        )

    # -- the application tier --------------------------------------------------------------

    def _app(self, name: str, config: AppConfig) -> Component:
        """The construct of an application service, chosen by the type of its settings."""
        props: dict[str, Any] = {
            "name": name,
            "image": self.image(name),
            "part_of": PART_OF,
            "depends_on": tuple(self.components[dep] for dep in config.depends_on),
            "after": tuple(self.components[dep] for dep in config.after if dep in self.components),
            "wiring_overrides": config.wiring,
            "env": config.env,
            "config_files": config.config_files,
            "run_as_user": VENDOR_UID,  # replaced by the environment file's run_as_user, if set
            # Only the vendor's images need the vendor registry's pull secret (option B).
            "image_pull_secrets": self._pull_secrets,
        }
        shared = ("replicas", "port", "run_as_user", "resources", "startup_timeout_seconds")
        construct_id = "".join(part.title() for part in name.split("-"))
        if isinstance(config, SpringConfig):
            _given(props, config, shared + ("management_port", "max_ram_percentage", "java_options"))
            props["singleton"] = name in SINGLETONS
            props["leader_elected"] = config.leader_elected
            # Every Spring service is scraped (``_service_monitors``), so each serves metrics.
            props["metrics"] = True
            return SpringService(self, construct_id, SpringServiceProps(**props))
        if isinstance(config, FrontendConfig):
            _given(props, config, shared + ("health_path", "cache_dirs"))
            return WebFrontend(self, construct_id, WebFrontendProps(**props))
        if isinstance(config, GpuWorkerConfig):
            _given(
                props,
                config,
                shared + ("health_path", "gpu_count", "shm_size", "node_selector", "tolerations", "runtime_class_name"),
            )
            return GpuWorker(self, construct_id, GpuWorkerProps(**props))
        raise TypeError(f"no construct for {name}: {type(config).__name__}")  # a schema bug

    # -- edge, monitoring, network ----------------------------------------------------------

    def _ingress(self) -> TlsIngress:
        """The TLS Ingress of the environment file (and the RabbitMQ management UI if asked)."""
        config = self.env.ingress
        with self._config_path("ingress", config):
            routes = [
                IngressRoute(host=config.host, path=r.path, target=self.components[r.service], port=r.port)
                for r in config.routes
            ]
            if config.rabbitmq_management_host:
                routes.append(
                    IngressRoute(
                        host=config.rabbitmq_management_host, target=self.components["rabbitmq"], port="management"
                    )
                )
            return TlsIngress(
                self,
                "Ingress",
                TlsIngressProps(
                    name=PART_OF,
                    routes=tuple(routes),
                    ingress_class_name=config.class_name,
                    cluster_issuer=config.cluster_issuer,
                    external_dns_prefix=config.external_dns_prefix,
                    annotations=config.annotations,
                    labels={"app.kubernetes.io/name": PART_OF, "app.kubernetes.io/part-of": PART_OF},
                ),
            )

    # -- data protection, monitoring, verification ------------------------------------------

    def _recurring_jobs(self) -> LonghornRecurringJobs:
        """Longhorn snapshot and backup schedules for the data volumes (in Longhorn's namespace)."""
        backups = self.env.backups
        with self._config_path("backups", backups):
            return LonghornRecurringJobs(
                self,
                "RecurringJobs",
                LonghornRecurringJobsProps(
                    namespace=backups.longhorn_namespace,
                    jobs=(
                        RecurringJobSpec(
                            name=_job_name(self.env, "snapshot"),
                            task="snapshot",
                            cron=backups.snapshot.cron,
                            retain=backups.snapshot.retain,
                        ),
                        RecurringJobSpec(
                            name=_job_name(self.env, "backup"),
                            task="backup",
                            cron=backups.backup.cron,
                            retain=backups.backup.retain,
                        ),
                    ),
                    labels={"app.kubernetes.io/part-of": PART_OF},
                ),
            )

    def _pg_dump(self) -> PgDumpBackup:
        """The nightly logical dump of the application database onto its own volume."""
        config = self.env.backups.pg_dump
        with self._config_path("backups.pg_dump", config):
            return PgDumpBackup(
                self,
                "PgDump",
                PgDumpBackupProps(
                    database=self.pgvector,
                    image=self.image("pgvector"),
                    name="pgvector-backup",
                    part_of=PART_OF,
                    schedule=config.schedule,
                    retention_days=config.retention_days,
                    storage_size=config.storage_size,
                    storage_class_name=self.env.storage_class,
                    claim_labels=self.volume_labels,
                ),
            )

    def _service_monitors(self) -> list[ComponentServiceMonitor]:
        """A ServiceMonitor per metrics endpoint, labelled for the cluster's Prometheus."""
        monitoring = self.env.monitoring
        with self._config_path("monitoring", monitoring):
            return [
                ComponentServiceMonitor(
                    self,
                    f"Monitor-{name}",
                    ComponentServiceMonitorProps(
                        component=self.components[name],
                        port=port,
                        path=path,
                        interval=monitoring.interval,
                        labels=monitoring.service_monitor_labels,
                        # RabbitMQ's per-queue metrics too (a queue without consumers).
                        extra_endpoints=(PER_QUEUE_METRICS,) if isinstance(self.components[name], RabbitMq) else (),
                    ),
                )
                for name, (port, _number, path) in self.metrics_targets().items()
            ]

    def _post_sync_checks(self) -> list[PostSyncCheck]:
        """The plan's phase-4 verification as PostSync hooks: the vector extension exists,
        each Spring service reports UP, the front end answers through its Service."""
        checks = []
        pg_secret = self.secrets["pgvector-credentials"]
        database = self.pgvector.required_endpoint.properties["database"]
        checks.append(
            PostSyncCheckProps(
                name="verify-pgvector",
                image=self.image("pgvector"),
                description=f"the vector extension exists in database {database} on pgvector",
                script=sql_check_script(
                    "SELECT 'vector ' || extversion FROM pg_extension WHERE extname = 'vector'",
                    expect_nonempty_message=f"the vector extension is missing in database {database}",
                ),
                target=self.pgvector,
                env={
                    "PGHOST": self.pgvector.required_endpoint.host,
                    "PGPORT": str(self.pgvector.required_endpoint.main_port),
                    "PGDATABASE": database,
                },
                secret_env={"PGUSER": pg_secret.key("username"), "PGPASSWORD": pg_secret.key("password")},
                part_of=PART_OF,
            )
        )
        for name, component in self.components.items():
            if isinstance(component, SpringService):
                port = component.props.management_port or component.props.port
                url = f"http://{name}:{port}/actuator/health"
                checks.append(
                    PostSyncCheckProps(
                        name=f"verify-{name}",
                        image=self.image(WAIT_IMAGE),
                        description=f"{name} reports UP at {url}",
                        script=http_check_script(url, expect='"status":"UP"'),
                        target=component,
                        part_of=PART_OF,
                    )
                )
            elif isinstance(component, WebFrontend):
                url = f"http://{name}:{component.props.port}{component.props.health_path}"
                checks.append(
                    PostSyncCheckProps(
                        name=f"verify-{name}",
                        image=self.image(WAIT_IMAGE),
                        description=f"{name} answers through its Service at {url}",
                        script=http_check_script(url),
                        target=component,
                        part_of=PART_OF,
                    )
                )
        return [PostSyncCheck(self, f"Check-{props.name}", props) for props in checks]

    def _observed(self) -> Observed:
        """What the alerts and the dashboard watch: the enabled components, the scraped ones, the Jobs."""
        kinds: list[tuple[type, MetricsKind]] = [
            (PgvectorDb, "postgres"),
            (RedisCache, "redis"),
            (RabbitMq, "rabbitmq"),
            (SpringService, "spring"),
        ]
        scraped: dict[str, MetricsKind] = {}
        for name in self.metrics_targets():
            component = self.components[name]
            scraped[name] = next(kind for cls, kind in kinds if isinstance(component, cls))
        return Observed(
            env=self.env,
            scraped=scraped,
            workloads={name: c.workload.kind for name, c in self.components.items() if isinstance(c, Workload)},
            jobs=tuple(check.props.name for check in self.checks),
            cronjobs=(self.pg_dump.props.name,),
        )

    def _alerts(self, observed: Observed) -> PrometheusAlerts | None:
        """The PrometheusRule of the environment; each alert links its page of docs/runbooks/."""
        monitoring = self.env.monitoring
        if not monitoring.alerts.enabled:
            return None
        with self._config_path("monitoring.alerts", monitoring.alerts):
            return PrometheusAlerts(
                self,
                "Alerts",
                PrometheusAlertsProps(
                    name=f"{self.env.namespace}-alerts",
                    groups=tuple(
                        dataclasses.replace(
                            group,
                            rules=tuple(
                                dataclasses.replace(rule, runbook_url=runbook_link(self.env, rule.runbook_page))
                                for rule in group.rules
                            ),
                        )
                        for group in alert_groups(observed)
                    ),
                    labels=monitoring.service_monitor_labels,
                    part_of=PART_OF,
                ),
            )

    def _dashboard(self, observed: Observed) -> GrafanaDashboard | None:
        """The Grafana dashboard of the environment, for the Grafana sidecar."""
        config = self.env.monitoring.dashboard
        if not config.enabled:
            return None
        with self._config_path("monitoring.dashboard", config):
            return GrafanaDashboard(
                self,
                "Dashboard",
                GrafanaDashboardProps(
                    name=f"{self.env.namespace}-dashboard",
                    dashboard=dashboard(observed),
                    sidecar_label=(config.label, config.label_value),
                    folder=config.folder,
                    folder_annotation=config.folder_annotation,
                    part_of=PART_OF,
                ),
            )

    def metrics_targets(self) -> dict[str, tuple[str, int, str]]:
        """Component -> (Service port name, port number, path) Prometheus scrapes: each Spring
        service's actuator, RabbitMQ's own endpoint, and the exporters beside PostgreSQL and
        Redis. The ServiceMonitors and the NetworkPolicy rules admitting Prometheus both
        come from it."""
        targets: dict[str, tuple[str, int, str]] = {}
        for name, component in self.components.items():
            if isinstance(component, SpringService):
                props = component.props
                port = ("management", props.management_port) if props.management_port else ("http", props.port)
                if component.metrics_path is not None:
                    targets[name] = (port[0], port[1], component.metrics_path)
            elif isinstance(component, RabbitMq):
                targets[name] = ("prometheus", component.endpoint.port("prometheus"), "/metrics")
            elif (
                isinstance(component, (PgvectorDb, RedisCache))
                and component.metrics_port is not None
                and component.metrics_path is not None
            ):
                # The exporter sidecar's port (monitoring.exporters).
                targets[name] = (METRICS_PORT, component.metrics_port, component.metrics_path)
        return targets

    def _network_policies(self) -> GraphNetworkPolicies:
        """Default deny, DNS, the graph's edges, the ingress controller to what the Ingress
        routes to, Prometheus to metrics ports, and each service's egress to the collector."""
        network, telemetry = self.env.network, self.env.telemetry
        inbound: dict[str, list[ExternalPeer]] = {}
        controller = self.env.ingress
        for route in self.ingress.props.routes:
            inbound.setdefault(route.target.name, []).append(
                ExternalPeer(
                    namespace=controller.controller_namespace,
                    pod_labels=controller.controller_pod_labels,
                    ports=(route.port_number,),
                )
            )
        monitoring = self.env.monitoring
        for name, (_port, number, _path) in self.metrics_targets().items():
            inbound.setdefault(name, []).append(
                ExternalPeer(
                    namespace=monitoring.namespace, pod_labels=monitoring.prometheus_pod_labels, ports=(number,)
                )
            )
        egress: dict[str, tuple[ExternalPeer, ...]] = {}
        if telemetry.mode != "off":
            port = urlsplit(telemetry.endpoint).port or (4317 if telemetry.protocol == "grpc" else 4318)
            collector = ExternalPeer(
                namespace=network.collector_namespace, pod_labels=network.collector_pod_labels, ports=(port,)
            )
            egress = {
                name: (collector,)
                for name, c in self.components.items()
                if isinstance(c, Workload) and c.spec.telemetry is not None and c.spec.telemetry.mode != "off"
            }
        with self._config_path("network.egress", network):
            for name, rules in network.egress.items():
                if name not in self.env.components.by_name():
                    raise ValueError(f"names {name!r}, which is not a component; known: {', '.join(self.components)}")
                if name not in self.components:
                    continue  # disabled: everything derived from it goes with it
                egress[name] = (
                    *egress.get(name, ()),
                    *(
                        ExternalPeer(
                            namespace=rule.namespace,
                            pod_labels=rule.pod_labels,
                            cidr=rule.cidr,
                            ports=rule.ports,
                            protocols=(rule.protocol,),
                        )
                        for rule in rules
                    ),
                )
        with self._config_path("network", network):
            # Every component of the chart (services, the dump, the checks) is a graph node.
            return self.add_network_policies(
                dns=ExternalPeer(
                    namespace=network.dns_namespace,
                    pod_labels=network.dns_pod_labels,
                    ports=(53,),
                    protocols=("UDP", "TCP"),
                ),
                egress=egress,
                ingress={name: _distinct(peers) for name, peers in inbound.items()},
            )

    def _pull_secret_format(self) -> dict[str, Any]:
        host = self.env.registry.vendor_host
        return {
            "secret_type": "kubernetes.io/dockerconfigjson",
            "template_data": {".dockerconfigjson": _DOCKERCONFIG_TEMPLATE % host},
        }

    @contextmanager
    def _config_path(self, path: str, config: Any) -> Iterator[None]:
        """Report a props validation error against the environment field it came from.

        A message that starts with a key of the component's settings (``replicas must be
        1 ...``) is reported at that key.
        """
        try:
            yield
        except ConfigError:
            raise
        except AgentEnvRefused as err:
            raise ConfigError(
                self._source,
                path,
                f"variable {err.variable} reads a credential from the Vault Agent (secrets.provider vault-agent) and "
                f"the image's entrypoint is not known: add secrets.vault_agent.entrypoints.{err.workload} "
                f"(entrypoint and command of its image) or set kubernetes_version: v1.35 (env files; it is "
                f"{err.kubernetes_version})",
            ) from err
        except ValueError as err:
            message = str(err)
            first = message.split(" ", 1)[0].split(".", 1)[0]
            if first.rstrip(":") in getattr(type(config), "model_fields", {}) and " " in message:
                path = f"{path}.{message.split(' ', 1)[0].rstrip(':')}"
                message = message.split(" ", 1)[1]
            raise ConfigError(self._source, path, message) from err


def _job_name(env: EnvironmentConfig, task: str) -> str:
    """A cluster-wide unique Longhorn job name: every RecurringJob lives in Longhorn's namespace."""
    return f"{env.namespace}-{task}"


def _distinct(peers: list[ExternalPeer]) -> tuple[ExternalPeer, ...]:
    """The peers without repeats (two routes to the same port open it once)."""
    seen: dict[tuple[object, ...], ExternalPeer] = {}
    for peer in peers:
        seen.setdefault((peer.namespace, tuple(sorted(peer.pod_labels.items())), peer.ports, peer.protocols), peer)
    return tuple(seen.values())


def _given(props: dict[str, Any], config: Any, keys: tuple[str, ...]) -> None:
    """Copy the settings the environment file sets; unset ones keep the construct default."""
    for key in keys:
        value = getattr(config, key)
        if isinstance(value, ResourcesConfig):
            value = value.to_resources()
        elif key == "tolerations" and value is not None:
            value = tuple(toleration.to_toleration() for toleration in value)
        if value is not None:
            props[key] = value


def _secret_store(env: EnvironmentConfig) -> SecretStore:
    """The port's secret store; under vault-agent the entrypoints of the environment file's
    components keyed by the repository their image is pulled from."""
    store = env.secrets.to_secret_store()
    agent = store.vault_agent
    if agent is None or not agent.entrypoints:
        return store
    unknown = sorted(set(agent.entrypoints) - set(env.images))
    if unknown:
        raise ValueError(
            f"secrets.vault_agent.entrypoints: {', '.join(unknown)} has no row in images; name components by their image"
        )
    by_image = {image_ref(env, name).split("@", 1)[0].rsplit(":", 1)[0]: e for name, e in agent.entrypoints.items()}
    return dataclasses.replace(store, vault_agent=dataclasses.replace(agent, entrypoints=by_image))
