"""The metrics each real server or exporter of dist/dev-meta serves, in one place.

The real-server tests run the exporters and servers from the synthesized manifests
(tests/realserver.py) and scrape them as Prometheus would, over the pod network, at the port and
path of the ServiceMonitor. :func:`scrape_of` returns that scrape for a source, made once per
test process (each source's module defines how: the server, then the exporter, then ``GET``);
:func:`metric_names` is the set of metric names it returned: sample names as PromQL sees them
(``pg_up``, ``redis_connected_clients``, a histogram's ``_bucket``/``_sum``/``_count``
series). A test of alert rules or dashboards checks with it that every metric they use exists::

    assert {"pg_up", "redis_up"} <= realmetrics.metric_names("postgres-exporter") | realmetrics.metric_names("redis-exporter")

The sources are the versions Debian bookworm packages (tests/real-server-packages.txt):
postgres_exporter 0.11.1, redis_exporter 1.45.0, RabbitMQ 3.10.8. The images dev-meta pins are
newer (postgres-exporter v0.20.1, redis_exporter v1.93.0, rabbitmq 3.13.7): the names of their
core metrics are the same, but newer releases add collectors (and postgres_exporter 0.20
renamed the ``pg_replication_slot_*`` family to ``pg_replication_slots_*``), so a rule on a
metric outside these sets needs checking against the pinned image by hand.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import realserver as rs

#: Source -> (test module, its function returning the scrape, made once per process).
_COLLECTORS = {
    "postgres-exporter": ("test_real_postgres", "exporter_scrape"),
    "redis-exporter": ("test_real_redis", "exporter_scrape"),
    "rabbitmq": ("test_real_rabbitmq", "prometheus_scrape"),
    "rabbitmq-detailed": ("test_real_rabbitmq", "detailed_scrape"),
}
#: Every source :func:`scrape_of` knows.
SOURCES = tuple(_COLLECTORS)

_SAMPLE = re.compile(r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+-?\d+)?")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


@dataclass(frozen=True)
class Sample:
    """One line of the text format: a metric name, its labels and its value."""

    name: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class Scrape:
    """What one ``GET`` of a metrics endpoint returned.

    Attributes:
        source: What was scraped (a key of :data:`SOURCES`).
        url: The URL, from the ServiceMonitor's port and path.
        text: The body, in the Prometheus text format.
        samples: Every sample of it.
        types: The type of each metric family (``# TYPE`` lines).
        rss_bytes: The exporter's resident memory right after the scrape, when measured.
    """

    source: str
    url: str
    text: str
    samples: tuple[Sample, ...]
    types: Mapping[str, str] = field(default_factory=dict)
    rss_bytes: int | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every metric name in the scrape."""
        return frozenset(sample.name for sample in self.samples)

    def values(self, name: str, **labels: str) -> list[float]:
        """The values of ``name`` whose labels include ``labels``."""
        return [
            s.value for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float:
        """The one value of ``name`` with ``labels``; fails unless exactly one matches."""
        found = self.values(name, **labels)
        assert len(found) == 1, f"{self.source}: {name}{labels or ''}: {len(found)} samples"
        return found[0]


def parse(text: str) -> tuple[tuple[Sample, ...], dict[str, str]]:
    """The samples and family types of a body in the Prometheus text format (0.0.4)."""
    samples, types = [], {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            types[family] = kind.strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        match = _SAMPLE.fullmatch(line.strip())
        assert match, f"not a sample line: {line!r}"
        labels = {
            key: value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            for key, value in _LABEL.findall(match.group("labels") or "")
        }
        samples.append(Sample(match.group("name"), labels, float(match.group("value"))))
    return tuple(samples), types


def scrape(sandbox: rs.Sandbox, url: str, *, source: str, pid: int | None = None) -> Scrape:
    """``GET url`` in the pod network, parsed; ``pid``: the exporter, whose memory is measured."""
    answer = sandbox.get(url, timeout=30)
    assert answer.ok, f"{source}: {answer.output}"
    samples, types = parse(answer.output)
    return Scrape(source, url, answer.output, samples, types, resident_bytes(pid) if pid else None)


def resident_bytes(pid: int) -> int:
    """A process's resident memory (``VmRSS``)."""
    status = Path(f"/proc/{pid}/status").read_text()
    [kib] = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")]
    return int(kib) * 1024


def endpoint_url(objects: list[dict[str, Any]], name: str, *, host: str | None = None, index: int = 0) -> str:
    """The URL Prometheus scrapes for endpoint ``index`` of the ServiceMonitor ``name``: its port
    (a port name of the Service ``name``), its path, its ``params`` as the query and its scheme;
    ``host`` defaults to the Service name."""
    endpoint = rs.find(objects, "ServiceMonitor", name)["spec"]["endpoints"][index]
    ports = rs.find(objects, "Service", name)["spec"]["ports"]
    [port] = [p["port"] for p in ports if p["name"] == endpoint["port"]]
    query = "&".join(f"{key}={value}" for key, values in endpoint.get("params", {}).items() for value in values)
    return f"{endpoint['scheme']}://{host or name}:{port}{endpoint['path']}" + (f"?{query}" if query else "")


def scrape_of(source: str) -> Scrape:
    """The scrape of ``source`` (one of :data:`SOURCES`), made once per test process."""
    module, function = _COLLECTORS[source]
    collect: Callable[[], Scrape] = getattr(importlib.import_module(module), function)
    return collect()


def metric_names(source: str) -> frozenset[str]:
    """Every metric name the real scrape of ``source`` returned."""
    return scrape_of(source).names


def used_in_dist(environment: str = "dev-meta") -> frozenset[str]:
    """Every metric name the alert rules and the dashboard of ``dist/<environment>`` read."""
    import json

    from aipp_constructs.aipp.observability import metric_names as names_in

    path = Path(__file__).resolve().parent.parent / "dist" / environment / "aipp.k8s.yaml"
    used: set[str] = set()
    for doc in rs.load(path.read_text(encoding="utf-8")):
        if not doc:
            continue
        if doc["kind"] == "PrometheusRule":
            used |= {n for group in doc["spec"]["groups"] for rule in group["rules"] for n in names_in(rule["expr"])}
        elif doc["kind"] == "ConfigMap" and doc["metadata"]["name"].endswith("-dashboard"):
            for text in doc["data"].values():
                for panel in json.loads(text)["panels"]:
                    if panel["type"] not in ("row", "logs"):
                        used |= {n for target in panel["targets"] for n in names_in(target["expr"])}
    return frozenset(used)
