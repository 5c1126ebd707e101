"""Langfuse v3 on Kubernetes, ported from docker-compose.yml with the public API only.

`make synth` writes dist/langfuse.k8s.yaml here (jsii on the project's Node: JSII_NODE).
Every secret comes from Vault (secret/langfuse/<key>): External Secrets, or see vault_agent.py.
"""

import dataclasses
import sys
from pathlib import Path

from cdk8s import App

import aipp_constructs as ac

HOST, MEDIA_HOST = "langfuse.example.com", "langfuse-media.example.com"
BUSYBOX = "harbor.example.com/dockerhub-proxy/library/busybox:1.37.0"
OUTDIR = Path(__file__).resolve().parent / "dist"


def build(app: App, secret_store: ac.SecretStore | None = None) -> ac.PortChart:
    port = ac.PortChart(
        app,
        "langfuse",
        ac.PortDefaults(
            namespace="langfuse",
            part_of="langfuse",
            storage_class_name="longhorn",
            telemetry=ac.Telemetry(mode="off"),
            image_mirror=ac.ImageMirror(host="harbor.example.com"),
            wait=ac.WaitPolicy(image=BUSYBOX),
            secret_store=secret_store or ac.SecretStore(name="vault-backend", vault_path="secret/langfuse"),
        ),
    )
    app_keys = port.vault_secret("langfuse", "app", {k: k for k in ("salt", "encryption-key", "nextauth-secret")})
    pg_keys = port.vault_secret("postgres", "postgres", {"username": "username", "password": "password"})
    ch_keys = port.vault_secret("clickhouse", "clickhouse", {"username": "username", "password": "password"})
    redis_keys = port.vault_secret("redis", "redis", {"password": "password"})
    s3_keys = port.vault_secret("minio", "minio", {"user": "root-user", "password": "root-password"})

    postgres = ac.PgvectorDb(port, "Postgres", ac.PgvectorDbProps(
        name="postgres", image=port.image("postgres:17.11"), database="langfuse", extensions=(),
        username=pg_keys.key("username"), password=pg_keys.key("password"), storage_size="20Gi",
    ))  # fmt: skip
    # Langfuse's queues must never be evicted.
    redis = ac.RedisCache(port, "Redis", ac.RedisCacheProps(
        image=port.image("redis:7.4.11"), password=redis_keys.key("password"), maxmemory_policy="noeviction",
    ))  # fmt: skip
    clickhouse = ac.Workload(port, "ClickHouse", ac.WorkloadProps(
        name="clickhouse", image=port.image("clickhouse/clickhouse-server:25.8.33.6"), run_as_user=101,
        ports=(ac.Port(name="http", number=8123), ac.Port(name="native", number=9000)),
        probes=ac.Probes.of(ac.HttpCheck(path="/ping")), startup_timeout_seconds=120,
        env={"CLICKHOUSE_DB": "default", "CLICKHOUSE_USER": ch_keys.key("username"),
             "CLICKHOUSE_PASSWORD": ch_keys.key("password")},
        # The entrypoint writes the user's file into users.d at start: writable, nothing else.
        scratch=(ac.ScratchVolume(name="users", path="/etc/clickhouse-server/users.d", size="1Mi"),),
        claim_templates=(ac.ClaimTemplate(name="data", path="/var/lib/clickhouse", size="50Gi"),
                         ac.ClaimTemplate(name="logs", path="/var/log/clickhouse-server", size="5Gi")),
        resources=ac.Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="2", memory_limit="4Gi"),
        policy_exceptions={"CKV_K8S_35": "the entrypoint makes the user from CLICKHOUSE_USER/_PASSWORD variables",
                           "CKV_K8S_40": "101 is the clickhouse user the image is built for and owns its files"},
    ))  # fmt: skip
    minio = ac.Workload(port, "Minio", ac.WorkloadProps(
        name="minio", image=port.image("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
        command=("sh", "-c"),  # the bucket exists before Langfuse starts, as in Compose
        args=("mkdir -p /data/langfuse && exec minio server --address :9000 --console-address :9001 /data",),
        ports=(ac.Port(name="api", number=9000), ac.Port(name="console", number=9001)),
        probes=ac.Probes.of(ac.HttpCheck(path="/minio/health/live", port="api")),
        env={"MINIO_ROOT_USER": s3_keys.key("user"), "MINIO_ROOT_PASSWORD": s3_keys.key("password"), "HOME": "/tmp"},
        claim_templates=(ac.ClaimTemplate(name="data", path="/data", size="50Gi"),),
        # run_as_user: the default 10001; MinIO runs as any uid that can write /data (fsGroup)
        policy_exceptions={"CKV_K8S_35": "MINIO_ROOT_USER/_PASSWORD as Compose passes them; _FILE is unverified here"},
    ))  # fmt: skip

    s3: dict[str, str | ac.SecretKeyRef] = {
        "BUCKET": "langfuse",
        "REGION": "auto",
        "FORCE_PATH_STYLE": "true",
        "ACCESS_KEY_ID": s3_keys.key("user"),
        "SECRET_ACCESS_KEY": s3_keys.key("password"),
    }
    ch = clickhouse.required_endpoint
    shared = {
        "NEXTAUTH_URL": f"https://{HOST}",
        "SALT": app_keys.key("salt"),
        "ENCRYPTION_KEY": app_keys.key("encryption-key"),
        "DATABASE_URL": ac.EnvTemplate(
            text="postgresql://{username}:{password}@{host}:{port}/{database}", values=postgres.endpoint.facts()
        ),
        "TELEMETRY_ENABLED": "false",
        "CLICKHOUSE_URL": f"http://{ch.host}:{ch.port('http')}",
        "CLICKHOUSE_MIGRATION_URL": f"clickhouse://{ch.host}:{ch.port('native')}",
        "CLICKHOUSE_USER": ch_keys.key("username"),
        "CLICKHOUSE_PASSWORD": ch_keys.key("password"),
        "CLICKHOUSE_CLUSTER_ENABLED": "false",  # one ClickHouse node
        "REDIS_HOST": redis.endpoint.host,
        "REDIS_PORT": str(redis.endpoint.main_port),
        "REDIS_AUTH": redis_keys.key("password"),
        **{f"LANGFUSE_S3_EVENT_UPLOAD_{k}": v for k, v in {**s3, "PREFIX": "events/", "ENDPOINT": "http://minio:9000"}.items()},
        # Media is uploaded by browsers: the presigned URLs must name a public host.
        **{f"LANGFUSE_S3_MEDIA_UPLOAD_{k}": v for k, v in {**s3, "PREFIX": "media/", "ENDPOINT": f"https://{MEDIA_HOST}"}.items()},
    }  # fmt: skip
    # The worker's props are the web's with what differs replaced (dataclasses.replace keeps
    # the types checked, unlike ** of a dict). Migrations run at start: ten minutes.
    web_props = ac.WorkloadProps(
        name="langfuse-web", image=port.image("langfuse/langfuse:3.199.0"), replicas=2, spread_over_nodes=True,
        ports=(ac.Port(name="http", number=3000),), startup_timeout_seconds=600,
        probes=ac.Probes.of(ac.HttpCheck(path="/api/public/health")),
        env={"HOSTNAME": "0.0.0.0", "NEXTAUTH_SECRET": app_keys.key("nextauth-secret"), **shared},
        scratch=(ac.ScratchVolume(name="next-cache", path="/app/web/.next/cache"),),
        depends_on=(postgres, clickhouse, redis, minio),
        wiring={},  # every variable is written out above, with Langfuse's names
        run_as_user=1001,
        telemetry_language="nodejs",
        policy_exceptions={
            "CKV_K8S_35": "Langfuse takes its credentials as variables, its documented configuration",
            "CKV_K8S_40": "1001 is the user the Langfuse images are built for and own their files",
        },
        resources=ac.Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
    )  # fmt: skip
    web = ac.Workload(port, "Web", web_props)
    ac.Workload(port, "Worker", dataclasses.replace(
        web_props, name="langfuse-worker", image=port.image("langfuse/langfuse-worker:3.199.0"), replicas=1,
        spread_over_nodes=False, ports=(ac.Port(name="http", number=3030),), startup_timeout_seconds=300,
        probes=ac.Probes.of(ac.HttpCheck(path="/api/health")), env=shared, scratch=(),
    ))  # fmt: skip

    routes = (ac.IngressRoute(host=HOST, target=web), ac.IngressRoute(host=MEDIA_HOST, target=minio, port="api"))
    ac.TlsIngress(port, "Ingress", ac.TlsIngressProps(
        name="langfuse", ingress_class_name="nginx", cluster_issuer="letsencrypt-dns01", routes=routes,
    ))  # fmt: skip
    controller = ac.ExternalPeer(
        ports=(3000,), namespace="ingress-nginx", pod_labels={"app.kubernetes.io/name": "ingress-nginx"}
    )
    port.add_network_policies(
        ingress={"langfuse-web": (controller,), "minio": (dataclasses.replace(controller, ports=(9000,)),)}
    )
    return port


def main(outdir: Path = OUTDIR) -> int:
    app = App(outdir=str(outdir))
    build(app)
    app.synth()
    print(f"synthesized langfuse into {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
