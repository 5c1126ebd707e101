"""Tests of ``MetricsExporter``: its defaults, its validation and the probes of every exporter.

How each data construct runs it is tested with the construct (tests/test_pgvector_db.py,
tests/test_redis_cache.py); that the exporters work, against real servers, in
tests/test_real_postgres.py and tests/test_real_redis.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from aipp_constructs import HttpCheck, MetricsExporter, Resources
from aipp_constructs.observability.metrics_exporter import METRICS_PATH, METRICS_PORT, exporter_probes

IMAGE = "harbor.example/dockerhub-proxy/prometheuscommunity/postgres-exporter:v0.20.1"


def test_defaults() -> None:
    exporter = MetricsExporter(image=IMAGE)
    assert exporter.port is None  # the construct's: 9187 postgres_exporter, 9121 redis_exporter
    assert exporter.resources == Resources(
        cpu_request="10m", memory_request="32Mi", cpu_limit="200m", memory_limit="64Mi"
    )
    assert exporter.run_as_user is None and exporter.run_as_group is None  # the official image's user
    assert exporter.extra_args == ()
    assert (METRICS_PORT, METRICS_PATH) == ("metrics", "/metrics")


def test_args_are_the_generated_ones_then_the_extra_ones() -> None:
    exporter = MetricsExporter(image=IMAGE, extra_args=("--collector.long_running_transactions", "--log.level=debug"))
    assert exporter.args(("--web.listen-address=:9187",), {"web.listen-address": "use metrics_exporter.port"}) == (
        "--web.listen-address=:9187",
        "--collector.long_running_transactions",
        "--log.level=debug",
    )


@pytest.mark.parametrize("flag", ["--web.listen-address=:9999", "--web.listen-address"])
def test_args_refuse_a_flag_the_construct_manages(flag: str) -> None:
    exporter = MetricsExporter(image=IMAGE, extra_args=(flag,))
    with pytest.raises(
        ValueError,
        match=f"^metrics_exporter.extra_args must not set flags the construct manages, got '{flag}'; use the port",
    ):
        exporter.args((), {"web.listen-address": "use the port"})


def test_probes_ask_the_landing_page_which_queries_nothing() -> None:
    probes = exporter_probes()
    assert probes.startup is None
    assert probes.readiness is not None and probes.liveness is not None
    for probe in (probes.readiness, probes.liveness):
        assert probe.check == HttpCheck(path="/", port=METRICS_PORT)
        assert (probe.period_seconds, probe.timeout_seconds) == (10, 5)
    assert (probes.readiness.failure_threshold, probes.liveness.failure_threshold) == (3, 6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"image": "prometheuscommunity/postgres-exporter:latest"},
            "metrics_exporter.image uses the moving tag 'latest'",
            id="image-latest",
        ),
        pytest.param(
            {"image": "oliver006/redis_exporter"}, "metrics_exporter.image has no tag", id="image-without-tag"
        ),
        pytest.param(
            {"image": "prometheuscommunity/postgres-exporter:v0.20"},
            "metrics_exporter.image uses the moving tag 'v0.20'",
            id="image-release-line",
        ),
        pytest.param({"port": 0}, "metrics_exporter.port must be a port number between 1 and 65535, got 0", id="port"),
        pytest.param({"resources": "64Mi"}, "metrics_exporter.resources must be a Resources, got '64Mi'", id="res"),
        pytest.param(
            {"run_as_user": 0},
            "metrics_exporter.run_as_user must be an integer from 1 to 2147483647 or None, got 0; None runs",
            id="uid-root",
        ),
        pytest.param({"run_as_user": True}, "metrics_exporter.run_as_user must be an integer", id="uid-bool"),
        pytest.param({"run_as_group": -1}, "metrics_exporter.run_as_group must be an integer from 0", id="gid"),
        pytest.param(
            {"extra_args": "--log.level=debug"},
            "metrics_exporter.extra_args must be a tuple of flags, got '--log.level=debug'",
            id="args-string",
        ),
        pytest.param(
            {"extra_args": ("--log.level", "debug")},
            "metrics_exporter.extra_args must be flags of one argument each, '--flag' or '--flag=value', got 'debug'",
            id="args-separate-value",
        ),
        pytest.param(
            {"extra_args": ("-redis.addr=redis://x:6379",)},
            "metrics_exporter.extra_args must be flags of one argument each",
            id="args-single-dash",
        ),
        pytest.param(
            {"extra_args": ("--log.level=debug\n--redis.addr=x",)},
            "metrics_exporter.extra_args must not contain newlines or NUL characters",
            id="args-newline",
        ),
    ],
)
def test_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        MetricsExporter(**{"image": IMAGE, **overrides})
