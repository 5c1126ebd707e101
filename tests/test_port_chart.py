"""PortChart: a port's defaults said once, NetworkPolicies derived from what the chart holds."""

from __future__ import annotations

import cdk8s
import pytest
from conftest import container, env_of, one, pod_spec, synth

from aipp_constructs import (
    ClaimTemplate,
    ImageMirror,
    Port,
    PortChart,
    PortDefaults,
    SecretStore,
    Telemetry,
    WaitPolicy,
    Workload,
    WorkloadProps,
)

WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")


def _chart(**overrides: object) -> PortChart:
    defaults = {
        "namespace": "acme",
        "part_of": "acme",
        "wait": WAIT,
        "image_mirror": ImageMirror(host="harbor.example.com"),
        "image_pull_secrets": ("harbor",),
        "telemetry": Telemetry(mode="operator"),
        "storage_class_name": "longhorn",
        "secret_store": SecretStore(name="vault-backend", vault_path="secret/acme"),
        **overrides,
    }
    return PortChart(cdk8s.Testing.app(), "acme", PortDefaults(**defaults))  # type: ignore[arg-type]


def test_images_are_pulled_through_the_mirror_and_must_be_pinned() -> None:
    chart = _chart()
    assert chart.image("redis:7.4.11") == "harbor.example.com/dockerhub-proxy/library/redis:7.4.11"
    assert chart.image("clickhouse/clickhouse-server:25.8.33.6") == (
        "harbor.example.com/dockerhub-proxy/clickhouse/clickhouse-server:25.8.33.6"
    )
    assert (
        chart.image("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z")
        == "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"
    )
    with pytest.raises(ValueError, match="uses the moving tag '7'"):
        chart.image("redis:7")
    assert _chart(image_mirror=None).image("redis:7.4.11") == "redis:7.4.11"


def test_workloads_take_the_ports_kubernetes_version_unless_they_set_one() -> None:
    chart = _chart(kubernetes_version="v1.31")
    for name, version in (("api", None), ("old", "v1.28")):
        props = WorkloadProps(
            name=name,
            image=chart.image("acme/api:1.2.3"),
            pre_stop_sleep_seconds=5,
            kubernetes_version=version,
            telemetry=Telemetry(mode="off"),
        )
        Workload(chart, name.title(), props)
    manifests = synth(chart)
    assert container(one(manifests, "Deployment", "api"), "api")["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    assert container(one(manifests, "Deployment", "old"), "old")["lifecycle"] == {
        "preStop": {"exec": {"command": ["sleep", "5"]}}
    }


def test_port_defaults_refuse_a_malformed_kubernetes_version() -> None:
    with pytest.raises(ValueError, match="^kubernetes_version must be a Kubernetes version like 'v1.30'.*got 'latest'"):
        _chart(kubernetes_version="latest")


def test_workloads_take_the_port_defaults_they_do_not_set() -> None:
    chart = _chart()
    db = Workload(
        chart,
        "Db",
        WorkloadProps(
            name="db",
            image=chart.image("postgres:17.6"),
            protocol="tcp",
            ports=(Port(name="postgresql", number=5432),),
            claim_templates=(ClaimTemplate(name="data", path="/var/lib/postgresql/data", size="10Gi"),),
        ),
    )
    Workload(
        chart,
        "Api",
        WorkloadProps(
            name="api", image=chart.image("acme/api:1.2.3"), depends_on=(db,), telemetry=Telemetry(mode="off")
        ),
    )
    chart.add_network_policies()
    manifests = synth(chart)
    api = one(manifests, "Deployment", "api")
    assert api["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"
    assert [c["name"] for c in pod_spec(api)["initContainers"]] == ["wait-for-db"]
    assert pod_spec(api)["imagePullSecrets"] == [{"name": "harbor"}]
    assert "OTEL_SERVICE_NAME" not in env_of(container(api, "api"))  # its own telemetry wins
    db_set = one(manifests, "StatefulSet", "db")
    assert db_set["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "longhorn"
    assert db_set["spec"]["template"]["metadata"]["annotations"] == {
        "instrumentation.opentelemetry.io/inject-java": "true"
    }
    policies = sorted(m["metadata"]["name"] for m in manifests if m["kind"] == "NetworkPolicy")
    assert policies == ["allow-dns", "api", "db", "default-deny"]
    assert (
        one(manifests, "Namespace", "acme")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    )


def test_network_policies_are_derived_once() -> None:
    chart = _chart()
    chart.add_network_policies()
    with pytest.raises(ValueError, match="add_network_policies was called twice"):
        chart.add_network_policies()


def test_vault_secrets_read_the_port_store() -> None:
    chart = _chart()
    secret = chart.vault_secret("app-secrets", "app", {"salt": "salt"})
    manifest = one(synth(chart), "ExternalSecret", "app-secrets")
    assert manifest["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault-backend"}
    assert manifest["spec"]["data"] == [
        {"remoteRef": {"key": "secret/acme/app", "property": "salt"}, "secretKey": "salt"}
    ]
    assert secret.key("salt").name == "app-secrets"
    with pytest.raises(ValueError, match="the port has no secret_store"):
        _chart(secret_store=None).vault_secret("x", "x", {"a": "a"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"namespace": "Acme"}, "namespace must be a DNS-1123 label"),
        ({"pod_security_level": "privileged"}, "pod_security_level must be one of restricted, baseline"),
        ({"storage_class_name": "Long Horn"}, "storage_class_name must be a DNS-1123 subdomain"),
    ],
)
def test_defaults_validation(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _chart(**overrides)


def test_secret_store_validation() -> None:
    with pytest.raises(ValueError, match="vault_path must be a KV path with its mount"):
        SecretStore(name="vault", vault_path="acme")


def test_data_presets_and_other_components_take_the_port_defaults_too() -> None:
    from aipp_constructs import PgvectorDb, PgvectorDbProps, RedisCache, RedisCacheProps, SecretKeyRef

    chart = _chart()
    secret = SecretKeyRef(name="db", key="password")
    PgvectorDb(
        chart,
        "Db",
        PgvectorDbProps(
            image=chart.image("pgvector/pgvector:0.8.1-pg17-bookworm"), username=secret, password=secret, extensions=()
        ),
    )
    RedisCache(chart, "Cache", RedisCacheProps(image=chart.image("redis:7.4.11"), password=secret))
    manifests = synth(chart)
    database = one(manifests, "StatefulSet", "pgvector")
    assert database["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"
    assert database["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "longhorn"
    assert one(manifests, "PersistentVolumeClaim", "redis-data")["spec"]["storageClassName"] == "longhorn"
    # The data services wait for nothing and carry no telemetry (their images have no agent).
    for name, kind in (("pgvector", "StatefulSet"), ("redis", "Deployment")):
        spec = pod_spec(one(manifests, kind, name))
        assert "initContainers" not in spec and "OTEL_SERVICE_NAME" not in env_of(spec["containers"][0])
