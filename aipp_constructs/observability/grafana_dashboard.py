"""``GrafanaDashboard``: a Grafana dashboard as a ConfigMap the Grafana sidecar loads.

Creates one ``ConfigMap`` ``<name>`` with the dashboard JSON under ``<name>.json``, labelled for
the dashboard sidecar of the Grafana Helm chart (kube-prometheus-stack: label
``grafana_dashboard: "1"``, folder from the annotation ``grafana_folder`` when the chart sets
``sidecar.dashboards.folderAnnotation``), in sync wave 0.

The dashboard is built from plain values (:class:`DashboardRow`, :class:`Panel`,
:class:`Query`; :func:`dashboard_model` gives the JSON model): a collapsible row per component
with its panels laid out on Grafana's 24-column grid. Queries use two data-source variables,
``${datasource}`` (Prometheus) and ``${logs}`` (Loki), so the dashboard works whatever the
data sources are called in the cluster's Grafana.

See: https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import LABEL_KEY, check_dns_subdomain
from aipp_constructs.core.component import SYNC_WAVE_ANNOTATION, port_default
from aipp_constructs.core.references import check_label_value

__all__ = [
    "DashboardLink",
    "DashboardRow",
    "GrafanaDashboard",
    "GrafanaDashboardProps",
    "Panel",
    "Query",
    "dashboard_model",
]

PanelKind = Literal["stat", "timeseries", "logs"]
#: Grafana's JSON model version the panels are written for (Grafana 10 and later read it).
SCHEMA_VERSION = 39
_UID = re.compile(r"[A-Za-z0-9_-]{1,40}")
_WIDTH = 24


@dataclass(frozen=True, kw_only=True, slots=True)
class Query:
    """One query of a panel.

    Attributes:
        expr: PromQL (``stat``, ``timeseries`` panels) or LogQL (``logs`` panels). Required.
        legend: Legend of each series (``{{pod}}``). Defaults to none (Grafana's).
    """

    expr: str
    legend: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.expr, str) or not self.expr.strip():
            raise ValueError(f"expr must be a query, got {self.expr!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Panel:
    """One panel.

    Attributes:
        title: Title. Required.
        queries: Its queries, at least one. Required.
        kind: ``stat`` (one number: health), ``timeseries`` or ``logs``. Defaults to ``"timeseries"``.
        unit: Grafana unit (``percent``, ``bytes``, ``reqps``, ``short``...). Defaults to none.
        description: Hover text: what the panel shows. Defaults to none.
        width: Columns of the 24-column grid. Defaults to ``None``: the row's panels share it
            (a ``logs`` panel takes the whole width).
    """

    title: str
    queries: tuple[Query, ...]
    kind: PanelKind = "timeseries"
    unit: str | None = None
    description: str | None = None
    width: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty string, got {self.title!r}")
        if not self.queries or not all(isinstance(q, Query) for q in self.queries):
            raise ValueError(f"panel {self.title!r}: queries must be a non-empty tuple of Query, got {self.queries!r}")
        if self.kind not in ("stat", "timeseries", "logs"):
            raise ValueError(f"panel {self.title!r}: kind must be stat, timeseries or logs, got {self.kind!r}")
        if self.width is not None and (isinstance(self.width, bool) or not 1 <= self.width <= _WIDTH):
            raise ValueError(f"panel {self.title!r}: width must be from 1 to {_WIDTH} columns, got {self.width!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class DashboardRow:
    """A collapsible row: one component's panels.

    Attributes:
        title: Row title (the component name). Required.
        panels: The row's panels, at least one. Required.
    """

    title: str
    panels: tuple[Panel, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty string, got {self.title!r}")
        if not self.panels or not all(isinstance(p, Panel) for p in self.panels):
            raise ValueError(f"row {self.title!r}: panels must be a non-empty tuple of Panel, got {self.panels!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class DashboardLink:
    """A link in the dashboard's header (a runbook, a trace search).

    Attributes:
        title: Link text. Required.
        url: Address; Grafana variables (``${__url_time_range}``) are expanded. Required.
    """

    title: str
    url: str

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty string, got {self.title!r}")
        if not isinstance(self.url, str) or not re.fullmatch(r"(https?://|/)\S*", self.url):
            raise ValueError(f"link {self.title!r}: url must be an http(s) URL or a Grafana path, got {self.url!r}")


def dashboard_model(
    *,
    title: str,
    uid: str,
    rows: tuple[DashboardRow, ...],
    tags: tuple[str, ...] = (),
    links: tuple[DashboardLink, ...] = (),
    refresh: str = "1m",
    time_from: str = "now-6h",
) -> dict[str, Any]:
    """The Grafana JSON model of a dashboard of ``rows``.

    Raises:
        ValueError: on an empty title, a uid Grafana refuses (at most 40 of
            ``[A-Za-z0-9_-]``), no rows, or two rows with one title.
    """
    if not title.strip():
        raise ValueError(f"title must be a non-empty string, got {title!r}")
    if not _UID.fullmatch(uid):
        raise ValueError(f"uid must be at most 40 of [A-Za-z0-9_-], got {uid!r}")
    if not rows:
        raise ValueError("rows must hold at least one DashboardRow, got ()")
    titles = [row.title for row in rows]
    if len(set(titles)) != len(titles):
        raise ValueError(f"rows must have distinct titles, got {titles}")
    panels: list[dict[str, Any]] = []
    y = 0
    for row in rows:
        panels.append(
            {
                "id": len(panels) + 1,
                "type": "row",
                "title": row.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": _WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        y += 1
        x = 0
        shared = [p for p in row.panels if p.kind != "logs" and p.width is None]
        default_width = max(_WIDTH // max(len(shared), 1), 4)
        for panel in row.panels:
            width = panel.width or (_WIDTH if panel.kind == "logs" else default_width)
            height = 4 if panel.kind == "stat" else 8
            if x + width > _WIDTH:
                x, y = 0, y + 8
            panels.append(_panel(panel, len(panels) + 1, {"h": height, "w": width, "x": x, "y": y}))
            x += width
        y += 8
    return {
        "uid": uid,
        "title": title,
        "tags": list(tags),
        "timezone": "browser",
        "editable": False,
        "schemaVersion": SCHEMA_VERSION,
        "refresh": refresh,
        "time": {"from": time_from, "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"},
                {"name": "logs", "label": "Loki", "type": "datasource", "query": "loki"},
            ]
        },
        "links": [{"title": link.title, "url": link.url, "type": "link", "targetBlank": True} for link in links],
        "panels": panels,
    }


def _panel(panel: Panel, panel_id: int, grid: dict[str, int]) -> dict[str, Any]:
    logs = panel.kind == "logs"
    source = {"type": "loki", "uid": "${logs}"} if logs else {"type": "prometheus", "uid": "${datasource}"}
    out: dict[str, Any] = {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "datasource": source,
        "gridPos": grid,
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": source,
                "expr": query.expr,
                **({"legendFormat": query.legend} if query.legend else {}),
            }
            for index, query in enumerate(panel.queries)
        ],
    }
    if panel.description:
        out["description"] = panel.description
    if panel.unit:
        out["fieldConfig"] = {"defaults": {"unit": panel.unit}, "overrides": []}
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class GrafanaDashboardProps:
    """Props of :class:`GrafanaDashboard`.

    Attributes:
        name: Name of the ConfigMap; the JSON is its key ``<name>.json``. Required.
        dashboard: The dashboard's JSON model (:func:`dashboard_model`). Required.
        sidecar_label: Label the Grafana sidecar loads dashboards by, and its value.
            Defaults to ``("grafana_dashboard", "1")`` (the Grafana chart's default).
        folder: Grafana folder. Defaults to none (the sidecar's default folder).
        folder_annotation: Annotation the sidecar reads the folder from. Defaults to
            ``"grafana_folder"``.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's
            (``PortDefaults.part_of`` inside a :class:`~aipp_constructs.PortChart`), else none.
        labels: Further labels. Defaults to none.
    """

    name: str
    dashboard: Mapping[str, Any]
    sidecar_label: tuple[str, str] = ("grafana_dashboard", "1")
    folder: str | None = None
    folder_annotation: str = "grafana_folder"
    part_of: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_subdomain("name", self.name)
        if not isinstance(self.dashboard, Mapping) or not self.dashboard.get("title") or "panels" not in self.dashboard:
            raise ValueError(
                "dashboard must be a Grafana JSON model with a title and panels (see dashboard_model), "
                f"got keys {sorted(self.dashboard) if isinstance(self.dashboard, Mapping) else self.dashboard!r}"
            )
        key, value = self.sidecar_label
        for label_key in (key, self.folder_annotation):
            if not LABEL_KEY.fullmatch(label_key):
                raise ValueError(f"sidecar_label and folder_annotation must be label keys, got {label_key!r}")
        check_label_value("sidecar_label value", value)
        if self.folder is not None and (not self.folder.strip() or "/" in self.folder):
            raise ValueError(f"folder must be a Grafana folder name without '/', got {self.folder!r}")
        for label, label_value in self.labels.items():
            if not LABEL_KEY.fullmatch(label):
                raise ValueError(f"labels keys must be label keys, got {label!r}")
            check_label_value(f"labels[{label!r}]", label_value)


class GrafanaDashboard(Construct):
    """A dashboard ConfigMap for the Grafana sidecar; see the module documentation.

    Attributes:
        name: Name of the ConfigMap.
        resource: The ``ConfigMap`` object.
    """

    def __init__(self, scope: Construct, id: str, props: GrafanaDashboardProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        part_of: str | None = props.part_of or port_default(self, "part_of")
        key, value = props.sidecar_label
        labels = {
            "app.kubernetes.io/name": props.name,
            "app.kubernetes.io/component": "dashboard",
            **({"app.kubernetes.io/part-of": part_of} if part_of else {}),
            **props.labels,
            key: value,
        }
        annotations = {SYNC_WAVE_ANNOTATION: "0"}
        if props.folder:
            annotations[props.folder_annotation] = props.folder
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": props.name, "labels": labels, "annotations": annotations},
                "data": {f"{props.name}.json": json.dumps(props.dashboard, indent=2, sort_keys=True) + "\n"},
            },
        )
