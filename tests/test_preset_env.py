"""The data presets (``PgvectorDb``, ``RedisCache``, ``RabbitMq``) take extra ``env`` for their
main container (``PGUSER``, ``PG_BIGM``...), written after their own variables, which ``env``
may not repeat."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import cdk8s
import pytest
from conftest import container, one, synth

from aipp_constructs import (
    FieldRef,
    PgvectorDb,
    PgvectorDbProps,
    PortChart,
    PortDefaults,
    RabbitMq,
    RabbitMqProps,
    RedisCache,
    RedisCacheProps,
    SecretKeyRef,
)
from aipp_constructs.workloads.workload import EnvValue

SECRET = SecretKeyRef(name="credentials", key="value")


def _pgvector(chart: PortChart, env: Mapping[str, EnvValue]) -> None:
    props = PgvectorDbProps(image="pgvector/pgvector:0.8.1-pg17", username=SECRET, password=SECRET, env=env)
    PgvectorDb(chart, "Db", props)


def _redis(chart: PortChart, env: Mapping[str, EnvValue]) -> None:
    RedisCache(chart, "Redis", RedisCacheProps(image="redis:7.2.7", password=SECRET, env=env))


def _rabbit(chart: PortChart, env: Mapping[str, EnvValue]) -> None:
    props = RabbitMqProps(
        image="rabbitmq:3.13.7-management", username=SECRET, password=SECRET, erlang_cookie=SECRET, env=env
    )
    RabbitMq(chart, "Mq", props)


PRESETS: dict[str, tuple[Callable[[PortChart, Mapping[str, EnvValue]], None], str, str, str]] = {
    # builder, workload kind and name, main container, one of the preset's own variables
    "PgvectorDb": (_pgvector, "StatefulSet", "postgres", "POSTGRES_DB"),
    "RedisCache": (_redis, "Deployment", "redis", "REDIS_PASSWORD"),
    "RabbitMq": (_rabbit, "StatefulSet", "rabbitmq", "RABBITMQ_DEFAULT_USER"),
}


def _env(preset: str, env: Mapping[str, EnvValue]) -> list[dict[str, Any]]:
    build, kind, name, _ = PRESETS[preset]
    chart = PortChart(cdk8s.Testing.app(), "port", PortDefaults(namespace="acme", part_of="acme"))
    build(chart, env)
    workload = one(synth(chart), kind)
    main: list[dict[str, Any]] = container(workload, name)["env"]
    return main


@pytest.mark.parametrize("preset", PRESETS)
def test_extra_env_comes_after_the_preset_own_variables(preset: str) -> None:
    plain = _env(preset, {})
    extra: dict[str, EnvValue] = {
        "PGUSER": "app",
        "PG_BIGM": "on",
        "NODE": FieldRef(field_path="spec.nodeName"),
        "TOKEN": SECRET,
    }
    with_extra = _env(preset, extra)
    assert with_extra[: len(plain)] == plain
    assert with_extra[len(plain) :] == [
        {"name": "PGUSER", "value": "app"},
        {"name": "PG_BIGM", "value": "on"},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "credentials", "key": "value"}}},
    ]


@pytest.mark.parametrize("preset", PRESETS)
def test_env_may_not_repeat_a_variable_the_preset_sets(preset: str) -> None:
    own = PRESETS[preset][3]
    with pytest.raises(ValueError, match=f"^env.{own} is set by {preset} itself, got '{own}' in env; set [a-z]+$"):
        _env(preset, {own: "mine"})


@pytest.mark.parametrize("preset", PRESETS)
def test_env_values_and_names_are_checked(preset: str) -> None:
    with pytest.raises(ValueError, match="^env.PORT must be a string, a SecretKeyRef, an EnvTemplate or a FieldRef"):
        _env(preset, cast(dict[str, EnvValue], {"PORT": 5432}))
    with pytest.raises(ValueError, match="env.1BAD"):
        _env(preset, {"1BAD": "x"})
