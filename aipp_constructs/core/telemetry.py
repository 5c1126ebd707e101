"""OpenTelemetry wiring of an application pod, without deploying a collector.

Two ways, chosen per environment:

* ``env``: the pod gets the standard ``OTEL_*`` variables, read by an OpenTelemetry agent
  or SDK that is part of the image (the Java agent 2.x defaults to ``http/protobuf`` on
  port 4318, which is why that is the default here);
* ``operator``: the OpenTelemetry Operator injects its agent and variables; the pod only
  carries the ``instrumentation.opentelemetry.io/inject-<language>`` annotation;
* ``off``: neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Telemetry"]

_OTLP_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?")
_ATTRIBUTE = re.compile(r"[A-Za-z0-9_.]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class Telemetry:
    """How a workload reports traces and metrics.

    Attributes:
        mode: ``"env"``, ``"operator"`` or ``"off"``. Defaults to ``"env"``.
        endpoint: OTLP endpoint of the cluster's collector. Defaults to
            ``"http://opentelemetry-collector.observability.svc:4318"``.
        protocol: ``OTEL_EXPORTER_OTLP_PROTOCOL``. Defaults to ``"http/protobuf"``.
        instrumentation: Value of the operator's inject annotation: ``"true"`` (the
            namespace's one ``Instrumentation``) or ``"<namespace>/<name>"``. Defaults to ``"true"``.
        resource_attributes: Extra ``OTEL_RESOURCE_ATTRIBUTES`` (e.g.
            ``deployment.environment.name``). Defaults to none.
        logs_exporter: ``OTEL_LOGS_EXPORTER``. Defaults to ``"none"``: the cluster's Loki
            already collects stdout, so exporting logs too would store them twice.

    See: https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
    """

    mode: Literal["env", "operator", "off"] = "env"
    endpoint: str = "http://opentelemetry-collector.observability.svc:4318"
    protocol: Literal["http/protobuf", "grpc"] = "http/protobuf"
    instrumentation: str = "true"
    resource_attributes: Mapping[str, str] = field(default_factory=dict)
    logs_exporter: str = "none"

    def __post_init__(self) -> None:
        if self.mode not in ("env", "operator", "off"):
            raise ValueError(f"telemetry.mode must be 'env', 'operator' or 'off', got {self.mode!r}")
        if not _OTLP_ENDPOINT.fullmatch(self.endpoint):
            raise ValueError(
                f"telemetry.endpoint must be an http(s) URL like 'http://collector.observability.svc:4318', "
                f"got {self.endpoint!r}"
            )
        for key, value in self.resource_attributes.items():
            if not _ATTRIBUTE.fullmatch(key) or not value or any(c in value for c in ",= "):
                raise ValueError(
                    f"telemetry.resource_attributes must map names like 'deployment.environment.name' "
                    f"to values without ',', '=' or spaces, got {key!r}: {value!r}"
                )

    def env(self, *, service_name: str, service_namespace: str | None, version: str) -> list[tuple[str, str]]:
        """The ``OTEL_*`` variables of ``mode: env`` (empty otherwise).

        ``OTEL_RESOURCE_ATTRIBUTES`` refers to ``$(K8S_POD_NAME)`` and
        ``$(K8S_NAMESPACE_NAME)``, which the pod must define first from the downward API.
        """
        if self.mode != "env":
            return []
        attributes = {
            **({"service.namespace": service_namespace} if service_namespace else {}),
            "service.version": version,
            **self.resource_attributes,
            "k8s.namespace.name": "$(K8S_NAMESPACE_NAME)",
            "k8s.pod.name": "$(K8S_POD_NAME)",
        }
        return [
            ("OTEL_SERVICE_NAME", service_name),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", self.endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", self.protocol),
            ("OTEL_RESOURCE_ATTRIBUTES", ",".join(f"{k}={v}" for k, v in attributes.items())),
            ("OTEL_LOGS_EXPORTER", self.logs_exporter),
        ]

    def pod_annotations(self, language: str) -> dict[str, str]:
        """The operator's inject annotation for ``language`` (``java``, ``nodejs``, ``python``...)."""
        if self.mode != "operator":
            return {}
        return {f"instrumentation.opentelemetry.io/inject-{language}": self.instrumentation}
