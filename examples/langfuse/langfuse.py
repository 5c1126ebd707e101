"""Langfuse v3 on Kubernetes, ported from docker-compose.yml with the public API only.

Run: `.venv/bin/python examples/langfuse/langfuse.py` writes dist/langfuse.k8s.yaml here.
Every secret comes from Vault (secret/langfuse/<key>) through External Secrets; nothing in git.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cdk8s import App

from aipp_constructs import (
    ClaimTemplate,
    EnvTemplate,
    ExternalPeer,
    HttpCheck,
    ImageMirror,
    IngressRoute,
    PgvectorDb,
    PgvectorDbProps,
    Port,
    PortChart,
    PortDefaults,
    Probes,
    RedisCache,
    RedisCacheProps,
    Resources,
    ScratchVolume,
    SecretStore,
    Telemetry,
    TlsIngress,
    TlsIngressProps,
    WaitPolicy,
    Workload,
    WorkloadProps,
)

HOST = "langfuse.example.com"
MEDIA_HOST = "langfuse-media.example.com"


def build(app: App) -> PortChart:
    port = PortChart(app, "langfuse", PortDefaults(
        namespace="langfuse", part_of="langfuse", storage_class_name="longhorn", telemetry=Telemetry(mode="off"),
        image_mirror=ImageMirror(host="harbor.example.com"),
        wait=WaitPolicy(image="harbor.example.com/dockerhub-proxy/library/busybox:1.37.0"),
        secret_store=SecretStore(name="vault-backend", vault_path="secret/langfuse")))
    app_keys = port.vault_secret("langfuse", "app", {k: k for k in ("salt", "encryption-key", "nextauth-secret")})
    pg_keys = port.vault_secret("postgres", "postgres", {"username": "username", "password": "password"})
    ch_keys = port.vault_secret("clickhouse", "clickhouse", {"username": "username", "password": "password"})
    redis_keys = port.vault_secret("redis", "redis", {"password": "password"})
    s3_keys = port.vault_secret("minio", "minio", {"user": "root-user", "password": "root-password"})

    postgres = PgvectorDb(port, "Postgres", PgvectorDbProps(
        name="postgres", image=port.image("postgres:17.11"), database="langfuse", extensions=(),
        username=pg_keys.key("username"), password=pg_keys.key("password"), storage_size="20Gi"))
    redis = RedisCache(port, "Redis", RedisCacheProps(
        image=port.image("redis:7.4.11"), password=redis_keys.key("password"),
        extra_args=("--maxmemory-policy", "noeviction")))  # Langfuse's queues must never be evicted
    clickhouse = Workload(port, "ClickHouse", WorkloadProps(
        name="clickhouse", image=port.image("clickhouse/clickhouse-server:25.8.33.6"), run_as_user=101,
        ports=(Port(name="http", number=8123), Port(name="native", number=9000)),
        probes=Probes.of(HttpCheck(path="/ping")), startup_timeout_seconds=120,
        env={"CLICKHOUSE_DB": "default", "CLICKHOUSE_USER": ch_keys.key("username"),
             "CLICKHOUSE_PASSWORD": ch_keys.key("password")},
        # The entrypoint writes the user's file into users.d at start: writable, nothing else.
        scratch=(ScratchVolume(name="users", path="/etc/clickhouse-server/users.d", size="1Mi"),),
        claim_templates=(ClaimTemplate(name="data", path="/var/lib/clickhouse", size="50Gi"),
                         ClaimTemplate(name="logs", path="/var/log/clickhouse-server", size="5Gi")),
        resources=Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="2", memory_limit="4Gi")))
    minio = Workload(port, "Minio", WorkloadProps(
        name="minio", image=port.image("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
        command=("sh", "-c"),  # the bucket exists before Langfuse starts, as in Compose
        args=("mkdir -p /data/langfuse && exec minio server --address :9000 --console-address :9001 /data",),
        ports=(Port(name="api", number=9000), Port(name="console", number=9001)),
        probes=Probes.of(HttpCheck(path="/minio/health/live", port="api")),
        env={"MINIO_ROOT_USER": s3_keys.key("user"), "MINIO_ROOT_PASSWORD": s3_keys.key("password"), "HOME": "/tmp"},
        claim_templates=(ClaimTemplate(name="data", path="/data", size="50Gi"),)))

    s3 = {"BUCKET": "langfuse", "REGION": "auto", "FORCE_PATH_STYLE": "true",
          "ACCESS_KEY_ID": s3_keys.key("user"), "SECRET_ACCESS_KEY": s3_keys.key("password")}
    shared = {
        "NEXTAUTH_URL": f"https://{HOST}",
        "SALT": app_keys.key("salt"),
        "ENCRYPTION_KEY": app_keys.key("encryption-key"),
        "DATABASE_URL": EnvTemplate(text="postgresql://{username}:{password}@{host}:{port}/{database}",
                                    values=postgres.endpoint.facts()),  # type: ignore[union-attr]
        "TELEMETRY_ENABLED": "false",
        "CLICKHOUSE_URL": f"http://clickhouse:{clickhouse.endpoint.port('http')}",  # type: ignore[union-attr]
        "CLICKHOUSE_MIGRATION_URL": f"clickhouse://clickhouse:{clickhouse.endpoint.port('native')}",  # type: ignore[union-attr]
        "CLICKHOUSE_USER": ch_keys.key("username"),
        "CLICKHOUSE_PASSWORD": ch_keys.key("password"),
        "CLICKHOUSE_CLUSTER_ENABLED": "false",  # one ClickHouse node
        "REDIS_HOST": redis.name,
        "REDIS_PORT": str(redis.endpoint.main_port),  # type: ignore[union-attr]
        "REDIS_AUTH": redis_keys.key("password"),
        **{f"LANGFUSE_S3_EVENT_UPLOAD_{k}": v for k, v in {**s3, "PREFIX": "events/", "ENDPOINT": "http://minio:9000"}.items()},
        # Media is uploaded by browsers: the presigned URLs must name a public host.
        **{f"LANGFUSE_S3_MEDIA_UPLOAD_{k}": v for k, v in {**s3, "PREFIX": "media/", "ENDPOINT": f"https://{MEDIA_HOST}"}.items()},
    }
    common = {"depends_on": (postgres, clickhouse, redis, minio), "wiring": {}, "run_as_user": 1001,
              "resources": Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi")}
    web = Workload(port, "Web", WorkloadProps(
        name="langfuse-web", image=port.image("langfuse/langfuse:3.199.0"), replicas=2, spread_over_nodes=True,
        ports=(Port(name="http", number=3000),), telemetry_language="nodejs", startup_timeout_seconds=600,
        probes=Probes.of(HttpCheck(path="/api/public/health")),  # migrations run at start: 10 minutes
        env={"HOSTNAME": "0.0.0.0", "NEXTAUTH_SECRET": app_keys.key("nextauth-secret"), **shared},
        scratch=(ScratchVolume(name="next-cache", path="/app/web/.next/cache"),), **common))
    Workload(port, "Worker", WorkloadProps(
        name="langfuse-worker", image=port.image("langfuse/langfuse-worker:3.199.0"),
        ports=(Port(name="http", number=3030),), telemetry_language="nodejs",
        probes=Probes.of(HttpCheck(path="/api/health")), env=shared, **common))

    TlsIngress(port, "Ingress", TlsIngressProps(
        name="langfuse", ingress_class_name="nginx", cluster_issuer="letsencrypt-dns01",
        routes=(IngressRoute(host=HOST, target=web), IngressRoute(host=MEDIA_HOST, target=minio, port="api"))))
    controller = {"namespace": "ingress-nginx", "pod_labels": {"app.kubernetes.io/name": "ingress-nginx"}}
    port.add_network_policies(ingress={
        "langfuse-web": (ExternalPeer(ports=(3000,), **controller),),  # type: ignore[arg-type]
        "minio": (ExternalPeer(ports=(9000,), **controller),),  # type: ignore[arg-type]
    })
    return port


def main(outdir: Path = Path(__file__).resolve().parent / "dist") -> int:
    app = App(outdir=str(outdir))
    build(app)
    app.synth()
    print(f"synthesized langfuse into {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
