"""``ComponentServiceMonitor``: Prometheus scrapes one named port of a component's client Service.

Creates one ``ServiceMonitor`` (``monitoring.coreos.com/v1``) for the Prometheus Operator
(e.g. kube-prometheus-stack), named after the component, in the component's sync wave and with
``SkipDryRunOnMissingResource`` (ArgoCD's dry run must not fail while the CRD is missing). It
selects the component's Services by its selector labels in the namespace of the component's
chart, and scrapes one named port over HTTP.

Two facts about the Prometheus Operator to keep in mind:

* A Prometheus only reads the ServiceMonitors its ``serviceMonitorSelector`` matches. The
  kube-prometheus-stack chart selects ``release: <helm release name>`` by default and silently
  ignores every other ServiceMonitor: pass that label in ``labels``.
* A ServiceMonitor selects Services by label, and a StatefulSet's headless Service carries the
  same labels as the client Service. The endpoint therefore keeps only targets of the client
  Service (``__meta_kubernetes_service_name``), so a port present on both is scraped once.

See: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdk8s import ApiObject, Chart
from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import LABEL_KEY, check_dns_label
from aipp_constructs.core.component import (
    SKIP_DRY_RUN_ON_MISSING_RESOURCE,
    SYNC_WAVE_ANNOTATION,
    Component,
    require_components,
)
from aipp_constructs.core.references import check_label_value

__all__ = ["ComponentServiceMonitor", "ComponentServiceMonitorProps", "MetricsEndpoint", "prometheus_duration_ms"]

# Prometheus duration (model.ParseDuration), units from largest to smallest, each at most once.
_DURATION = re.compile(
    r"^(?:(?P<y>[0-9]+)y)?(?:(?P<w>[0-9]+)w)?(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?"
    r"(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?(?:(?P<ms>[0-9]+)ms)?$"
)
_DAY_MS = 86_400_000
_UNIT_MS = {"y": 365 * _DAY_MS, "w": 7 * _DAY_MS, "d": _DAY_MS, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_PATH = re.compile(r"^/[A-Za-z0-9/._~%!$&'()*+,;=:@-]*$")
_LABEL_KEY = LABEL_KEY


_UNDECLARED = object()


def prometheus_duration_ms(value: str) -> int | None:
    """Milliseconds in a Prometheus duration such as ``"30s"`` or ``"1m30s"``; None if malformed."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) and value.isascii() else None
    if not match or not value:
        return None
    return sum(int(amount) * _UNIT_MS[unit] for unit, amount in match.groupdict().items() if amount)


@dataclass(frozen=True, kw_only=True, slots=True)
class MetricsEndpoint:
    """A further metrics path on the same port, with URL parameters (a ServiceMonitor endpoint's
    ``params``), e.g. RabbitMQ's per-queue ``/metrics/detailed?family=queue_coarse_metrics``.

    Attributes:
        path: HTTP path. Required.
        params: URL parameter -> its values (a parameter may repeat). Defaults to none.
    """

    path: str
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not _PATH.fullmatch(self.path):
            raise ValueError(f"path must be an absolute URL path like '/metrics/detailed', got {self.path!r}")
        for key, values in self.params.items():
            if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
                raise ValueError(f"params keys must be URL parameter names ([A-Za-z0-9_.-]), got {key!r}")
            if not isinstance(values, tuple) or not values or not all(isinstance(v, str) and v for v in values):
                raise ValueError(f"params[{key!r}] must be a non-empty tuple of strings, got {values!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class ComponentServiceMonitorProps:
    """Props of :class:`ComponentServiceMonitor`.

    Attributes:
        component: The component to scrape; it must have a client Service (``.service``), as
            ``RabbitMq``, ``PgvectorDb``, ``RedisCache`` and the application tier do. Required.
        port: Name of the Service port serving metrics, e.g. ``"prometheus"`` on ``RabbitMq``
            or ``"management"`` on a ``SpringService`` with a separate actuator port. Required.
        path: HTTP path of the metrics, e.g. ``"/actuator/prometheus"`` for Spring Boot.
            Defaults to the component's ``metrics_path`` when it has one (``SpringService``
            with ``metrics=True``), else ``"/metrics"``. A component whose ``metrics_path`` is
            ``None`` serves no metrics and is refused.
        interval: Scrape interval, a Prometheus duration. Defaults to ``"30s"``.
        scrape_timeout: Scrape timeout, a Prometheus duration not longer than ``interval``.
            Defaults to ``None``: Prometheus' global timeout (capped at the interval).
        labels: Extra labels of the ServiceMonitor, above all the one the cluster's Prometheus
            selects monitors by (kube-prometheus-stack: ``release: <helm release>``; monitors
            without it are silently ignored). Added to the component labels, none of which
            it may change. Defaults to none.
        name: Name of the ServiceMonitor. Defaults to ``None``: the component name.
        extra_endpoints: Further paths scraped on the same port, with the same interval and
            timeout (:class:`MetricsEndpoint`). Defaults to none.
    """

    component: Component
    port: str
    path: str | None = None
    interval: str = "30s"
    scrape_timeout: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    extra_endpoints: tuple[MetricsEndpoint, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.component, Construct):
            require_components("component", self.component)  # a kplus workload: name the adapter
        if not isinstance(self.component, Component):
            raise ValueError(f"component must be a Component, got {self.component!r}")
        service = getattr(self.component, "service", None)
        if not isinstance(service, ApiObject) or service.kind != "Service":
            raise ValueError(
                f"component must have a client Service (.service), got {self.component.node.path!r} "
                f"({type(self.component).__name__}) without one; monitor a component that serves"
            )
        ports = _port_names(service)
        if self.port not in ports:
            raise ValueError(
                f"port must name a port of Service {self.component.name!r}, got {self.port!r}; known: {ports}"
            )
        served = getattr(self.component, "metrics_path", _UNDECLARED)
        if served is None:
            raise ValueError(
                f"component {self.component.name!r} serves no metrics (its metrics_path is None); "
                "turn them on in its props (SpringService: metrics=True) or do not monitor it"
            )
        if self.path is None:
            object.__setattr__(self, "path", "/metrics" if served is _UNDECLARED else served)
        elif served is not _UNDECLARED and self.path != served:
            raise ValueError(
                f"path must be the component's metrics path {served!r}, got {self.path!r}; leave path unset"
            )
        if not isinstance(self.path, str) or not _PATH.fullmatch(self.path):
            raise ValueError(
                f"path must be an absolute URL path like '/metrics' (no query, no spaces), got {self.path!r}"
            )
        interval = prometheus_duration_ms(self.interval)
        if not interval:
            raise ValueError(
                f"interval must be a non-zero Prometheus duration like '30s' or '1m30s', got {self.interval!r}"
            )
        if self.scrape_timeout is not None:
            timeout = prometheus_duration_ms(self.scrape_timeout)
            if not timeout:
                raise ValueError(
                    f"scrape_timeout must be a non-zero Prometheus duration like '10s', got {self.scrape_timeout!r}"
                )
            if timeout > interval:
                raise ValueError(
                    f"scrape_timeout must not be longer than interval, got {self.scrape_timeout!r} > "
                    f"{self.interval!r}; the Prometheus Operator refuses the monitor otherwise"
                )
        for key, value in self.labels.items():
            if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key):
                raise ValueError(f"labels keys must be label keys like 'release', got {key!r}")
            check_label_value(f"labels[{key!r}]", value)
            own = self.component.labels.get(key)
            if own is not None and own != value:
                raise ValueError(
                    f"labels must not change the component label {key!r} ({own!r}), got {value!r}; leave it out"
                )
        if self.name is not None:
            check_dns_label("name", self.name)
        if not all(isinstance(e, MetricsEndpoint) for e in self.extra_endpoints):
            raise ValueError(f"extra_endpoints must be MetricsEndpoint values, got {self.extra_endpoints!r}")
        paths = [self.path, *(e.path for e in self.extra_endpoints)]
        if len(set(paths)) != len(paths):
            raise ValueError(f"extra_endpoints must not repeat a path, got {paths}")


class ComponentServiceMonitor(Construct):
    """A Prometheus Operator ServiceMonitor for one component's client Service.

    Attributes:
        name: Name of the ServiceMonitor.
        resource: The ``ServiceMonitor`` object.
    """

    def __init__(self, scope: Construct, id: str, props: ComponentServiceMonitorProps) -> None:
        super().__init__(scope, id)
        component = props.component
        self.name = props.name or component.name
        service_name = component.service.name  # type: ignore[attr-defined]
        # The Services are in the component's chart, which need not be this monitor's chart.
        namespace = Chart.of(component).namespace
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": {
                    "name": self.name,
                    "labels": {**component.labels, **props.labels},
                    "annotations": {SYNC_WAVE_ANNOTATION: str(component.wave), **SKIP_DRY_RUN_ON_MISSING_RESOURCE},
                },
                "spec": {
                    "selector": {"matchLabels": dict(component.selector_labels)},
                    # Without a namespace the monitor and the Services land in the same
                    # (Application) namespace, which is what an absent namespaceSelector selects.
                    "namespaceSelector": {"matchNames": [namespace]} if namespace else None,
                    "endpoints": [
                        {
                            "port": props.port,
                            "path": endpoint.path,
                            "params": {key: list(values) for key, values in endpoint.params.items()} or None,
                            "interval": props.interval,
                            "scrapeTimeout": props.scrape_timeout,
                            "scheme": "http",
                            "relabelings": [
                                # Not the headless Service, which has the same labels.
                                {
                                    "action": "keep",
                                    "sourceLabels": ["__meta_kubernetes_service_name"],
                                    "regex": service_name,  # a DNS label: no regex metacharacters
                                }
                            ],
                        }
                        for endpoint in (MetricsEndpoint(path=props.path or "/metrics"), *props.extra_endpoints)
                    ],
                },
            },
        )


def _port_names(service: ApiObject) -> list[str]:
    """Names of the ports of a Service, read back from its manifest."""
    manifest: dict[str, Any] = service.to_json()
    return [port.get("name", "") for port in manifest.get("spec", {}).get("ports", [])]
