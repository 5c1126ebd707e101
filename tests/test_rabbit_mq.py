"""Tests of ``RabbitMq``: effective defaults, every prop reaching the YAML, validation, wiring."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdk8s import Chart
from conftest import (
    RESTRICTED_CONTAINER_CONTEXT,
    container,
    env_of,
    keys_anywhere,
    names_and_selectors,
    new_chart,
    one,
    pod_spec,
    synth,
)

from aipp_constructs import Component, RabbitMq, RabbitMqProps, Resources, SecretKeyRef

IMAGE = "harbor.example/dockerhub-proxy/library/rabbitmq:3.13.7-management"
USERNAME = SecretKeyRef(name="rabbitmq-credentials", key="username")
PASSWORD = SecretKeyRef(name="rabbitmq-credentials", key="password")
COOKIE = SecretKeyRef(name="rabbitmq-credentials", key="erlang-cookie")


def props(**overrides: Any) -> RabbitMqProps:
    return RabbitMqProps(
        **{"image": IMAGE, "username": USERNAME, "password": PASSWORD, "erlang_cookie": COOKIE, **overrides}
    )


def service_ports(**ports: int) -> list[dict[str, Any]]:
    return [{"name": n, "port": p, "protocol": "TCP", "targetPort": n} for n, p in ports.items()]


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    RabbitMq(chart, "RabbitMq", props())
    return synth(chart)


@pytest.fixture(scope="module")
def sts(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "StatefulSet", "rabbitmq")


@pytest.fixture(scope="module")
def rabbitmq(sts: dict[str, Any]) -> dict[str, Any]:
    return container(sts, "rabbitmq")


@pytest.fixture(scope="module")
def cookie_init(sts: dict[str, Any]) -> dict[str, Any]:
    return container(sts, "install-erlang-cookie")


# --- defaults, field by field -------------------------------------------------------------


def test_rabbitmq_creates_config_two_services_and_a_statefulset(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "rabbitmq-config"),
        # The replica's claim as its own object, so a bigger size reaches the volume (how-to-grow-a-volume).
        ("PersistentVolumeClaim", "data-rabbitmq-0"),
        ("Service", "rabbitmq"),
        ("Service", "rabbitmq-headless"),
        ("StatefulSet", "rabbitmq"),
    ]
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_rabbitmq_headless_service_publishes_the_client_ports_for_the_stable_node_name(
    manifests: list[dict[str, Any]],
) -> None:
    spec = one(manifests, "Service", "rabbitmq-headless")["spec"]
    assert spec["clusterIP"] == "None"
    assert spec["publishNotReadyAddresses"] is True
    assert spec["selector"] == {"app.kubernetes.io/name": "rabbitmq"}
    # One node: the Erlang distribution ports (epmd 4369, dist 25672) stay in the container.
    assert spec["ports"] == service_ports(amqp=5672, management=15672, prometheus=15692)
    assert one(manifests, "StatefulSet")["spec"]["serviceName"] == "rabbitmq-headless"


def test_rabbitmq_client_service_carries_amqp_management_and_prometheus(manifests: list[dict[str, Any]]) -> None:
    spec = one(manifests, "Service", "rabbitmq")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["selector"] == {"app.kubernetes.io/name": "rabbitmq"}
    assert spec["ports"] == service_ports(amqp=5672, management=15672, prometheus=15692)


def test_rabbitmq_defaults_to_single_ordered_replica_with_retained_claims(sts: dict[str, Any]) -> None:
    spec = sts["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}}
    assert pod_spec(sts)["terminationGracePeriodSeconds"] == 120


def test_rabbitmq_claim_template_defaults_to_8gi_on_default_storage_class(sts: dict[str, Any]) -> None:
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert vct["metadata"] == {"name": "data", "labels": {"app.kubernetes.io/name": "rabbitmq"}}
    assert vct["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}}}
    assert "storageClassName" not in vct["spec"]
    assert "app.kubernetes.io/version" not in vct["metadata"]["labels"]


def test_rabbitmq_claim_template_carries_api_version_and_kind(sts: dict[str, Any]) -> None:
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert vct["apiVersion"] == "v1"
    assert vct["kind"] == "PersistentVolumeClaim"


def test_rabbitmq_container_exposes_client_and_cluster_ports(rabbitmq: dict[str, Any]) -> None:
    assert rabbitmq["ports"] == [
        {"containerPort": 5672, "name": "amqp", "protocol": "TCP"},
        {"containerPort": 15672, "name": "management", "protocol": "TCP"},
        {"containerPort": 15692, "name": "prometheus", "protocol": "TCP"},
        {"containerPort": 4369, "name": "epmd", "protocol": "TCP"},
        {"containerPort": 25672, "name": "dist", "protocol": "TCP"},
    ]
    assert rabbitmq["image"] == IMAGE
    assert rabbitmq["imagePullPolicy"] == "IfNotPresent"
    assert rabbitmq["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_rabbitmq_probes_are_tcp_checks_with_every_timing_field(rabbitmq: dict[str, Any]) -> None:
    def probe(period: int, timeout: int, failures: int) -> dict[str, Any]:
        return {
            "tcpSocket": {"port": "amqp"},
            "initialDelaySeconds": 0,
            "periodSeconds": period,
            "timeoutSeconds": timeout,
            "failureThreshold": failures,
            "successThreshold": 1,
        }

    assert rabbitmq["startupProbe"] == probe(10, 5, 30)
    assert rabbitmq["readinessProbe"] == probe(10, 5, 3)
    assert rabbitmq["livenessProbe"] == probe(30, 10, 6)


def test_rabbitmq_env_names_the_node_after_the_headless_service(rabbitmq: dict[str, Any]) -> None:
    assert env_of(rabbitmq) == {
        "MY_POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}},
        "MY_POD_NAMESPACE": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        "RABBITMQ_NODENAME": "rabbit@$(MY_POD_NAME).rabbitmq-headless.$(MY_POD_NAMESPACE)",
        "RABBITMQ_USE_LONGNAME": "true",
        "RABBITMQ_MNESIA_BASE": "/var/lib/rabbitmq/mnesia",
        "RABBITMQ_DEFAULT_USER": {"secretKeyRef": {"name": "rabbitmq-credentials", "key": "username"}},
        "RABBITMQ_DEFAULT_PASS": {"secretKeyRef": {"name": "rabbitmq-credentials", "key": "password"}},
    }
    # $(VAR) expands only from variables defined earlier in the list.
    names = [e["name"] for e in rabbitmq["env"]]
    assert names.index("MY_POD_NAME") < names.index("RABBITMQ_NODENAME")
    assert names.index("MY_POD_NAMESPACE") < names.index("RABBITMQ_NODENAME")


def test_rabbitmq_mnesia_base_is_the_data_volume(rabbitmq: dict[str, Any]) -> None:
    [data] = [m for m in rabbitmq["volumeMounts"] if m["name"] == "data"]
    assert data["mountPath"] == env_of(rabbitmq)["RABBITMQ_MNESIA_BASE"]


def test_rabbitmq_mounts_home_data_config_dropin_and_tmp(rabbitmq: dict[str, Any]) -> None:
    assert rabbitmq["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {
            "name": "files",
            "mountPath": "/etc/rabbitmq/conf.d/20-kubernetes.conf",
            "subPath": "20-kubernetes.conf",
            "readOnly": True,
        },
        {"name": "home", "mountPath": "/var/lib/rabbitmq"},
        {"name": "data", "mountPath": "/var/lib/rabbitmq/mnesia"},
        {"name": "erlang-cookie", "mountPath": "/run/secrets/erlang-cookie", "readOnly": True},
    ]


def test_rabbitmq_volumes_are_size_limited_and_the_cookie_secret_is_owner_only(sts: dict[str, Any]) -> None:
    assert pod_spec(sts)["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "files", "configMap": {"name": "rabbitmq-config", "defaultMode": 0o444}},
        {"name": "home", "emptyDir": {"sizeLimit": "64Mi"}},
        {
            "name": "erlang-cookie",
            "secret": {
                "secretName": "rabbitmq-credentials",
                "items": [{"key": "erlang-cookie", "path": ".erlang.cookie"}],
                "defaultMode": 0o440,
            },
        },
    ]


def test_rabbitmq_init_container_installs_the_cookie_with_mode_600(
    cookie_init: dict[str, Any], sts: dict[str, Any]
) -> None:
    assert [c["name"] for c in pod_spec(sts)["initContainers"]] == ["install-erlang-cookie"]
    assert cookie_init["command"] == [
        "sh",
        "-c",
        (
            "cp /run/secrets/erlang-cookie/.erlang.cookie /var/lib/rabbitmq/.erlang.cookie"
            " && chmod 600 /var/lib/rabbitmq/.erlang.cookie"
        ),
    ]
    assert cookie_init["volumeMounts"] == [
        {"name": "home", "mountPath": "/var/lib/rabbitmq"},
        {"name": "erlang-cookie", "mountPath": "/run/secrets/erlang-cookie", "readOnly": True},
    ]
    assert cookie_init["image"] == IMAGE
    assert cookie_init["imagePullPolicy"] == "IfNotPresent"
    assert cookie_init["resources"] == {
        "requests": {"cpu": "10m", "memory": "16Mi"},
        "limits": {"cpu": "100m", "memory": "32Mi"},
    }
    assert "env" not in cookie_init


def test_rabbitmq_config_tells_rabbitmq_its_memory_limit_and_logs_to_console_only(
    manifests: list[dict[str, Any]], sts: dict[str, Any]
) -> None:
    config = one(manifests, "ConfigMap", "rabbitmq-config")
    assert config["data"] == {
        "20-kubernetes.conf": "# Generated: RabbitMQ reads host memory, not the container limit.\n"
        "total_memory_available_override_value = 1073741824\n"
        "vm_memory_high_watermark.relative = 0.6\n"
        "# Logs go to the console only: the root filesystem is read-only.\n"
        "log.file = false\n"
    }
    assert len(sts["spec"]["template"]["metadata"]["annotations"]["checksum/config"]) == 64


def test_rabbitmq_resources_default_to_250m_1gi_requests_and_1_cpu_1gi_limits(rabbitmq: dict[str, Any]) -> None:
    assert rabbitmq["resources"] == {
        "requests": {"cpu": "250m", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def test_rabbitmq_pod_and_every_container_run_restricted_as_uid_999(sts: dict[str, Any]) -> None:
    spec = pod_spec(sts)
    assert spec["securityContext"] == {
        "fsGroup": 999,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 999,
        "runAsNonRoot": True,
        "runAsUser": 999,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    all_containers = spec["containers"] + spec["initContainers"]
    assert [c["name"] for c in all_containers] == ["rabbitmq", "install-erlang-cookie"]
    for c in all_containers:
        assert c["securityContext"] == RESTRICTED_CONTAINER_CONTEXT, c["name"]


def test_rabbitmq_labels_every_object_and_selects_by_name_only(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "rabbitmq",
        "app.kubernetes.io/component": "message-broker",
        "app.kubernetes.io/version": "3.13.7-management",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        if m["kind"] == "PersistentVolumeClaim":
            # The claim the StatefulSet controller would create: the claim template's labels (no version).
            assert (
                m["metadata"]["labels"]
                == one(manifests, "StatefulSet")["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]
            )
            continue
        assert m["metadata"]["labels"] == labels, m["metadata"]["name"]
    assert one(manifests, "StatefulSet")["spec"]["template"]["metadata"]["labels"] == labels


def test_rabbitmq_has_no_cdk8s_address_label_anywhere(manifests: list[dict[str, Any]]) -> None:
    assert not [k for k in keys_anywhere(manifests) if k.startswith("cdk8s.io/")]


def test_rabbitmq_configmap_is_wave_0_and_everything_else_wave_1(manifests: list[dict[str, Any]]) -> None:
    # (checkov's skip annotations aside: tests/test_policy.py)
    waves = {
        (m["kind"], m["metadata"]["name"]): {
            k: v for k, v in m["metadata"]["annotations"].items() if "checkov" not in k
        }
        for m in manifests
    }
    assert waves == {
        ("ConfigMap", "rabbitmq-config"): {"argocd.argoproj.io/sync-wave": "0"},
        ("Service", "rabbitmq-headless"): {"argocd.argoproj.io/sync-wave": "1"},
        ("Service", "rabbitmq"): {"argocd.argoproj.io/sync-wave": "1"},
        ("StatefulSet", "rabbitmq"): {"argocd.argoproj.io/sync-wave": "1"},
        # The replica's claim, at the StatefulSet's wave, kept by ArgoCD like every data volume.
        ("PersistentVolumeClaim", "data-rabbitmq-0"): {
            "argocd.argoproj.io/sync-wave": "1",
            "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
        },
    }


# --- every prop reaches the YAML ----------------------------------------------------------


def test_rabbitmq_every_prop_reaches_the_yaml(chart: Chart) -> None:
    upstream = Component(chart, "Upstream", name="upstream", component="test", version="1")
    values: dict[str, Any] = {
        "image": "registry.example:5000/mirror/rabbitmq:4.0.5-management-alpine",
        "username": SecretKeyRef(name="mq-user", key="user"),
        "password": SecretKeyRef(name="mq-pass", key="pass"),
        "erlang_cookie": SecretKeyRef(name="mq-cookie", key="cookie"),
        "name": "broker",
        "part_of": "aipp",
        "storage_size": "16Gi",
        "storage_class_name": "longhorn",
        "resources": Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="2", memory_limit="2Gi"),
        "memory_high_watermark": 0.4,
        "depends_on": (upstream,),
        "env": {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+S 2:2"},
        "volume_labels": {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"},
        "run_as_user": 100,
        "run_as_group": 101,
        "extra_config": {"consumer_timeout": "3600000", "management.path_prefix": "/rabbitmq"},
    }
    fields = {f.name: f for f in dataclasses.fields(RabbitMqProps)}
    assert set(values) == set(fields), "a RabbitMqProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    mq = RabbitMq(chart, "RabbitMq", RabbitMqProps(**values))
    manifests = synth(chart)
    sts = one(manifests, "StatefulSet", "broker")
    rabbitmq = container(sts, "rabbitmq")
    cookie_init = container(sts, "install-erlang-cookie")
    env = env_of(rabbitmq)
    volumes = {v["name"]: v for v in pod_spec(sts)["volumes"]}
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert {
        k: vct["metadata"]["labels"][k]
        for k in {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    } == {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    selector = {"app.kubernetes.io/name": "broker", "app.kubernetes.io/part-of": "aipp"}

    # image
    assert rabbitmq["image"] == cookie_init["image"] == "registry.example:5000/mirror/rabbitmq:4.0.5-management-alpine"
    assert sts["metadata"]["labels"]["app.kubernetes.io/version"] == "4.0.5-management-alpine"
    # username, password, erlang_cookie
    assert env["RABBITMQ_DEFAULT_USER"] == {"secretKeyRef": {"name": "mq-user", "key": "user"}}
    assert env["RABBITMQ_DEFAULT_PASS"] == {"secretKeyRef": {"name": "mq-pass", "key": "pass"}}
    assert volumes["erlang-cookie"]["secret"]["secretName"] == "mq-cookie"  # pragma: allowlist secret
    assert volumes["erlang-cookie"]["secret"]["items"] == [{"key": "cookie", "path": ".erlang.cookie"}]
    # name
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "broker-config"),
        ("PersistentVolumeClaim", "data-broker-0"),
        ("Service", "broker"),
        ("Service", "broker-headless"),
        ("StatefulSet", "broker"),
    ]
    assert sts["spec"]["serviceName"] == "broker-headless"
    assert env["RABBITMQ_NODENAME"] == "rabbit@$(MY_POD_NAME).broker-headless.$(MY_POD_NAMESPACE)"
    assert volumes["files"]["configMap"]["name"] == "broker-config"
    # part_of
    assert sts["spec"]["selector"]["matchLabels"] == selector
    assert vct["metadata"]["labels"] == {
        **selector,
        "recurring-job.longhorn.io/source": "enable",
        "recurring-job.longhorn.io/backup": "enabled",
    }
    assert one(manifests, "Service", "broker")["spec"]["selector"] == selector
    assert one(manifests, "Service", "broker-headless")["spec"]["selector"] == selector
    for m in manifests:
        assert m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    # storage_size, storage_class_name
    assert vct["spec"]["resources"] == {"requests": {"storage": "16Gi"}}
    assert vct["spec"]["storageClassName"] == "longhorn"
    # resources (and the memory limit RabbitMQ is told about)
    assert rabbitmq["resources"] == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    conf = one(manifests, "ConfigMap", "broker-config")["data"]["20-kubernetes.conf"].splitlines()
    assert f"total_memory_available_override_value = {2 * 2**30}" in conf
    # memory_high_watermark
    assert "vm_memory_high_watermark.relative = 0.4" in conf
    # env
    assert env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] == "+S 2:2"
    # depends_on
    assert mq.after == (upstream,) and mq.wave == upstream.wave + 1
    assert sts["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "2"
    # run_as_user, run_as_group: the pod and both containers
    context = pod_spec(sts)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (100, 101, 101)
    for c in (rabbitmq, cookie_init):
        assert (c["securityContext"]["runAsUser"], c["securityContext"]["runAsGroup"]) == (100, 101), c["name"]
    # extra_config, after the generated lines
    assert conf[-3:] == [
        "# Settings from extra_config.",
        "consumer_timeout = 3600000",
        "management.path_prefix = /rabbitmq",
    ]


def test_rabbitmq_run_as_user_70_reaches_the_pod_and_every_container(chart: Chart) -> None:
    RabbitMq(chart, "RabbitMq", props(run_as_user=70))
    spec = pod_spec(one(synth(chart), "StatefulSet", "rabbitmq"))
    assert spec["securityContext"] == {
        "fsGroup": 70,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 70,
        "runAsNonRoot": True,
        "runAsUser": 70,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    all_containers = spec["containers"] + spec["initContainers"]
    assert [c["name"] for c in all_containers] == ["rabbitmq", "install-erlang-cookie"]
    for c in all_containers:
        assert c["securityContext"] == {**RESTRICTED_CONTAINER_CONTEXT, "runAsUser": 70, "runAsGroup": 70}, c["name"]


def test_rabbitmq_extra_config_is_appended_to_the_drop_in(chart: Chart) -> None:
    RabbitMq(chart, "RabbitMq", props(extra_config={"consumer_timeout": "3600000", "log.console.level": "warning"}))
    config = one(synth(chart), "ConfigMap", "rabbitmq-config")
    assert config["data"] == {
        "20-kubernetes.conf": "# Generated: RabbitMQ reads host memory, not the container limit.\n"
        "total_memory_available_override_value = 1073741824\n"
        "vm_memory_high_watermark.relative = 0.6\n"
        "# Logs go to the console only: the root filesystem is read-only.\n"
        "log.file = false\n"
        "# Settings from extra_config.\n"
        "consumer_timeout = 3600000\n"
        "log.console.level = warning\n"
    }


def test_rabbitmq_has_no_extra_args_prop() -> None:
    # RabbitMQ reads its configuration from files: extra_config replaces extra_args.
    assert "extra_args" not in {f.name for f in dataclasses.fields(RabbitMqProps)}


def test_rabbitmq_pod_template_checksum_follows_the_config() -> None:
    def checksum(**overrides: Any) -> str:
        chart = new_chart()
        RabbitMq(chart, "RabbitMq", props(**overrides))
        value: str = one(synth(chart), "StatefulSet")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        return value

    assert checksum() == checksum()
    assert checksum() != checksum(memory_high_watermark=0.5)
    assert checksum() != checksum(extra_config={"consumer_timeout": "3600000"})
    assert checksum(extra_config={"consumer_timeout": "1"}) != checksum(extra_config={"consumer_timeout": "2"})


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"image": "harbor.example/library/rabbitmq:latest"},
            "image uses the moving tag 'latest', got 'harbor.example/library/rabbitmq:latest'",
            id="image-latest",
        ),
        pytest.param(
            {"image": "harbor.example/library/rabbitmq:main-latest"},
            "image uses the moving tag 'main-latest', got 'harbor.example/library/rabbitmq:main-latest'",
            id="image-main-latest",
        ),
        pytest.param(
            {"image": "harbor.example/library/rabbitmq"},
            "image has no tag, got 'harbor.example/library/rabbitmq'",
            id="image-no-tag",
        ),
        pytest.param(
            {"image": "library/rabbitmq:3-management"},
            "image uses the moving tag '3-management', got 'library/rabbitmq:3-management'",
            id="image-release-line",
        ),
        pytest.param(
            {"image": "registry.example.com/library/rabbitmq:3.11.28-management"},
            "image is RabbitMQ 3.11, got .*; RabbitMQ before 3.12 cannot start on a read-only root filesystem",
            id="image-3.11",
        ),
        pytest.param({"name": "RabbitMQ"}, "name must be a DNS-1123 label .*, got 'RabbitMQ'", id="name-upper"),
        pytest.param({"name": "-rabbit"}, "name must be a DNS-1123 label .*, got '-rabbit'", id="name-leading-dash"),
        pytest.param(
            {"storage_size": "10GB"}, "storage_size must be a quantity in binary units .*, got '10GB'", id="storage-GB"
        ),
        pytest.param(
            {"storage_class_name": "LONGHORN"},
            "storage_class_name must be a DNS-1123 subdomain .*, got 'LONGHORN'",
            id="storage-class",
        ),
        pytest.param(
            {"memory_high_watermark": 0.05},
            r"memory_high_watermark must be between 0\.1 and 0\.9 of the memory limit, got 0\.05",
            id="watermark-low",
        ),
        pytest.param(
            {"memory_high_watermark": 0.95},
            r"memory_high_watermark must be between 0\.1 and 0\.9 of the memory limit, got 0\.95",
            id="watermark-high",
        ),
    ],
)
def test_fails_when_a_prop_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"run_as_user": 0},
            "run_as_user must be an integer from 1 to 2147483647, got 0; Pod Security 'restricted' refuses root",
            id="uid-root",
        ),
        pytest.param(
            {"run_as_user": 2**31}, "run_as_user must be an integer from 1 to 2147483647, got 2147483648", id="uid-high"
        ),
        pytest.param({"run_as_user": None}, "run_as_user must be an integer .*, got None", id="uid-none"),
        pytest.param(
            {"run_as_group": -1},
            "run_as_group must be an integer from 0 to 2147483647 or None, got -1; None uses run_as_user",
            id="gid-neg",
        ),
        pytest.param(
            {"extra_config": [("consumer_timeout", "1")]},
            "extra_config must be a mapping of rabbitmq.conf keys to values",
            id="config-list",
        ),
        pytest.param(
            {"extra_config": {"Consumer_Timeout": "1"}},
            r"extra_config keys must be rabbitmq.conf keys \(\[a-z0-9_\] segments joined by dots\), "
            "got 'Consumer_Timeout'",
            id="key-upper",
        ),
        pytest.param(
            {"extra_config": {"consumer timeout": "1"}},
            "extra_config keys must be rabbitmq.conf keys .*, got 'consumer timeout'",
            id="key-space",
        ),
        pytest.param(
            {"extra_config": {"a = b\nc": "1"}},
            r"extra_config keys must be rabbitmq.conf keys .*, got 'a = b\\nc'",
            id="key-newline",
        ),
        pytest.param(
            {"extra_config": {".management": "1"}},
            r"extra_config keys must be rabbitmq.conf keys .*, got '\.management'",
            id="key-leading-dot",
        ),
        pytest.param(
            {"extra_config": {"consumer_timeout": "1\nlog.file = true"}},
            r"extra_config\['consumer_timeout'\] must be a non-empty single-line string, got '1\\nlog.file = true'",
            id="value-newline",
        ),
        pytest.param(
            {"extra_config": {"consumer_timeout": "  "}},
            r"extra_config\['consumer_timeout'\] must be a non-empty single-line string, got '  '",
            id="value-blank",
        ),
        pytest.param(
            {"extra_config": {"consumer_timeout": 1}},
            r"extra_config\['consumer_timeout'\] must be a non-empty single-line string, got 1",
            id="value-int",
        ),
        pytest.param(
            {"extra_config": {"total_memory_available_override_value": "2147483648"}},
            "extra_config must not set keys the construct manages, got 'total_memory_available_override_value'; "
            "set resources.memory_limit",
            id="key-total-memory",
        ),
        pytest.param(
            {"extra_config": {"vm_memory_high_watermark.relative": "0.8"}},
            "extra_config must not set keys the construct manages, got 'vm_memory_high_watermark.relative'; "
            "use the memory_high_watermark prop",
            id="key-watermark",
        ),
        pytest.param(
            {"extra_config": {"vm_memory_high_watermark.absolute": "1GB"}},
            "extra_config must not set keys the construct manages, got 'vm_memory_high_watermark.absolute'; "
            "use the memory_high_watermark prop",
            id="key-watermark-absolute",
        ),
        pytest.param(
            {"extra_config": {"log.file": "rabbit.log"}},
            "extra_config must not set keys the construct manages, got 'log.file'; logs go to the console only",
            id="key-log-file",
        ),
    ],
)
def test_fails_when_a_new_prop_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


# --- stable names, endpoint, dependencies -------------------------------------------------


def test_rabbitmq_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        RabbitMq(chart, construct_id, props(part_of="aipp"))
        return names_and_selectors(synth(chart))

    assert shape("test", "RabbitMq") == shape("other-chart", "Broker")


def test_rabbitmq_endpoint_names_host_ports_and_credentials(chart: Chart) -> None:
    endpoint = RabbitMq(chart, "RabbitMq", props()).endpoint
    assert endpoint is not None
    assert endpoint.host == "rabbitmq"
    assert dict(endpoint.ports) == {"amqp": 5672, "management": 15672, "prometheus": 15692}
    assert endpoint.port("amqp") == 5672
    assert dict(endpoint.credentials) == {
        "username": SecretKeyRef(name="rabbitmq-credentials", key="username"),
        "password": SecretKeyRef(name="rabbitmq-credentials", key="password"),
    }
    # The Erlang cookie is for cluster members, not for clients.
    assert COOKIE not in endpoint.credentials.values()
    assert dict(endpoint.properties) == {"url": "amqp://rabbitmq:5672"}
    assert endpoint.protocol == "amqp"


def test_rabbitmq_with_a_dependency_is_wave_2_but_configmap_stays_wave_0(chart: Chart) -> None:
    first = RabbitMq(chart, "First", props(name="first"))
    second = RabbitMq(chart, "Second", props(name="second", depends_on=(first,)))
    assert (first.wave, second.wave) == (1, 2)
    waves = {
        (m["kind"], m["metadata"]["name"]): m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for m in synth(chart)
        if m["metadata"]["name"].startswith("second")
    }
    assert waves == {
        ("ConfigMap", "second-config"): "0",
        ("Service", "second-headless"): "2",
        ("Service", "second"): "2",
        ("StatefulSet", "second"): "2",
    }


def test_rabbitmq_version_label_is_the_tag_when_the_image_has_a_digest(chart: Chart) -> None:
    mq = RabbitMq(chart, "RabbitMq", props(image=f"{IMAGE}@sha256:{'a' * 64}"))
    assert mq.labels["app.kubernetes.io/version"] == "3.13.7-management"
