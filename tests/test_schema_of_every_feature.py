"""Every object any construct can write is schema-valid, not only what AIPP and the examples use.

The constructs write plain data (aipp_constructs.core._manifest), so a misspelt field would reach the
YAML silently; the strict Kubernetes schemas (1.27 and the newest bundled) and the CRD schemas
catch it. This chart uses every feature of every construct at least once.
"""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from conftest import synth

import aipp_constructs as ac
from aipp_constructs.checks import KUBERNETES_VERSIONS, check_pod_security, load_crd_schemas, validate_manifest

IMAGE = "registry.example.com/acme/app:1.2.3"


def _everything() -> list[dict[str, Any]]:
    port = ac.PortChart(
        cdk8s.Testing.app(),
        "all",
        ac.PortDefaults(
            namespace="all",
            part_of="all",
            pod_security_level="baseline",
            image_mirror=ac.ImageMirror(host="harbor.example.com"),
            image_pull_secrets=("harbor",),
            wait=ac.WaitPolicy(image="registry.example.com/library/busybox:1.37.0"),
            storage_class_name="longhorn",
            secret_store=ac.SecretStore(name="vault", vault_path="secret/all"),
        ),
    )
    keys = port.vault_secret("all", "all", {"password": "password", "token": "token"})
    pull = port.vault_secret(
        "pull", "pull", {"username": "username", "password": "password"}, secret_type="kubernetes.io/dockerconfigjson",  # pragma: allowlist secret
        template_data={".dockerconfigjson": '{"auths":{"r":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}'},
    )  # fmt: skip
    del pull
    db = ac.PgvectorDb(port, "Db", ac.PgvectorDbProps(
        image=port.image("pgvector/pgvector:0.8.1-pg17-bookworm"), username=keys.key("password"),
        password=keys.key("password"), extra_args=("-c", "max_connections=50"), run_as_user=70,
    ))  # fmt: skip
    cache = ac.RedisCache(
        port, "Cache", ac.RedisCacheProps(image=port.image("redis:7.4.11"), password=keys.key("password"))
    )
    mq = ac.RabbitMq(port, "Mq", ac.RabbitMqProps(
        image=port.image("rabbitmq:3.13.7-management"), username=keys.key("password"), password=keys.key("password"),
        erlang_cookie=keys.key("token"), extra_config={"heartbeat": "30"},
    ))  # fmt: skip
    shared = ac.SharedClaim(port, "Uploads", ac.SharedClaimProps(name="uploads", size="1Gi"))
    api = ac.Workload(port, "Api", ac.WorkloadProps(
        name="api", image=IMAGE, command=("/bin/api",), args=("--serve",), replicas=2, spread_over_nodes=True,
        ports=(ac.Port(name="http", number=8080), ac.Port(name="dns", number=5353, protocol="UDP"),
               ac.Port(name="debug", number=9229, expose=False)),
        probes=ac.Probes(startup=ac.Probe(check=ac.HttpCheck(path="/health"), failure_threshold=None),
                         readiness=ac.Probe(check=ac.TcpCheck()), liveness=ac.Probe(check=ac.ExecCheck(command=("true",)))),
        depends_on=(db,), waits_for=(cache,), connects_to=(mq,),
        env={"TOKEN": keys.key("token"), "POD": ac.FieldRef(field_path="metadata.name"),
             "URL": ac.EnvTemplate(text="postgresql://{username}:{password}@{host}:{port}/{database}",
                                   values=db.endpoint.facts())},
        settings_in_config_map=True, config_files={"a.conf": "a=1\n"}, config_files_mount="files",
        scratch=(ac.ScratchVolume(name="shm", path="/dev/shm", size="64Mi", memory=True),),
        claims=(shared.volume("/uploads"),),
        secret_files=(ac.SecretFile(name="token", path="/run/secrets/api/token", secret=keys.key("token")),),
        init_steps=(ac.InitStep(name="prepare", command=("sh", "-c", "true"), volumes=("shm",)),),
        extended_resources={"nvidia.com/gpu": 1}, node_selector={"gpu": "true"},
        tolerations=(ac.Toleration(key="nvidia.com/gpu"), ac.Toleration(key="pool", operator="Equal", value="gpu")),
        runtime_class_name="nvidia", pre_stop_command=("sleep", "5"),
        telemetry=ac.Telemetry(mode="operator"), telemetry_language="python",
        security_exception=ac.SecurityException(reason="the sandbox switches users per run", add_capabilities=("SETUID",)),
    ))  # fmt: skip
    ac.Workload(port, "Stateful", ac.WorkloadProps(
        name="store", image=IMAGE, ports=(ac.Port(name="http", number=9000),), container_name="server",
        claim_templates=(ac.ClaimTemplate(name="data", path="/data", size="1Gi", access_modes=("ReadWriteOncePod",)),),
        strategy="RollingUpdate", run_as_group=2000,
    ))  # fmt: skip
    ac.Workload(
        port, "Worker", ac.WorkloadProps(name="worker", image=IMAGE, strategy="Recreate", disruption_budget=True)
    )
    ac.OneShotJob(port, "Migrate", ac.OneShotJobProps(
        name="migrate", image=IMAGE, waits_for=(db,), hook="PreSync", ttl_seconds_after_finished=600,
    ))  # fmt: skip
    ac.SpringService(
        port,
        "Spring",
        ac.SpringServiceProps(
            name="spring", image=IMAGE, management_port=8081, config_files={"application.yaml": "a: 1\n"}
        ),
    )
    ac.WebFrontend(
        port, "Web", ac.WebFrontendProps(name="web", image=IMAGE, depends_on=(api,), cache_dirs=("/app/.cache",))
    )
    ac.GpuWorker(port, "Gpu", ac.GpuWorkerProps(name="gpu", image=IMAGE, health_path="/health"))
    ac.PgDumpBackup(port, "Dump", ac.PgDumpBackupProps(database=db, image=port.image("postgres:17.6"), name="dump"))
    ac.PostSyncCheck(port, "Check", ac.PostSyncCheckProps(
        name="check", image=IMAGE, description="api answers", script="true", target=api,
    ))  # fmt: skip
    ac.ComponentServiceMonitor(port, "Monitor", ac.ComponentServiceMonitorProps(component=mq, port="prometheus"))
    ac.LonghornRecurringJobs(port, "Jobs", ac.LonghornRecurringJobsProps(
        jobs=(ac.RecurringJobSpec(name="all-snap", task="snapshot", cron="0 * * * *", retain=3),),
    ))  # fmt: skip
    ac.TlsIngress(port, "Ingress", ac.TlsIngressProps(
        name="all", routes=(ac.IngressRoute(host="all.example.com", target=api),), ingress_class_name="nginx",
        cluster_issuer="letsencrypt",
    ))  # fmt: skip
    ac.GitOpsApplication(port, "App", ac.GitOpsApplicationProps(
        name="all", repo_url="https://git.example.com/all.git", path="dist/all", destination_namespace="all",
    ))  # fmt: skip
    port.add_network_policies(egress={"api": (ac.ExternalPeer.internet(ports=(443,)),)})
    return synth(port)


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return _everything()


def test_every_kind_is_there(manifests: list[dict[str, Any]]) -> None:
    assert {m["kind"] for m in manifests} >= {
        "Namespace", "ExternalSecret", "ConfigMap", "Service", "StatefulSet", "Deployment", "PersistentVolumeClaim",
        "PodDisruptionBudget", "Job", "CronJob", "ServiceMonitor", "RecurringJob", "Ingress", "Application",
        "NetworkPolicy",
    }  # fmt: skip


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_of_every_feature_validates_strictly(manifests: list[dict[str, Any]], version: str) -> None:
    schemas = load_crd_schemas()
    assert [e for doc in manifests for e in validate_manifest(doc, version, schemas)] == []


def test_every_pod_passes_pod_security_with_the_declared_exception(manifests: list[dict[str, Any]]) -> None:
    assert [f for doc in manifests for f in check_pod_security(doc)] == []
