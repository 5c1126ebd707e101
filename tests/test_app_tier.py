"""The AIPP application tier as composed from environment files: graph, images, linker switch.

Expectations come from the frozen fixture ``tests/environments/reference.yaml`` (a copy of
dev-meta), never from today's values of ``environments/dev-meta.yaml``: a routine edit of a real
environment file (a tag bump, option B, the linker switched off) must not break a test.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REFERENCE, container, env_of, one, pod_spec, write_environment
from fakeregistry import PINNED_VENDOR_ROWS, FakeRegistry, digest_of

import main
from aipp_constructs import ConfigError
from aipp_constructs.__main__ import main as cli
from aipp_constructs.aipp import load_environment
from aipp_constructs.aipp.observability import metric_names

#: The frozen fixture every behaviour test reads; the constants below are its values.
VENDOR = "registry.gitlab.enai-rnd-2.en-core.info:10003"
HARBOR = "harbor.dev.unifiedmeta.net"
APPS = ["enai-backend", "enai-data-processor", "enai-linker", "enai-scheduler", "enai-front"]


def _env_file(tmp_path: Path, name: str = "reference", /, **changes: Any) -> Path:
    """The reference fixture with ``changes`` applied: ``{"components.enai-linker": {...}}`` style keys."""
    return write_environment(tmp_path, name, **changes)


def _synth_text(path: Path, tmp_path: Path) -> str:
    return main.build_app(load_environment(path), str(tmp_path / "out")).synth_yaml()


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _by_name(docs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["metadata"]["name"].startswith(name)]


@pytest.fixture(scope="module")
def reference_docs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return _docs(_synth_text(REFERENCE, tmp_path_factory.mktemp("reference")))


def test_all_eight_services_are_deployed_with_a_service_each(reference_docs: list[dict[str, Any]]) -> None:
    workloads = {
        (d["kind"], d["metadata"]["name"]) for d in reference_docs if d["kind"] in {"Deployment", "StatefulSet"}
    }
    assert workloads == {
        ("StatefulSet", "pgvector"),
        ("Deployment", "redis"),
        ("StatefulSet", "rabbitmq"),
        *(("Deployment", app) for app in APPS),
    }
    services = {d["metadata"]["name"] for d in reference_docs if d["kind"] == "Service"}
    assert {"pgvector", "redis", "rabbitmq", *APPS} <= services


def test_each_dependency_edge_gives_a_wait_container_and_its_wiring(reference_docs: list[dict[str, Any]]) -> None:
    backend = one(reference_docs, "Deployment", "enai-backend")
    assert [c["name"] for c in pod_spec(backend)["initContainers"]] == [
        "wait-for-pgvector",
        "wait-for-redis",
        "wait-for-rabbitmq",
    ]
    env = env_of(container(backend, "enai-backend"))
    assert env["SPRING_DATASOURCE_URL"] == "jdbc:postgresql://pgvector:5432/aipp"
    assert env["SPRING_DATASOURCE_PASSWORD"] == {"secretKeyRef": {"key": "password", "name": "pgvector-credentials"}}
    assert env["SPRING_DATA_REDIS_HOST"] == "redis"
    assert env["SPRING_RABBITMQ_USERNAME"] == {"secretKeyRef": {"key": "username", "name": "rabbitmq-credentials"}}
    front = one(reference_docs, "Deployment", "enai-front")
    # `after` orders the waves only: the front end waits for and knows only the backend.
    assert [c["name"] for c in pod_spec(front)["initContainers"]] == ["wait-for-enai-backend"]
    assert env_of(container(front, "enai-front"))["ENAI_BACKEND_URL"] == "http://enai-backend:8080"
    linker = one(reference_docs, "ConfigMap", "enai-linker-config")
    assert linker["data"]["PGVECTOR_HOST"] == "pgvector" and "PGVECTOR_PASSWORD" not in linker["data"]


def test_images_come_from_the_harbor_mirror_and_the_dockerhub_proxy(reference_docs: list[dict[str, Any]]) -> None:
    images = {
        c["name"]: c["image"]
        for d in reference_docs
        if d["kind"] in {"Deployment", "StatefulSet"}
        for c in pod_spec(d)["containers"] + pod_spec(d).get("initContainers", [])
    }
    assert images["enai-front"] == f"{HARBOR}/aipp/front-next:v1.0.0"
    assert images["enai-data-processor"] == f"{HARBOR}/aipp/catalog-collector:v1.0.0"
    assert images["enai-linker"] == f"{HARBOR}/aipp/linker:v1.0.0"
    assert images["wait-for-pgvector"] == f"{HARBOR}/dockerhub-proxy/library/busybox:1.37.0"
    assert not any("imagePullSecrets" in pod_spec(d) for d in reference_docs if d["kind"] == "Deployment")


def test_disabling_the_linker_removes_it_and_changes_nothing_else(tmp_path: Path) -> None:
    """Acceptance: only the linker's objects and the policy rules of its edges go; every other
    object is byte-identical (apart from the environment name)."""
    no_gpu = _env_file(tmp_path, "no-gpu", **{"components.enai-linker": {"enabled": False}})
    text = _synth_text(no_gpu, tmp_path)
    assert "linker" not in text
    reference = _synth_text(REFERENCE, tmp_path).replace(
        "deployment.environment.name=reference", "deployment.environment.name=no-gpu"
    )
    kept = [doc for doc in reference.split("\n---\n") if "linker" not in doc]
    assert [doc for doc in text.split("\n---\n") if doc in kept] == kept
    mentioning = [yaml.safe_load(doc) for doc in reference.split("\n---\n") if "linker" in doc]
    removed = {(d["kind"], d["metadata"]["name"]) for d in mentioning if "linker" in d["metadata"]["name"]}
    assert removed == {
        ("ConfigMap", "enai-linker-config"),
        ("Service", "enai-linker"),
        ("Deployment", "enai-linker"),
        ("NetworkPolicy", "enai-linker"),
    }
    # The linker's peers keep their policies, minus exactly the rules of the linker's edges.
    remaining = {(d["kind"], d["metadata"]["name"]): d for d in _docs(text)}
    for doc in mentioning:
        if "linker" in doc["metadata"]["name"]:
            continue
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].endswith("-dashboard"):
            # The dashboard loses the linker's row, and nothing else (the layout moves up).
            (key,) = doc["data"]
            before = [p["title"] for p in json.loads(doc["data"][key])["panels"]]
            after = json.loads(remaining[("ConfigMap", doc["metadata"]["name"])]["data"][key])["panels"]
            assert [p["title"] for p in after] == [t for t in before if "linker" not in t]
            continue
        assert doc["kind"] == "NetworkPolicy", doc["metadata"]["name"]
        for key in ("ingress", "egress"):
            if key in doc["spec"]:
                doc["spec"][key] = [rule for rule in doc["spec"][key] if "linker" not in str(rule)]
        assert remaining[("NetworkPolicy", doc["metadata"]["name"])] == doc
    assert len(_docs(text)) == len(_docs(reference)) - len(removed)
    # The front end still comes last: its other `after` edges keep it in wave 4.
    front = one(_docs(text), "Deployment", "enai-front")
    assert front["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "4"


def test_a_disabled_linker_may_keep_or_drop_its_image_row(tmp_path: Path) -> None:
    data = yaml.safe_load(REFERENCE.read_text())
    data["components"]["enai-linker"] = {"enabled": False}
    del data["images"]["enai-linker"]
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    assert not load_environment(path).enabled("enai-linker")


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        (
            {"components.enai-scheduler.replicas": 2},
            "components.enai-scheduler.replicas",
            "must be 1 for enai-scheduler, which runs scheduled jobs that must not run twice, got 2",
        ),
        (
            {"images.enai-backend.tag": "latest"},
            "images.enai-backend.tag",
            "is the moving tag 'latest', which is refused",
        ),
        ({"images.enai-backend.tag": "main-latest"}, "images.enai-backend.tag", "aipp images <environment>"),
        (
            {"components.enai-backend.depends_on": ["pgvector", "redis", "rabbitmq", "enai-linker"]},
            "components.enai-backend.depends_on",
            "dependency cycle enai-backend -> enai-linker -> enai-backend",
        ),
        (
            {"components.enai-front.depends_on": ["enai-backnd"]},
            "components.enai-front.depends_on",
            "enai-front names 'enai-backnd' in depends_on, which is not a component",
        ),
        (
            {"components.enai-linker": {"enabled": False}, "components.enai-front.depends_on": ["enai-linker"]},
            "components.enai-front.depends_on",
            "enai-front depends on enai-linker, which is disabled; enable enai-linker or remove it",
        ),
        (
            {"components.enai-backend.wiring": {"pgvector": {"jdbc": "DB_URL"}}},
            "components.enai-backend.wiring",
            "pgvector offers no fact 'jdbc'",
        ),
        (
            {"components.enai-backend.env": {"SPRING_DATASOURCE_URL": "jdbc:postgresql://other/db"}},
            "components.enai-backend.env.SPRING_DATASOURCE_URL",
            "is already set by the construct (wiring, telemetry or its own settings)",
        ),
        (
            {"images.enai-backend": {"repository": "enai/prod/backend", "tag": "v1.0.0"}},
            "images.enai-backend.source",
            "must be 'vendor' for enai-backend, got 'dockerhub'",
        ),
        ({"images.redis.vendor_tag": "7"}, "images.redis", "vendor_tag is only for 'source: vendor' images"),
        (
            {"components.enai-linker.shm_size": "8Gi"},
            "components.enai-linker.shm_size",
            "must be below resources.memory_limit",
        ),
    ],
    ids=[
        "scheduler-replicas",
        "latest",
        "main-latest",
        "cycle",
        "unknown-dependency",
        "disabled-dependency",
        "unknown-fact",
        "env-repeats-wiring",
        "vendor-image-source",
        "vendor-tag-on-dockerhub",
        "shm-over-limit",
    ],
)
def test_bad_application_settings_fail_with_one_line_and_dist_untouched(
    tmp_path: Path, changes: dict[str, Any], path: str, fragment: str
) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    _env_file(envs, **changes)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.yaml").write_text("kept: true\n")
    with pytest.raises(ConfigError) as info:
        main.synth_all(out, envs)
    message = str(info.value)
    assert "\n" not in message
    # "<file>: <field>: ..." or, with the line of the bad value, "<file>:<line>: <field>: ...".
    assert re.search(rf"reference\.yaml(?::\d+)?: {re.escape(path)}\b", message), message
    assert fragment in message, message
    assert [p.name for p in out.iterdir()] == ["keep.yaml"]


def test_a_leader_elected_scheduler_may_run_two_replicas(tmp_path: Path) -> None:
    path = _env_file(
        tmp_path, **{"components.enai-scheduler.replicas": 2, "components.enai-scheduler.leader_elected": True}
    )
    scheduler = one(_docs(_synth_text(path, tmp_path)), "Deployment", "enai-scheduler")
    assert scheduler["spec"]["replicas"] == 2
    assert scheduler["spec"]["strategy"]["type"] == "RollingUpdate"


def test_the_scheduler_is_never_rolled_with_a_second_pod(reference_docs: list[dict[str, Any]]) -> None:
    scheduler = one(reference_docs, "Deployment", "enai-scheduler")
    assert (scheduler["spec"]["replicas"], scheduler["spec"]["strategy"]) == (1, {"type": "Recreate"})


def test_environment_settings_reach_the_services(tmp_path: Path) -> None:
    path = _env_file(
        tmp_path,
        **{
            "components.enai-backend.wiring": {"pgvector": {"url": "DB_URL", "password": "DB_PASSWORD"}},
            "components.enai-backend.env": {"SPRING_PROFILES_ACTIVE": "k8s"},
            "components.enai-backend.management_port": 8081,
            "components.enai-linker.runtime_class_name": "nvidia",
            "components.enai-linker.tolerations": [
                {"key": "gpu", "operator": "Equal", "value": "t4", "effect": "NoSchedule"}
            ],
            "telemetry": {"mode": "operator", "instrumentation": "observability/aipp"},
            "wait": {"attempts": 5, "interval_seconds": 2},
        },
    )
    docs = _docs(_synth_text(path, tmp_path))
    backend = one(docs, "Deployment", "enai-backend")
    env = env_of(container(backend, "enai-backend"))
    assert env["DB_URL"] == "postgresql://pgvector:5432/aipp"
    assert "SPRING_DATASOURCE_URL" not in env
    assert env["SPRING_PROFILES_ACTIVE"] == "k8s" and env["MANAGEMENT_SERVER_PORT"] == "8081"
    assert not any(name.startswith("OTEL_") for name in env)
    assert backend["spec"]["template"]["metadata"]["annotations"] == {
        "instrumentation.opentelemetry.io/inject-java": "observability/aipp"
    }
    assert 'if [ "$n" -ge 5 ]; then' in container(backend, "wait-for-pgvector")["command"][2]
    linker = pod_spec(one(docs, "Deployment", "enai-linker"))
    assert linker["runtimeClassName"] == "nvidia"
    assert linker["tolerations"] == [{"effect": "NoSchedule", "key": "gpu", "operator": "Equal", "value": "t4"}]


def test_option_b_pulls_from_the_vendor_with_a_pull_secret_from_vault(tmp_path: Path) -> None:
    path = _env_file(tmp_path, **{"registry.vendor_images": "vendor"}, **PINNED_VENDOR_ROWS)
    docs = _docs(_synth_text(path, tmp_path))
    secret = one(docs, "ExternalSecret", "gitlab-registry")
    auth = '{{ printf "%s:%s" .username .password | b64enc }}'  # (External Secrets' Go template)
    assert secret["spec"]["target"]["template"] == {
        "type": "kubernetes.io/dockerconfigjson",
        "engineVersion": "v2",
        "data": {".dockerconfigjson": '{"auths":{"' + VENDOR + '":{"auth":"' + auth + '"}}}'},
    }
    assert [d["remoteRef"] for d in secret["spec"]["data"]] == [
        {"key": "secret/aipp/gitlab-registry", "property": "password"},
        {"key": "secret/aipp/gitlab-registry", "property": "username"},
    ]
    assert not any(d["kind"] == "Secret" for d in docs)
    for app in APPS:
        spec = pod_spec(one(docs, "Deployment", app))
        assert spec["imagePullSecrets"] == [{"name": "gitlab-registry"}]
        assert spec["containers"][0]["image"].startswith(f"{VENDOR}/enai/prod/")
        assert spec["containers"][0]["image"].endswith(f"@{PINNED_VENDOR_ROWS[f'images.{app}.digest']}")
    # Official images still come through the Harbor proxy, without the vendor secret.
    redis = pod_spec(one(docs, "Deployment", "redis"))
    assert "imagePullSecrets" not in redis and redis["containers"][0]["image"].startswith(f"{HARBOR}/dockerhub-proxy/")


def test_a_digest_is_pinned_beside_the_tag(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    path = _env_file(tmp_path, **{"images.enai-backend.digest": digest})
    backend = one(_docs(_synth_text(path, tmp_path)), "Deployment", "enai-backend")
    assert container(backend, "enai-backend")["image"] == f"{HARBOR}/aipp/backend:v1.0.0@{digest}"


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli(list(args))
    return code, out.getvalue()


PLAN = [
    # The mirror map of docs/plan.md, in its order (the fixture's tags): vendor tag -> Harbor tag.
    ("enai-front", "enai/prod/front-next:latest", "front-next:v1.0.0"),
    ("enai-backend", "enai/prod/backend:latest", "backend:v1.0.0"),
    ("enai-data-processor", "enai/prod/catalog-collector:latest", "catalog-collector:v1.0.0"),
    ("enai-linker", "enai/prod/linker:main-latest", "linker:v1.0.0"),
    ("enai-scheduler", "enai/prod/scheduler:latest", "scheduler:v1.0.0"),
]
_COPY = re.compile(r"\s*skopeo copy --all --preserve-digests docker://(\S+)@(sha256:\S+) docker://(\S+)")


def _vendor_registry(monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    """The vendor's registry holding each source tag of the plan; Harbor empty."""
    return FakeRegistry({f"{VENDOR}/{source}": digest_of(source) for _, source, _ in PLAN}).install(monkeypatch)


def test_the_image_command_prints_the_plans_mirror_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Acceptance: five copies, one per row of the mirror map in docs/plan.md, in its order, each by
    the digest the vendor tag had when the commands were made."""
    _vendor_registry(monkeypatch)
    code, out = _cli("images", str(REFERENCE))
    assert code == 0
    copies = [m.groups() for m in map(_COPY.fullmatch, out.splitlines()) if m]
    assert copies == [
        (f"{VENDOR}/{source.partition(':')[0]}", digest_of(source), f"{HARBOR}/aipp/{target}")
        for _, source, target in PLAN
    ]
    for component, source, _ in PLAN:
        assert f"# {component}: {VENDOR}/{source} was {digest_of(source)} when this was generated" in out


def test_the_image_command_targets_are_exactly_what_the_manifests_pull(
    reference_docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _vendor_registry(monkeypatch)
    _, out = _cli("images", str(REFERENCE))
    targets = {m[3] for m in map(_COPY.fullmatch, out.splitlines()) if m}
    pulled = {container(one(reference_docs, "Deployment", app), app)["image"] for app in APPS}
    assert targets == pulled


def test_the_image_command_docker_form_and_disabled_linker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _vendor_registry(monkeypatch)
    no_gpu = _env_file(tmp_path, "no-gpu", **{"components.enai-linker": {"enabled": False}})
    code, out = _cli("images", str(no_gpu), "--tool", "docker")
    copies = [line.strip() for line in out.splitlines() if line.strip().startswith("docker pull ")]
    assert code == 0 and len(copies) == 4 and "linker" not in out
    source = f"{VENDOR}/enai/prod/backend@{digest_of('enai/prod/backend:latest')}"
    target = f"{HARBOR}/aipp/backend:v1.0.0"
    assert copies[1] == f"docker pull {source} && docker tag {source} {target} && docker push {target}"


def test_the_image_command_refuses_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("images", str(tmp_path / "missing.yaml"))[0] == 1
    bad = _env_file(tmp_path, **{"images.enai-backend.tag": "latest"})
    assert _cli("images", str(bad))[0] == 1
    assert "images.enai-backend.tag: is the moving tag 'latest'" in capsys.readouterr().err


def test_the_readme_graph_is_the_graph_of_the_plan() -> None:
    """The Mermaid picture in README.md is checked against the fixture environment (the plan's
    dev-meta, tests/environments/reference.yaml): every edge between its components, with its
    kind (the picture is the output of ``aipp graph`` of that file, which also draws the backup
    and PostSync Jobs; ``make synth`` writes it and tests/test_readme.py keeps them equal)."""
    readme = (main.PROJECT / "README.md").read_text()
    block = readme.split("<!-- graph:begin", 1)[1].split("```mermaid\n", 1)[1].split("```", 1)[0]
    env = load_environment(REFERENCE)
    components = env.components.by_name()
    edges = [re.fullmatch(r"  (\S+) (-->|-\.->)\|([^|]*)\| (\S+)", line) for line in block.splitlines()[1:]]
    drawn = {(m[1], m[4], m[3] == "after") for m in edges if m and m[1] in components}
    declared = {
        (name, target, kind == "after")
        for name, settings in components.items()
        for kind in ("depends_on", "after")
        for target in getattr(settings, kind, ())
    }
    assert drawn == declared


def test_edge_monitoring_and_backup_settings_reach_the_yaml(tmp_path: Path) -> None:
    from aipp_constructs.checks.reachability import Pod, allowed

    path = _env_file(
        tmp_path,
        **{
            "ingress.rabbitmq_management_host": "mq.dev.unifiedmeta.net",
            "ingress.routes": [{"path": "/", "service": "enai-front"}, {"path": "/api", "service": "enai-backend"}],
            "ingress.annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "50m"},
            "ingress.external_dns_prefix": "external-dns.alpha.kubernetes.io/",
            "monitoring.service_monitor_labels": {"release": "rancher-monitoring"},
            "backups.snapshot": {"cron": "15 * * * *", "retain": 6},
            "backups.pg_dump": {"schedule": "0 1 * * *", "retention_days": 3, "storage_size": "50Gi"},
            "gitops.revision": "release-1",
        },
    )
    docs = _docs(_synth_text(path, tmp_path))
    ingress = one(docs, "Ingress", "aipp")
    assert ingress["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"] == (
        "aipp.dev.unifiedmeta.net,mq.dev.unifiedmeta.net"
    )
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "50m"
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == ["/", "/api"]
    assert ingress["spec"]["rules"][1]["http"]["paths"][0]["backend"]["service"] == {
        "name": "rabbitmq",
        "port": {"name": "management"},
    }
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    controller = Pod("nginx", "kube-system", {"app.kubernetes.io/name": "rke2-ingress-nginx"})
    rabbitmq, backend = (
        Pod("mq", "aipp", {"app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/part-of": "aipp"}),
        Pod("api", "aipp", {"app.kubernetes.io/name": "enai-backend", "app.kubernetes.io/part-of": "aipp"}),
    )
    assert allowed(policies, controller, rabbitmq, 15672) and not allowed(policies, controller, rabbitmq, 5672)
    assert allowed(policies, controller, backend, 8080)
    assert all(
        m["metadata"]["labels"]["release"] == "rancher-monitoring" for m in docs if m["kind"] == "ServiceMonitor"
    )
    snapshot = one(docs, "RecurringJob", "aipp-snapshot")
    assert (snapshot["metadata"]["namespace"], snapshot["spec"]["cron"], snapshot["spec"]["retain"]) == (
        "longhorn-system",
        "15 * * * *",
        6,
    )
    dump = one(docs, "CronJob", "pgvector-backup")
    assert dump["spec"]["schedule"] == "0 1 * * *"
    assert "-mtime +3" in dump["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert one(docs, "PersistentVolumeClaim", "pgvector-backup")["spec"]["resources"]["requests"]["storage"] == "50Gi"


def test_every_data_volume_is_attached_to_the_longhorn_jobs(reference_docs: list[dict[str, Any]]) -> None:
    expected = {
        "recurring-job.longhorn.io/source": "enable",
        "recurring-job.longhorn.io/aipp-snapshot": "enabled",
        "recurring-job.longhorn.io/aipp-backup": "enabled",
    }
    claims = [d["metadata"] for d in reference_docs if d["kind"] == "PersistentVolumeClaim"] + [
        t["metadata"] for d in reference_docs if d["kind"] == "StatefulSet" for t in d["spec"]["volumeClaimTemplates"]
    ]
    # redis-data, pgvector-backup, and pgvector's and rabbitmq's data: each as a template and
    # as its replica's claim object (data-pgvector-0, data-rabbitmq-0).
    assert len(claims) == 6
    for meta in claims:
        assert {k: meta["labels"].get(k) for k in expected} == expected, meta["name"]


def test_a_route_to_an_unknown_or_disabled_service_is_refused(tmp_path: Path) -> None:
    path = _env_file(tmp_path, **{"ingress.routes": [{"path": "/", "service": "enai-frnt"}]})
    with pytest.raises(ConfigError, match=r"ingress\.routes\[0\]\.service: is not a component, got 'enai-frnt'"):
        load_environment(path)
    path = _env_file(
        tmp_path,
        **{
            "ingress.routes": [{"path": "/gpu", "service": "enai-linker"}],
            "components.enai-linker": {"enabled": False},
        },
    )
    with pytest.raises(ConfigError, match=r"ingress\.routes\[0\]\.service: enai-linker is disabled; remove the route"):
        load_environment(path)


# --- the metrics exporters (monitoring.exporters) --------------------------------------------------

#: The exporter beside each data service: the main container, the exporter's, its image (from its
#: row), its port.
EXPORTERS = {
    "pgvector": (
        "StatefulSet",
        "postgres",
        "postgres-exporter",
        f"{HARBOR}/dockerhub-proxy/prometheuscommunity/postgres-exporter:v0.20.1",
        9187,
    ),
    "redis": (
        "Deployment",
        "redis",
        "redis-exporter",
        f"{HARBOR}/dockerhub-proxy/oliver006/redis_exporter:v1.93.0",
        9121,
    ),
}


def test_the_exporters_run_beside_postgres_and_redis_and_are_scraped(reference_docs: list[dict[str, Any]]) -> None:
    for name, (kind, _main, sidecar, image, port) in EXPORTERS.items():
        workload = one(reference_docs, kind, name)
        exporter = container(workload, sidecar)
        assert exporter["image"] == image
        assert exporter["ports"] == [{"containerPort": port, "name": "metrics", "protocol": "TCP"}]
        assert {"name": "metrics", "port": port, "protocol": "TCP", "targetPort": "metrics"} in one(
            reference_docs, "Service", name
        )["spec"]["ports"]
        [endpoint] = one(reference_docs, "ServiceMonitor", name)["spec"]["endpoints"]
        assert (endpoint["port"], endpoint["path"], endpoint["interval"]) == ("metrics", "/metrics", "30s")
        assert one(reference_docs, "ServiceMonitor", name)["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        # Prometheus, and nothing else from outside, may open the exporter's port.
        [rule] = [
            r for r in one(reference_docs, "NetworkPolicy", name)["spec"]["ingress"] if r["ports"][0]["port"] == port
        ]
        assert rule == {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"port": port, "protocol": "TCP"}],
        }
    monitors = sorted(d["metadata"]["name"] for d in reference_docs if d["kind"] == "ServiceMonitor")
    assert monitors == ["enai-backend", "enai-data-processor", "enai-scheduler", "pgvector", "rabbitmq", "redis"]


def test_exporters_off_remove_the_sidecars_monitors_and_rules_and_nothing_else(
    tmp_path: Path, reference_docs: list[dict[str, Any]]
) -> None:
    data = yaml.safe_load(REFERENCE.read_text())
    data.setdefault("monitoring", {})["exporters"] = False
    del data["images"]["postgres-exporter"], data["images"]["redis-exporter"]  # not required then
    path = tmp_path / "reference.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    docs = _docs(_synth_text(path, tmp_path))
    for name, (kind, main_container, _sidecar, _image, port) in EXPORTERS.items():
        spec = pod_spec(one(docs, kind, name))
        assert [c["name"] for c in spec["containers"]] == [main_container]
        assert "redis-exporter-auth" not in {c["name"] for c in spec.get("initContainers", [])}
        assert [p["name"] for p in one(docs, "Service", name)["spec"]["ports"]] == [
            "postgresql" if name == "pgvector" else "redis"
        ]
        assert port not in {r["ports"][0]["port"] for r in one(docs, "NetworkPolicy", name)["spec"]["ingress"]}
        assert [d for d in docs if d["kind"] == "ServiceMonitor" and d["metadata"]["name"] == name] == []
    # Everything else is as with the exporters on.
    changed = {
        ("StatefulSet", "pgvector"),
        ("Deployment", "redis"),
        ("Service", "pgvector"),
        ("Service", "pgvector-headless"),
        ("Service", "redis"),
        ("NetworkPolicy", "pgvector"),
        ("NetworkPolicy", "redis"),
        ("ServiceMonitor", "pgvector"),
        ("ServiceMonitor", "redis"),
        ("PrometheusRule", "aipp-alerts"),
        ("ConfigMap", "aipp-dashboard"),
    }

    def rest(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [d for d in documents if (d["kind"], d["metadata"]["name"]) not in changed]

    assert rest(docs) == rest(reference_docs)
    # The alerts lose the exporters' groups (and TargetDown their targets); the dashboard their panels.
    rules = one(docs, "PrometheusRule", "aipp-alerts")["spec"]["groups"]
    reference_rules = one(reference_docs, "PrometheusRule", "aipp-alerts")["spec"]["groups"]
    assert [g["name"] for g in rules] == [
        g["name"] for g in reference_rules if g["name"] not in ("aipp.pgvector", "aipp.redis")
    ]
    read = {name for g in rules for r in g["rules"] for name in metric_names(r["expr"])}
    assert read and not any(name.startswith(("pg_", "redis_")) for name in read)
    (text,) = one(docs, "ConfigMap", "aipp-dashboard")["data"].values()
    (reference_text,) = one(reference_docs, "ConfigMap", "aipp-dashboard")["data"].values()
    titles = [p["title"] for p in json.loads(text)["panels"]]
    reference_titles = [p["title"] for p in json.loads(reference_text)["panels"]]
    assert titles == [
        t
        for t in reference_titles
        if not t.startswith(
            ("pgvector up", "pgvector connections", "pgvector database", "redis up", "redis memory", "redis clients")
        )
    ]
    queried = {
        name for p in json.loads(text)["panels"] for q in p.get("targets", []) for name in metric_names(q["expr"])
    }
    assert queried and not any(name.startswith(("pg_", "redis_")) for name in queried)
