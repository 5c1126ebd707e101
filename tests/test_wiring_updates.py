"""``wiring_updates``: per-fact changes merged over a dependency's protocol wiring (rename a
fact, drop it with ``None``, the others keep their default variables), beside
``wiring_overrides`` which replaces the whole wiring of a dependency."""

from __future__ import annotations

import re
from typing import Any

import cdk8s
import pytest
from conftest import container, env_of, synth

from aipp_constructs import (
    NAMED_WIRING,
    SPRING_BOOT_WIRING,
    Component,
    Endpoint,
    GpuWorker,
    GpuWorkerProps,
    Port,
    PortChart,
    PortDefaults,
    SecretKeyRef,
    SpringService,
    SpringServiceProps,
    Telemetry,
    WebFrontend,
    WebFrontendProps,
    Workload,
    WorkloadProps,
    connection_env,
)

USER = SecretKeyRef(name="db-credentials", key="username")
PASSWORD = SecretKeyRef(name="db-credentials", key="password")
DB = Endpoint(
    host="db",
    ports={"postgresql": 5432},
    credentials={"username": USER, "password": PASSWORD},
    properties={"database": "app", "url": "postgresql://db:5432/app", "jdbc_url": "jdbc:postgresql://db:5432/app"},
    protocol="postgresql",
)
IMAGE = "registry.example.com/acme/api:1.0.0"


def test_an_update_renames_one_fact_drops_another_and_keeps_the_rest() -> None:
    wired = connection_env(
        [("db", DB)], NAMED_WIRING, updates={"db": {"host": ("DB_HOST", "PGHOST"), "url": None, "port": "PGPORT"}}
    )
    assert wired == [
        ("DB_HOST", "db"),
        ("PGHOST", "db"),
        ("PGPORT", "5432"),
        ("DB_DATABASE", "app"),
        ("DB_USERNAME", USER),
        ("DB_PASSWORD", PASSWORD),
    ]


def test_an_update_may_add_a_fact_the_protocol_wiring_leaves_out() -> None:
    wired = connection_env([("db", DB)], SPRING_BOOT_WIRING, updates={"db": {"database": "SPRING_DB_NAME"}})
    assert [var for var, _ in wired] == [
        "SPRING_DATASOURCE_URL",
        "SPRING_DATASOURCE_USERNAME",
        "SPRING_DATASOURCE_PASSWORD",
        "SPRING_DB_NAME",
    ]


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ({"cache": {"host": "X"}}, "wiring names 'cache', which is not a dependency; dependencies: db"),
        ({"db": {"schema": None}}, "wiring_updates.db.schema: db offers no fact 'schema'; known: database,"),
        ({"db": {"password": "DB_USERNAME"}}, "wiring.db: sets DB_USERNAME from both username and password"),
    ],
    ids=["not-a-dependency", "unknown-fact", "collision"],
)
def test_bad_updates_are_refused_in_one_line(updates: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        connection_env([("db", DB)], NAMED_WIRING, updates=updates)


def test_a_dependency_in_both_tables_is_refused_in_one_line() -> None:
    message = (
        "wiring_overrides and wiring_updates both name db; override the whole wiring or update some facts, not both"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        WorkloadProps(
            name="api", image=IMAGE, wiring_overrides={"db": {"url": "X"}}, wiring_updates={"db": {"url": "Y"}}
        )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        connection_env([("db", DB)], NAMED_WIRING, {"db": {}}, {"db": {"url": "Y"}})


def test_updates_check_variable_names_and_accept_none() -> None:
    with pytest.raises(ValueError, match=r"^wiring_updates.db.url must be a variable name .*got '1X'$"):
        WorkloadProps(name="api", image=IMAGE, wiring_updates={"db": {"url": "1X"}})
    with pytest.raises(ValueError, match=r"^wiring_overrides.db.url must be a variable name or a non-empty tuple"):
        WorkloadProps(name="api", image=IMAGE, wiring_overrides={"db": {"url": None}})  # type: ignore[dict-item]
    WorkloadProps(name="api", image=IMAGE, wiring_updates={"db": {"url": None}})


def _chart() -> PortChart:
    return PortChart(cdk8s.Testing.app(), "app", PortDefaults(namespace="app", part_of="app"))


def _db(chart: PortChart) -> Component:
    db = Component(chart, "Db", name="db", component="database", version="16.4")
    db.endpoint = DB
    return db


def _env(chart: PortChart, name: str) -> dict[str, Any]:
    manifests = synth(chart)
    workload = next(m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == name)
    return env_of(container(workload, name))


def test_a_workload_merges_its_updates_over_the_protocol_wiring() -> None:
    chart = _chart()
    db = _db(chart)
    Workload(
        chart,
        "Api",
        WorkloadProps(
            name="api",
            image=IMAGE,
            connects_to=(db,),
            telemetry=Telemetry(mode="off"),
            wiring_updates={"db": {"host": "PGHOST", "port": None}},
        ),
    )
    assert _env(chart, "api") == {
        "PGHOST": "db",
        "DB_DATABASE": "app",
        "DB_URL": "postgresql://db:5432/app",
        "DB_USERNAME": {"secretKeyRef": {"key": "username", "name": "db-credentials"}},
        "DB_PASSWORD": {"secretKeyRef": {"key": "password", "name": "db-credentials"}},
    }


def test_updates_survive_a_late_edge_and_a_shared_table_may_name_others_when_asked() -> None:
    chart = _chart()
    db = _db(chart)
    cache = Workload(
        chart,
        "Cache",
        WorkloadProps(
            name="cache",
            image="registry.example.com/acme/cache:7.4.1",
            ports=(Port(name="http", number=6379),),
            telemetry=Telemetry(mode="off"),
        ),
    )
    table: dict[str, dict[str, str | tuple[str, ...] | None]] = {"db": {"host": "PGHOST"}, "other": {"url": None}}
    with pytest.raises(ValueError, match="^wiring names 'other', which is not a dependency; dependencies: db$"):
        Workload(chart, "Strict", WorkloadProps(name="strict", image=IMAGE, connects_to=(db,), wiring_updates=table))
    api = Workload(
        chart,
        "Api",
        WorkloadProps(
            name="api",
            image=IMAGE,
            connects_to=(db,),
            telemetry=Telemetry(mode="off"),
            wiring_updates=table,
            ignore_unknown_overrides=True,
        ),
    )
    api.connect_to(cache)
    env = _env(chart, "api")
    assert env["PGHOST"] == "db"
    assert "DB_HOST" not in env
    assert env["CACHE_URL"] == "http://cache:6379"


@pytest.mark.parametrize("preset", ["spring", "web", "gpu"])
def test_every_application_preset_forwards_the_updates(preset: str) -> None:
    chart = _chart()
    db = _db(chart)
    common: dict[str, Any] = {
        "name": "app",
        "image": IMAGE,
        "depends_on": (db,),
        "telemetry": Telemetry(mode="off"),
    }
    if preset == "spring":
        SpringService(chart, "App", SpringServiceProps(**common, wiring_updates={"db": {"jdbc_url": "DB_URL"}}))
        expected = {"DB_URL": "jdbc:postgresql://db:5432/app"}
    elif preset == "web":
        WebFrontend(chart, "App", WebFrontendProps(**common, wiring_updates={"db": {"host": "PGHOST"}}))
        expected = {"PGHOST": "db"}
    else:
        GpuWorker(chart, "App", GpuWorkerProps(**common, wiring_updates={"db": {"host": "PGHOST"}}))
        expected = {"PGHOST": "db"}
    manifests = synth(chart)
    workload = next(m for m in manifests if m["kind"] == "Deployment")
    settings = [m["data"] for m in manifests if m["kind"] == "ConfigMap" and m["metadata"]["name"] == "app-config"]
    env = {**env_of(container(workload, "app")), **(settings[0] if settings else {})}  # GpuWorker: a ConfigMap
    assert {var: env[var] for var in expected} == expected
    assert "SPRING_DATASOURCE_URL" not in env
    assert "DB_HOST" not in env
