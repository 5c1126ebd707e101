"""Dify 1.13 on Kubernetes, ported from ../shared/compose-corpus/dify.yml with the public API only.

`make synth` writes dist/ here. Two namespaces: the code sandbox (root, six capabilities, a
writable root) alone in `dify-sandbox` at Pod Security "baseline"; everything else in `dify`,
"restricted". nginx becomes the Ingress, certbot cert-manager; the optional vector stores
(db_mysql, oceanbase, seekdb, pgvector) are left out. Secrets come from Vault
(secret/dify/<key>) through External Secrets; nothing in git. Facts: FACTS.md.
"""

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path

from cdk8s import App

import aipp_constructs as ac

HOST = "dify.example.com"
BUSYBOX = "harbor.example.com/dockerhub-proxy/library/busybox:1.37.0"
OUTDIR = Path(__file__).resolve().parent / "dist"
# Squid numbers its releases with two components (6.13); Canonical's tag adds the Ubuntu base.
SQUID_POLICY = ac.ImagePolicy(two_number_releases=ac.TWO_NUMBER_RELEASES | {"ubuntu/squid"})
DIFY_UID = 1001  # the `dify` user of the api and web images, owner of their files (init_permissions)
SQUID_CONF = (Path(__file__).resolve().parent / "squid.conf").read_text()  # @SANDBOX_*@ filled at start


def build(app: App) -> tuple[ac.PortChart, ac.PortChart]:
    previous = ac.set_image_policy(SQUID_POLICY)
    defaults = ac.PortDefaults(
        namespace="dify", part_of="dify", storage_class_name="longhorn", telemetry=ac.Telemetry(mode="off"),
        image_mirror=ac.ImageMirror(host="harbor.example.com"), wait=ac.WaitPolicy(image=BUSYBOX),
        secret_store=ac.SecretStore(name="vault-backend", vault_path="secret/dify"),
    )  # fmt: skip
    port = ac.PortChart(app, "dify", defaults)
    box = ac.PortChart(app, "dify-sandbox", dataclasses.replace(defaults, namespace="dify-sandbox", pod_security_level="baseline"))  # fmt: skip
    keys = ("secret-key", "inner-api-key", "plugin-daemon-key", "sandbox-api-key", "weaviate-api-key", "weaviate-api-user")  # fmt: skip
    app_keys = port.vault_secret("dify", "app", {k: k for k in keys})
    pg_keys = port.vault_secret("postgres", "postgres", {"username": "username", "password": "password"})
    redis_keys = port.vault_secret("redis", "redis", {"password": "password"})
    box_keys = box.vault_secret("sandbox", "app", {"sandbox-api-key": "sandbox-api-key"})

    db = ac.PgvectorDb(port, "Postgres", ac.PgvectorDbProps(
        name="db-postgres", image=port.image("postgres:15.16-alpine"), database="dify", extensions=(),
        username=pg_keys.key("username"), password=pg_keys.key("password"), storage_size="20Gi", run_as_user=70,
        extra_args=("-c", "max_connections=100", "-c", "shared_buffers=128MB", "-c", "work_mem=4MB"),
    ))  # fmt: skip
    redis = ac.RedisCache(port, "Redis", ac.RedisCacheProps(
        image=port.image("redis:6.2.24-alpine"), password=redis_keys.key("password"),
    ))  # fmt: skip
    weaviate = ac.Workload(port, "Weaviate", ac.WorkloadProps(
        name="weaviate", image=port.image("semitechnologies/weaviate:1.27.0"), run_as_user=10001,
        ports=(ac.Port(name="http", number=8080), ac.Port(name="grpc", number=50051)),
        probes=ac.Probes.of(ac.HttpCheck(path="/v1/.well-known/ready")), startup_timeout_seconds=120,
        env={"PERSISTENCE_DATA_PATH": "/var/lib/weaviate", "QUERY_DEFAULTS_LIMIT": "25",
             "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false", "DEFAULT_VECTORIZER_MODULE": "none",
             "CLUSTER_HOSTNAME": "node1", "AUTHENTICATION_APIKEY_ENABLED": "true",
             "AUTHENTICATION_APIKEY_ALLOWED_KEYS": app_keys.key("weaviate-api-key"),
             "AUTHENTICATION_APIKEY_USERS": app_keys.key("weaviate-api-user"), "AUTHORIZATION_ADMINLIST_ENABLED": "true",
             "AUTHORIZATION_ADMINLIST_USERS": app_keys.key("weaviate-api-user"), "DISABLE_TELEMETRY": "true"},
        claim_templates=(ac.ClaimTemplate(name="data", path="/var/lib/weaviate", size="20Gi"),),
        resources=ac.Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
        policy_exceptions={"CKV_K8S_35": "Weaviate reads its API keys only from AUTHENTICATION_APIKEY_ALLOWED_KEYS"},
    ))  # fmt: skip
    ssrf = ac.Workload(port, "SsrfProxy", ac.WorkloadProps(
        name="ssrf-proxy", image=port.image("ubuntu/squid:6.13-25.04_beta"), run_as_user=10001,
        ports=(ac.Port(name="http", number=3128), ac.Port(name="sandbox", number=8194)),
        command=("sh", "-c"),  # Dify's entrypoint fills its template in too; squid.conf has no variables
        args=('sed -e "s/@SANDBOX_HOST@/$SANDBOX_HOST/" -e "s/@SANDBOX_PORT@/$SANDBOX_PORT/" /config/squid.conf'
              " > /tmp/squid.conf && exec squid -f /tmp/squid.conf -NYC",),
        config_files={"squid.conf": SQUID_CONF}, probes=ac.Probes.of(ac.TcpCheck(port="http")),
        scratch=(ac.ScratchVolume(name="spool", path="/var/spool/squid"),
                 ac.ScratchVolume(name="cache", path="/var/cache/squid")),
        resources=ac.Resources(cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="256Mi"),
    ))  # fmt: skip
    # The sandbox's outbound HTTP goes through the proxy (props); the proxy's reverse proxy on
    # 8194 reaches the sandbox (a late edge: the sandbox did not exist when the proxy was made).
    sandbox = ac.Workload(box, "Sandbox", ac.WorkloadProps(
        name="sandbox", image=box.image("langgenius/dify-sandbox:0.2.14"),
        ports=(ac.Port(name="http", number=8194),), probes=ac.Probes.of(ac.HttpCheck(path="/health")),
        connects_to=(ssrf,), wiring_overrides={"ssrf-proxy": {"url": ("HTTP_PROXY", "HTTPS_PROXY")}},
        env={"API_KEY": box_keys.key("sandbox-api-key"), "GIN_MODE": "release",
             "WORKER_TIMEOUT": "15", "ENABLE_NETWORK": "true", "SANDBOX_PORT": "8194"},
        tmp_size=None,  # its root filesystem is writable: /tmp is part of it
        security_exception=ac.SecurityException(
            reason="dify-sandbox builds a chroot per run as root by linking system files on its root "
            "filesystem, then chroots each run and drops it to the sandbox user (setgroups, setgid, setuid)",
            run_as_root=True, writable_root_filesystem=True,
            add_capabilities=("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "SYS_CHROOT"),
        ),
        policy_exceptions={"CKV_K8S_35": "dify-sandbox reads its API key only from the API_KEY variable"},
    ))  # fmt: skip
    ssrf.connect_to(sandbox, wiring={"host": "SANDBOX_HOST", "port": "SANDBOX_PORT"})

    db_wiring = {"host": "DB_HOST", "port": "DB_PORT", "username": "DB_USERNAME", "password": "DB_PASSWORD"}
    redis_wiring = {"host": "REDIS_HOST", "port": "REDIS_PORT", "password": "REDIS_PASSWORD"}
    plugin_daemon = ac.Workload(port, "PluginDaemon", ac.WorkloadProps(
        name="plugin-daemon", image=port.image("langgenius/dify-plugin-daemon:0.5.3-local"), run_as_user=10001,
        ports=(ac.Port(name="http", number=5002), ac.Port(name="debug", number=5003)),
        probes=ac.Probes.of(ac.HttpCheck(path="/health/check")), startup_timeout_seconds=300,
        depends_on=(db, redis), wiring_overrides={"db-postgres": db_wiring, "redis": redis_wiring},
        env={"DB_DATABASE": "dify_plugin", "DB_SSL_MODE": "disable", "SERVER_PORT": "5002",
             "SERVER_KEY": app_keys.key("plugin-daemon-key"), "DIFY_INNER_API_KEY": app_keys.key("inner-api-key"),
             "MAX_PLUGIN_PACKAGE_SIZE": "52428800", "PPROF_ENABLED": "false",
             "PLUGIN_REMOTE_INSTALLING_HOST": "0.0.0.0", "PLUGIN_REMOTE_INSTALLING_PORT": "5003",
             "PLUGIN_WORKING_PATH": "/app/storage/cwd", "FORCE_VERIFYING_SIGNATURE": "true",
             "PYTHON_ENV_INIT_TIMEOUT": "120", "PLUGIN_MAX_EXECUTION_TIMEOUT": "600",
             "PLUGIN_STORAGE_TYPE": "local", "PLUGIN_STORAGE_LOCAL_ROOT": "/app/storage",
             "PLUGIN_INSTALLED_PATH": "plugin", "PLUGIN_PACKAGE_CACHE_PATH": "plugin_packages",
             "PLUGIN_MEDIA_CACHE_PATH": "assets", "HOME": "/tmp"},
        claim_templates=(ac.ClaimTemplate(name="storage", path="/app/storage", size="20Gi"),),
        resources=ac.Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
        tmp_size="2Gi",  # each plugin's Python environment is built under HOME
        policy_exceptions={"CKV_K8S_35": "the plugin daemon reads its keys and DB password only from variables"},
    ))  # fmt: skip

    storage = ac.SharedClaim(port, "Storage", ac.SharedClaimProps(name="app-storage", size="20Gi"))
    shared: dict[str, ac.EnvTemplate | ac.SecretKeyRef | str] = {
        "FILES_URL": f"https://{HOST}", "ENDPOINT_URL_TEMPLATE": f"https://{HOST}/e/{{hook_id}}",
        "CONSOLE_CORS_ALLOW_ORIGINS": f"https://{HOST}", "WEB_API_CORS_ALLOW_ORIGINS": "*",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "UV_CACHE_DIR": "/tmp/.uv-cache",
        "LOG_LEVEL": "INFO", "SECRET_KEY": app_keys.key("secret-key"), "MIGRATION_ENABLED": "true",
        "DIFY_BIND_ADDRESS": "0.0.0.0", "DIFY_PORT": "5001", "SERVER_WORKER_AMOUNT": "1",
        "SERVER_WORKER_CLASS": "gevent", "GUNICORN_TIMEOUT": "360", "CELERY_WORKER_AMOUNT": "4",
        "DB_TYPE": "postgresql", "REDIS_USE_SSL": "false", "REDIS_DB": "0", "CELERY_BACKEND": "redis",
        "CELERY_BROKER_URL": ac.EnvTemplate(text="redis://:{password}@{host}:{port}/1", values=redis.endpoint.facts()),
        "STORAGE_TYPE": "opendal", "OPENDAL_SCHEME": "fs", "OPENDAL_FS_ROOT": "storage", "VECTOR_STORE": "weaviate",
        "WEAVIATE_API_KEY": app_keys.key("weaviate-api-key"), "CODE_EXECUTION_API_KEY": app_keys.key("sandbox-api-key"),
        "PLUGIN_DAEMON_KEY": app_keys.key("plugin-daemon-key"),
        "PLUGIN_DIFY_INNER_API_KEY": app_keys.key("inner-api-key"), "INNER_API_KEY_FOR_PLUGIN": app_keys.key("inner-api-key"),
        "PLUGIN_MAX_PACKAGE_SIZE": "52428800", "MARKETPLACE_ENABLED": "true",
        "MARKETPLACE_API_URL": "https://marketplace.dify.ai",
    }  # fmt: skip
    overrides: dict[str, Mapping[str, str | tuple[str, ...]]] = {
        "db-postgres": {**db_wiring, "database": "DB_DATABASE"}, "redis": redis_wiring,
        "weaviate": {"url": "WEAVIATE_ENDPOINT"}, "sandbox": {"url": "CODE_EXECUTION_ENDPOINT"},
        "ssrf-proxy": {"url": ("SSRF_PROXY_HTTP_URL", "SSRF_PROXY_HTTPS_URL")}, "plugin-daemon": {"url": "PLUGIN_DAEMON_URL"},
    }  # fmt: skip
    api_props = ac.WorkloadProps(
        name="api", image=port.image("langgenius/dify-api:1.13.3"), run_as_user=DIFY_UID,
        ports=(ac.Port(name="http", number=5001),), probes=ac.Probes.of(ac.HttpCheck(path="/health")),
        startup_timeout_seconds=600,  # migrations run at start (MIGRATION_ENABLED)
        depends_on=(db, redis), connects_to=(weaviate, plugin_daemon, ssrf, sandbox),
        wiring_overrides=overrides, env={"MODE": "api", "PLUGIN_DAEMON_TIMEOUT": "600.0", **shared},
        claims=(storage.volume("/app/api/storage"),),
        # Compose's init_permissions chowns the volume to 1001; here fsGroup does, and this
        # step writes its flag file as the dify user, proving the volume is writable.
        init_steps=(ac.InitStep(name="init-permissions", volumes=("app-storage",),
                                command=("touch", "/app/api/storage/.init_permissions")),),
        resources=ac.Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
        telemetry_language="python",
        policy_exceptions={"CKV_K8S_35": "Dify reads its keys and passwords only from variables, as in Compose",
                           "CKV_K8S_40": "1001 is the dify user the api image is built for and owns its files"},
    )  # fmt: skip
    api = ac.Workload(port, "Api", api_props)
    # api <-> plugin_daemon: the api calls the daemon (props), the daemon calls the api's inner API.
    plugin_daemon.connect_to(api, wiring={"url": "DIFY_INNER_API_URL"})
    # Compose disables the celery ping by default (costly); the probe keeps it slow.
    celery_ping = ac.ExecCheck(command=("celery", "-A", "celery_healthcheck.celery", "inspect", "ping"))
    ac.Workload(port, "Worker", dataclasses.replace(
        api_props, name="worker", ports=(), env={"MODE": "worker", **shared},
        probes=ac.Probes.of(celery_ping, period_seconds=60, timeout_seconds=30),
    ))  # fmt: skip
    beat = "celery beat serves nothing and answers no celery ping; Compose's check of it is disabled too"
    ac.Workload(port, "WorkerBeat", dataclasses.replace(
        api_props, name="worker-beat", ports=(), env={"MODE": "beat", **shared}, claims=(), init_steps=(),
        connects_to=(), wiring_overrides={k: overrides[k] for k in ("db-postgres", "redis")},
        probes=None, policy_exceptions={**api_props.policy_exceptions, "CKV_K8S_8": beat, "CKV_K8S_9": beat},
        resources=ac.Resources(cpu_request="100m", memory_request="512Mi", cpu_limit="1", memory_limit="1Gi"),
    ))  # fmt: skip
    web = ac.Workload(port, "Web", ac.WorkloadProps(
        name="web", image=port.image("langgenius/dify-web:1.13.3"), run_as_user=DIFY_UID,
        ports=(ac.Port(name="http", number=3000),), probes=ac.Probes.of(ac.HttpCheck(path="/")),
        # The image defaults both to http://127.0.0.1:5001, which browsers would call: the public URL.
        env={"CONSOLE_API_URL": f"https://{HOST}", "APP_API_URL": f"https://{HOST}", "NEXT_TELEMETRY_DISABLED": "1",
             "TEXT_GENERATION_TIMEOUT_MS": "60000", "ALLOW_EMBED": "false",
             "MARKETPLACE_API_URL": "https://marketplace.dify.ai", "MARKETPLACE_URL": "https://marketplace.dify.ai",
             "LOOP_NODE_MAX_COUNT": "100", "MAX_TOOLS_NUM": "10", "MAX_PARALLEL_LIMIT": "10",
             "MAX_ITERATIONS_NUM": "99", "MAX_TREE_DEPTH": "50", "PM2_HOME": "/tmp/.pm2"},
        telemetry_language="nodejs",
        policy_exceptions={"CKV_K8S_40": "1001 is the dify user the web image is built for and owns its files"},
    ))  # fmt: skip

    # Dify's nginx routes, as its default.conf.template sends them.
    to_api = ("/console/api", "/api", "/v1", "/files", "/mcp", "/triggers")
    routes = (
        *(ac.IngressRoute(host=HOST, path=path, target=api) for path in to_api),
        ac.IngressRoute(host=HOST, path="/explore", target=web),
        ac.IngressRoute(host=HOST, path="/e/", target=plugin_daemon),
        ac.IngressRoute(host=HOST, path="/", target=web),
    )
    ac.TlsIngress(port, "Ingress", ac.TlsIngressProps(
        name="dify", ingress_class_name="nginx", cluster_issuer="letsencrypt-dns01", routes=routes,
    ))  # fmt: skip
    controller = ac.ExternalPeer(namespace="ingress-nginx", ports=(5001,))
    internet = ac.ExternalPeer.internet([443])
    port.add_network_policies(
        ingress={"api": (controller,), "web": (dataclasses.replace(controller, ports=(3000,)),),
                 "plugin-daemon": (dataclasses.replace(controller, ports=(5002,)),)},
        # Model providers, the marketplace and plugin packages are on the internet; user-given
        # URLs (and all the sandbox's traffic) go through the proxy.
        egress={"api": (internet,), "worker": (internet,), "plugin-daemon": (internet,),
                "ssrf-proxy": (ac.ExternalPeer.internet([80, 443]),)},
    )  # fmt: skip
    box.add_network_policies()
    ac.set_image_policy(previous)
    return port, box


def main(outdir: Path = OUTDIR) -> int:
    app = App(outdir=str(outdir))
    build(app)
    app.synth()
    print(f"synthesized dify into {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
