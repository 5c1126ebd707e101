"""``PrometheusAlerts``: alerting rules for the Prometheus Operator, as one ``PrometheusRule``.

Creates one ``PrometheusRule`` (``monitoring.coreos.com/v1``) holding one rule group per
:class:`AlertGroup`, in sync wave 0 with ``SkipDryRunOnMissingResource`` (ArgoCD's dry run
must not fail while the CRD is missing). Every alert carries a ``severity`` label and a
``summary`` annotation, and, when given, a ``runbook_url`` (the annotation Alertmanager
templates and kube-prometheus-stack's own rules use): the rule's own, or
``<runbook_base_url>/runbooks/<page>/`` from the props' ``runbook_base_url``, where the page is the
alert's name in lowercase words joined by dashes (``PostgresDown`` -> ``postgres-down``, see
:attr:`AlertRule.runbook_page`): the address MkDocs gives ``docs/runbooks/postgres-down.md``.

A Prometheus only loads the rules its ``ruleSelector`` matches: kube-prometheus-stack selects
``release: <helm release name>`` by default and silently ignores every other PrometheusRule;
pass that label in ``labels``.

The expressions are not parsed here: ``promtool check rules`` is the authority (the test suite
runs it over the synthesized rules, and ``promtool test rules`` with series per alert).

See: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import LABEL_KEY, check_dns_label, check_dns_subdomain
from aipp_constructs.core.component import SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVE_ANNOTATION, port_default
from aipp_constructs.core.references import check_label_value
from aipp_constructs.observability.service_monitor import prometheus_duration_ms

__all__ = ["AlertGroup", "AlertRule", "PrometheusAlerts", "PrometheusAlertsProps", "Severity"]

Severity = Literal["critical", "warning", "info"]
_SEVERITIES = ("critical", "warning", "info")
# Prometheus label names (and alert names): [a-zA-Z_][a-zA-Z0-9_]*.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED_LABELS = ("severity", "alertname")


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertRule:
    """One alerting rule.

    Attributes:
        alert: Alert name, CamelCase by convention (``PostgresDown``). Required.
        expr: PromQL expression; every series it returns is one firing alert. Required.
        summary: One line naming the component and what is wrong; may use Prometheus
            templating (``{{ $labels.pod }}``, ``{{ $value }}``). Required.
        severity: ``critical`` (page), ``warning`` or ``info``. Defaults to ``"warning"``.
        for_: How long the expression must hold before the alert fires (``for``), a
            Prometheus duration. Defaults to ``"5m"``.
        description: Longer text: what it means and what to do first. Defaults to none.
        runbook_url: Where the runbook is (``runbook_url`` annotation). Defaults to none: the
            page under the props' ``runbook_base_url`` when that is given, else no annotation.
        labels: Further labels of the alert (routing). Defaults to none.
    """

    alert: str
    expr: str
    summary: str
    severity: Severity = "warning"
    for_: str = "5m"
    description: str | None = None
    runbook_url: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.alert, str) or not _NAME.fullmatch(self.alert):
            raise ValueError(
                f"alert must be a Prometheus name ([A-Za-z_][A-Za-z0-9_]*) like 'PostgresDown', got {self.alert!r}"
            )
        if not isinstance(self.expr, str) or not self.expr.strip():
            raise ValueError(f"{self.alert}: expr must be a PromQL expression, got {self.expr!r}")
        if not isinstance(self.summary, str) or not self.summary.strip() or "\n" in self.summary:
            raise ValueError(f"{self.alert}: summary must be one non-empty line, got {self.summary!r}")
        if self.severity not in _SEVERITIES:
            raise ValueError(f"{self.alert}: severity must be one of {', '.join(_SEVERITIES)}, got {self.severity!r}")
        if prometheus_duration_ms(self.for_) is None:
            raise ValueError(f"{self.alert}: for_ must be a Prometheus duration like '5m' or '0s', got {self.for_!r}")
        if self.runbook_url is not None and not re.fullmatch(r"https?://\S+", self.runbook_url):
            raise ValueError(f"{self.alert}: runbook_url must be an http(s) URL, got {self.runbook_url!r}")
        for key, value in self.labels.items():
            if not isinstance(key, str) or not _NAME.fullmatch(key) or key in _RESERVED_LABELS:
                raise ValueError(
                    f"{self.alert}: labels keys must be Prometheus label names other than "
                    f"{', '.join(_RESERVED_LABELS)}, got {key!r}"
                )
            if not isinstance(value, str):
                raise ValueError(f"{self.alert}: labels[{key!r}] must be a string, got {value!r}")

    @property
    def runbook_page(self) -> str:
        """The name of the alert's runbook page: its name in lowercase words joined by dashes
        (``PostgresConnectionsNearLimit`` -> ``postgres-connections-near-limit``)."""
        return runbook_page(self.alert)


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertGroup:
    """A rule group: rules evaluated together, at one interval.

    Attributes:
        name: Group name, unique in the PrometheusRule (``aipp.postgresql``). Required.
        rules: The alerts, at least one, names unique in the group. Required.
        interval: Evaluation interval, a Prometheus duration. Defaults to ``None``: the
            Prometheus global ``evaluation_interval``.
    """

    name: str
    rules: tuple[AlertRule, ...]
    interval: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9][-A-Za-z0-9_.:]*", self.name):
            raise ValueError(f"name must be a rule group name like 'aipp.postgresql', got {self.name!r}")
        if not self.rules or not all(isinstance(rule, AlertRule) for rule in self.rules):
            raise ValueError(f"group {self.name}: rules must be a non-empty tuple of AlertRule, got {self.rules!r}")
        names = [rule.alert for rule in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"group {self.name}: alert names must be unique in a group, got {repeated} twice")
        if self.interval is not None and not prometheus_duration_ms(self.interval):
            raise ValueError(
                f"group {self.name}: interval must be a non-zero Prometheus duration like '1m', got {self.interval!r}"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class PrometheusAlertsProps:
    """Props of :class:`PrometheusAlerts`.

    Attributes:
        name: Name of the PrometheusRule. Required.
        groups: The rule groups, at least one, names unique. Required.
        labels: Labels of the PrometheusRule, above all the one the cluster's Prometheus
            selects rules by (kube-prometheus-stack: ``release: <helm release>``; rules without
            it are silently ignored). Defaults to none.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's
            (``PortDefaults.part_of`` inside a :class:`~aipp_constructs.PortChart`), else none.
        wave: ArgoCD sync wave. Defaults to ``0``.
        runbook_base_url: Address of the documentation site whose ``runbooks/<page>/`` holds
            a page per alert (``https://docs.example.com/my-port``, no trailing slash); every
            alert without its own ``runbook_url`` links ``<runbook_base_url>/runbooks/<page>/``
            (:attr:`AlertRule.runbook_page`). Defaults to none: only the rules' own.
    """

    name: str
    groups: tuple[AlertGroup, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    part_of: str | None = None
    wave: int = 0
    runbook_base_url: str | None = None

    def __post_init__(self) -> None:
        check_dns_subdomain("name", self.name)
        if not self.groups or not all(isinstance(group, AlertGroup) for group in self.groups):
            raise ValueError(f"groups must be a non-empty tuple of AlertGroup, got {self.groups!r}")
        names = [group.name for group in self.groups]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"groups must have unique names, got {repeated} twice")
        for key, value in self.labels.items():
            if not isinstance(key, str) or not LABEL_KEY.fullmatch(key):
                raise ValueError(f"labels keys must be label keys like 'release', got {key!r}")
            check_label_value(f"labels[{key!r}]", value)
        if self.part_of is not None:
            check_dns_label("part_of", self.part_of)
        if isinstance(self.wave, bool) or not isinstance(self.wave, int):
            raise ValueError(f"wave must be an integer, got {self.wave!r}")
        if self.runbook_base_url is not None and not re.fullmatch(r"https?://[^\s#?]*[^\s#?/]", self.runbook_base_url):
            raise ValueError(
                "runbook_base_url must be an http(s) URL without a trailing slash, '#' or '?' like "
                f"'https://docs.example.com/my-port', got {self.runbook_base_url!r}"
            )


class PrometheusAlerts(Construct):
    """One ``PrometheusRule`` of alerting rules; see the module documentation.

    Attributes:
        name: Name of the PrometheusRule.
        resource: The ``PrometheusRule`` object.
        alerts: Every alert, in order.
    """

    def __init__(self, scope: Construct, id: str, props: PrometheusAlertsProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        part_of: str | None = props.part_of or port_default(self, "part_of")
        self.alerts: tuple[AlertRule, ...] = tuple(rule for group in props.groups for rule in group.rules)
        labels = {
            "app.kubernetes.io/name": props.name,
            "app.kubernetes.io/component": "alerts",
            **({"app.kubernetes.io/part-of": part_of} if part_of else {}),
            **props.labels,
        }
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PrometheusRule",
                "metadata": {
                    "name": props.name,
                    "labels": labels,
                    "annotations": {SYNC_WAVE_ANNOTATION: str(props.wave), **SKIP_DRY_RUN_ON_MISSING_RESOURCE},
                },
                "spec": {"groups": [_group(group, props.runbook_base_url) for group in props.groups]},
            },
        )


def runbook_page(alert: str) -> str:
    """The runbook page of an alert: its name in lowercase words joined by dashes
    (``SpringHttp5xx`` -> ``spring-http5xx``, ``TargetDown`` -> ``target-down``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", alert).replace("_", "-").lower()


def _group(group: AlertGroup, runbook_base_url: str | None) -> dict[str, object]:
    return {
        "name": group.name,
        "interval": group.interval,
        "rules": [_rule(rule, runbook_base_url) for rule in group.rules],
    }


def _rule(rule: AlertRule, runbook_base_url: str | None) -> dict[str, object]:
    runbook_url = rule.runbook_url
    if runbook_url is None and runbook_base_url is not None:
        runbook_url = f"{runbook_base_url}/runbooks/{rule.runbook_page}/"
    annotations = {"summary": rule.summary, "description": rule.description, "runbook_url": runbook_url}
    # ``plain`` sorts keys; the field order of a rule in the YAML is alert, annotations, expr, for, labels.
    return {
        "alert": rule.alert,
        "expr": rule.expr,
        "for": rule.for_,
        "labels": {**rule.labels, "severity": rule.severity},
        "annotations": annotations,
    }
