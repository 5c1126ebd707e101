"""``SpringService``: a Spring Boot application as a Deployment and a Service.

A preset over :class:`~aipp_constructs.workloads.workload.Workload`: a ``Deployment`` and a client
``Service`` ``<name>`` (plus ``<name>-files`` when config files are given), with what every
workload has (start-up waits, wiring, telemetry, hardening).

Spring-specific choices:

* probes on the actuator health groups ``/actuator/health/liveness`` and
  ``/actuator/health/readiness`` (enabled with ``MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED``),
  on the management port when it is separate;
* a startup probe with a long budget (default 10 minutes): Liquibase holds
  ``DATABASECHANGELOGLOCK`` while it migrates, and a pod killed mid-migration leaves the
  lock behind, so every later pod waits forever. The startup probe, not liveness, carries
  that budget;
* the JVM sized to the container: ``JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=<n>``;
* graceful shutdown: a ``preStop`` pause (endpoints are removed before the JVM stops
  accepting requests), ``SERVER_SHUTDOWN=graceful`` and a grace period that covers both;
* the Prometheus endpoint ``/actuator/prometheus`` exposed over HTTP only when asked for
  (``metrics``), which is when a ServiceMonitor scrapes it; otherwise the web exposure is
  ``health`` alone, whatever the image's own configuration says;
* a singleton (a service that runs scheduled jobs) is refused more than one replica unless
  it is declared leader-elected.

Image facts it relies on: a JVM honouring ``JAVA_TOOL_OPTIONS``, Spring Boot 2.3+ actuator,
``sleep`` on the ``PATH`` (for ``preStop`` on clusters before v1.30), and nothing written outside ``/tmp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constructs import Construct

from aipp_constructs.core._validation import check_kubernetes_version, check_port
from aipp_constructs.core.references import Endpoint
from aipp_constructs.core.wiring import SPRING_BOOT_WIRING, Wiring
from aipp_constructs.presets._app import AppProps, workload_props
from aipp_constructs.workloads.workload import HttpCheck, Port, Probe, Probes, Workload

__all__ = ["METRICS_PATH", "SpringService", "SpringServiceProps"]

_LIVENESS = "/actuator/health/liveness"
_READINESS = "/actuator/health/readiness"
#: Where Spring Boot's actuator serves Prometheus metrics (``micrometer-registry-prometheus``).
METRICS_PATH = "/actuator/prometheus"


@dataclass(frozen=True, kw_only=True, slots=True)
class SpringServiceProps(AppProps):
    """Props of :class:`SpringService`; the shared ones are documented on :class:`AppProps`.

    Attributes:
        wiring: Defaults to :data:`~aipp_constructs.core.wiring.SPRING_BOOT_WIRING`
            (``SPRING_DATASOURCE_URL``, ``SPRING_DATA_REDIS_HOST``, ``SPRING_RABBITMQ_HOST``...).
        management_port: Actuator port when it differs from ``port``
            (``MANAGEMENT_SERVER_PORT``). Defaults to ``None``: the actuator is on ``port``.
        startup_timeout_seconds: Startup budget, long enough for database migrations.
            Defaults to ``600``.
        max_ram_percentage: Heap share of the memory limit (``-XX:MaxRAMPercentage``).
            Defaults to ``75``.
        java_options: Further JVM options appended to ``JAVA_TOOL_OPTIONS``. Defaults to none.
        pre_stop_seconds: Pause before the JVM gets SIGTERM, while endpoints drain; 0 disables
            the ``preStop`` hook. The native ``sleep`` action on Kubernetes v1.30 and later
            (``kubernetes_version``, by default the port's), else ``sleep`` in the container.
            Defaults to ``10``.
        kubernetes_version: The cluster's Kubernetes version, e.g. ``"v1.30"``. Defaults to the
            port's (inside a PortChart), else ``"v1.27"``.
        shutdown_timeout_seconds: Time Spring may take to finish in-flight requests
            (``SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE``). Defaults to ``30``.
        singleton: The service must not run twice (it runs scheduled jobs). Defaults to ``False``.
        leader_elected: The service takes a leader lock, so a singleton may have more than
            one replica. Defaults to ``False``.
        metrics: Expose ``/actuator/prometheus`` (``MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=
            health,prometheus``); set it exactly when a ServiceMonitor scrapes the service (the
            image needs ``micrometer-registry-prometheus``). Defaults to ``False``: the exposure is
            ``health`` only, so no metrics are served to whoever can reach the port.

    See: https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes
    """

    wiring: Wiring = field(default_factory=lambda: SPRING_BOOT_WIRING)
    management_port: int | None = None
    startup_timeout_seconds: int = 600
    max_ram_percentage: int = 75
    java_options: str = ""
    pre_stop_seconds: int = 10
    kubernetes_version: str | None = None
    shutdown_timeout_seconds: int = 30
    singleton: bool = False
    leader_elected: bool = False
    metrics: bool = False

    def __post_init__(self) -> None:
        AppProps.__post_init__(self)
        if self.management_port is not None:
            check_port("management_port", self.management_port)
            if self.management_port == self.port:
                raise ValueError(
                    f"management_port must differ from port, got {self.management_port!r} for both; "
                    "leave management_port unset to serve the actuator on port"
                )
        if (
            isinstance(self.max_ram_percentage, bool)
            or not isinstance(self.max_ram_percentage, int)
            or not (10 <= self.max_ram_percentage <= 90)
        ):
            raise ValueError(
                f"max_ram_percentage must be an integer from 10 to 90, got {self.max_ram_percentage!r}; "
                "the rest of the limit is for metaspace, threads and buffers"
            )
        if "MaxRAMPercentage" in self.java_options or "-Xmx" in self.java_options:
            raise ValueError(
                f"java_options must not size the heap, got {self.java_options!r}; set max_ram_percentage instead"
            )
        for name in ("pre_stop_seconds", "shutdown_timeout_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 300:
                raise ValueError(f"{name} must be an integer from 0 to 300, got {value!r}")
        if self.kubernetes_version is not None:
            check_kubernetes_version("kubernetes_version", self.kubernetes_version)
        if not isinstance(self.metrics, bool):
            raise ValueError(f"metrics must be True or False, got {self.metrics!r}")
        if self.singleton and self.replicas > 1 and not self.leader_elected:
            raise ValueError(
                f"replicas must be 1 for {self.name}, which runs scheduled jobs that must not run twice, "
                f"got {self.replicas}; set leader_elected only if the service takes a leader lock"
            )


class SpringService(Workload):
    """A Spring Boot service; see the module documentation.

    Attributes:
        props: The :class:`SpringServiceProps` it was built with.
        endpoint: Host ``<name>``, ports ``http`` (and ``management``), protocol ``http``, fact ``url``.
        metrics_path: :data:`METRICS_PATH` when ``metrics`` is set, else ``None``; a
            ``ComponentServiceMonitor`` refuses to scrape a path the service does not serve.
    """

    #: Never ``None`` (the preset always serves its ``http`` port), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: SpringServiceProps) -> None:
        ports = [Port(name="http", number=props.port)]
        probe_port = "http"
        base_env = {"SERVER_PORT": str(props.port), "MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED": "true"}
        if props.management_port is not None:
            ports.append(Port(name="management", number=props.management_port))
            probe_port = "management"
            base_env["MANAGEMENT_SERVER_PORT"] = str(props.management_port)
        base_env |= {
            "JAVA_TOOL_OPTIONS": f"-XX:MaxRAMPercentage={props.max_ram_percentage} {props.java_options}".strip(),
            "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE": "health,prometheus" if props.metrics else "health",
            "SERVER_SHUTDOWN": "graceful",
            "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE": f"{props.shutdown_timeout_seconds}s",
        }
        if props.config_files:
            base_env["SPRING_CONFIG_ADDITIONAL_LOCATION"] = f"optional:file:{props.config_dir}/"
        liveness = HttpCheck(path=_LIVENESS, port=probe_port)
        super().__init__(
            scope,
            id,
            workload_props(
                props,
                component_label="backend",
                telemetry_language="java",
                ports=tuple(ports),
                base_env=base_env,
                probes=Probes(
                    startup=Probe(check=liveness, failure_threshold=None),
                    readiness=Probe(check=HttpCheck(path=_READINESS, port=probe_port)),
                    # Liveness must not include database or broker checks (Spring keeps them
                    # out of the liveness group): a database outage would restart every pod.
                    liveness=Probe(check=liveness, failure_threshold=6),
                ),
                pre_stop_sleep_seconds=props.pre_stop_seconds,
                kubernetes_version=props.kubernetes_version,
                # A singleton must never run twice, not even for the length of a rollout.
                strategy="Recreate" if props.singleton and not props.leader_elected else "RollingUpdate",
                termination_grace_period_seconds=props.pre_stop_seconds + props.shutdown_timeout_seconds + 5,
                # Unchanged behaviour: of the presets, only WebFrontend sets a disruption budget.
                disruption_budget=False,
                # Secrets provider vault-agent: the credentials as an imported properties file.
                agent_env="spring-properties",
            ),
        )
        self.props: SpringServiceProps = props
        self.metrics_path = METRICS_PATH if props.metrics else None
