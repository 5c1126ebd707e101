"""The secret provider ``vault-agent`` (docs/vault-agent.md): a port's secrets rendered by the
Vault Agent Injector into files, never a Kubernetes Secret; and ``external-secrets`` unchanged."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from conftest import container, one, pod_spec, synth, write_environment

import main
from aipp_constructs import (
    EnvTemplate,
    MetricsExporter,
    PgvectorDb,
    PgvectorDbProps,
    PortChart,
    PortDefaults,
    RabbitMq,
    RabbitMqProps,
    RedisCache,
    RedisCacheProps,
    SecretKeyRef,
    SecretStore,
    Workload,
    WorkloadProps,
)
from aipp_constructs.aipp import load_environment
from aipp_constructs.core._config_loader import ConfigError
from aipp_constructs.core.port_defaults import VaultAgent
from aipp_constructs.core.vault_agent import (
    AgentFile,
    agent_files_of,
    agent_pod_annotations,
    vault_setup,
    vault_setup_commands,
)
from aipp_constructs.workloads.workload import AgentEnvRefused

A = "vault.hashicorp.com/"
REDIS = "harbor.example/dockerhub-proxy/library/redis:7.2.7"
PG = "harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.0-pg16"
RABBIT = "harbor.example/dockerhub-proxy/library/rabbitmq:3.13.7-management"
EXPORTER = "harbor.example/dockerhub-proxy/oliver006/redis_exporter:v1.93.0"
PG_EXPORTER = "harbor.example/dockerhub-proxy/prometheuscommunity/postgres-exporter:v0.17.1"
APP = "harbor.example/acme/app:1.2.3"
ROOT = Path(__file__).resolve().parent.parent


def vault_chart(kubernetes_version: str = "v1.27", **agent: Any) -> PortChart:
    store = SecretStore(
        vault_path="secret/acme",
        provider="vault-agent",
        vault_agent=VaultAgent(**{"namespace": "vault", "pod_labels": {"app.kubernetes.io/name": "vault"}, **agent}),
    )
    defaults = PortDefaults(namespace="acme", part_of="acme", secret_store=store, kubernetes_version=kubernetes_version)
    return PortChart(cdk8s.Testing.app(), "acme", defaults)


def data_services(chart: PortChart, *, exporters: bool = False) -> tuple[PgvectorDb, RedisCache, RabbitMq]:
    pg_secret = chart.vault_secret("pgvector-credentials", "pgvector", {"username": "username", "password": "password"})
    redis_secret = chart.vault_secret("redis-credentials", "redis", {"password": "password"})
    rabbit_secret = chart.vault_secret(
        "rabbitmq-credentials", "rabbitmq", {"username": "username", "password": "password"}
    )
    cookie = chart.vault_secret("rabbitmq-cookie", "rabbitmq-cookie", {"cookie": "cookie"})
    pg = PgvectorDb(
        chart,
        "Pg",
        PgvectorDbProps(
            image=PG,
            username=pg_secret.key("username"),
            password=pg_secret.key("password"),
            database="app",
            metrics_exporter=MetricsExporter(image=PG_EXPORTER) if exporters else None,
        ),
    )
    redis = RedisCache(
        chart,
        "Redis",
        RedisCacheProps(
            image=REDIS,
            password=redis_secret.key("password"),
            metrics_exporter=MetricsExporter(image=EXPORTER) if exporters else None,
        ),
    )
    rabbit = RabbitMq(
        chart,
        "Rabbit",
        RabbitMqProps(
            image=RABBIT,
            username=rabbit_secret.key("username"),
            password=rabbit_secret.key("password"),
            erlang_cookie=cookie.key("cookie"),
        ),
    )
    return pg, redis, rabbit


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    chart = vault_chart()
    data_services(chart, exporters=True)
    chart.add_network_policies()
    return synth(chart)


def annotations_of(workload: dict[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["annotations"])


def test_no_secret_anywhere(manifests: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump_all(manifests)
    assert not [m for m in manifests if m["kind"] in {"ExternalSecret", "Secret"}]
    assert "secretKeyRef" not in text
    assert "secretName" not in text
    assert "CKV_K8S_35" not in text


def test_each_data_service_has_its_agent_role_account_and_token(manifests: list[dict[str, Any]]) -> None:
    for kind, name in (("StatefulSet", "pgvector"), ("Deployment", "redis"), ("StatefulSet", "rabbitmq")):
        workload = one(manifests, kind, name)
        annotations = annotations_of(workload)
        assert annotations[f"{A}agent-inject"] == "true"
        assert annotations[f"{A}role"] == f"acme-{name}"
        assert annotations[f"{A}auth-path"] == "auth/kubernetes"
        assert annotations[f"{A}agent-service-account-token-volume-name"] == "vault-token"
        assert annotations[f"{A}agent-set-security-context"] == "true"
        assert annotations[f"{A}agent-run-as-user"] == "100"
        assert annotations[f"{A}agent-run-as-group"] == "999"  # the pod's gid: the files are 0440
        assert annotations[f"{A}agent-limits-mem"] == "128Mi"
        assert f"{A}agent-pre-populate-only" not in annotations  # long-running: the agent stays
        spec = pod_spec(workload)
        assert spec["serviceAccountName"] == name
        assert spec["automountServiceAccountToken"] is False
        token = one_volume(spec, "vault-token")
        assert token["projected"]["sources"] == [
            {"serviceAccountToken": {"audience": "vault", "expirationSeconds": 3600, "path": "token"}}
        ]
        account = one(manifests, "ServiceAccount", name)
        assert account["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            assert "vault-token" not in [m["name"] for m in c.get("volumeMounts") or []]


def one_volume(spec: dict[str, Any], name: str) -> dict[str, Any]:
    (volume,) = [v for v in spec["volumes"] if v["name"] == name]
    return dict(volume)


def test_postgres_reads_its_user_and_password_files(manifests: list[dict[str, Any]]) -> None:
    workload = one(manifests, "StatefulSet", "pgvector")
    annotations = annotations_of(workload)
    postgres = container(workload, "postgres")
    env = {e["name"]: e.get("value") for e in postgres["env"]}
    assert env["POSTGRES_USER_FILE"] == "/vault/secrets/postgres-username"
    assert env["POSTGRES_PASSWORD_FILE"] == "/vault/secrets/postgres-password"
    assert "POSTGRES_USER" not in env
    secret_path = annotations[f"{A}agent-inject-secret-postgres-password"]
    assert secret_path == "secret/data/acme/pgvector"  # pragma: allowlist secret
    assert annotations[f"{A}agent-inject-template-postgres-password"] == (
        '{{ with secret "secret/data/acme/pgvector" }}{{ .Data.data.password }}{{ end }}'
    )
    assert annotations[f"{A}agent-inject-template-postgres-username"] == (
        '{{ with secret "secret/data/acme/pgvector" }}{{ .Data.data.username }}{{ end }}'
    )
    assert annotations[f"{A}agent-inject-perms-postgres-password"] == "0440"
    assert annotations[f"{A}error-on-missing-key-postgres-password"] == "true"
    exporter = container(workload, "postgres-exporter")
    exporter_env = {e["name"]: e.get("value") for e in exporter["env"]}
    assert exporter_env["DATA_SOURCE_USER_FILE"] == "/vault/secrets/postgres-username"
    assert exporter_env["DATA_SOURCE_PASS_FILE"] == "/vault/secrets/postgres-password"
    probe = postgres["livenessProbe"]["exec"]["command"][2]
    assert '-U "$(cat "$POSTGRES_USER_FILE")"' in probe


def test_redis_includes_the_rendered_config(manifests: list[dict[str, Any]]) -> None:
    workload = one(manifests, "Deployment", "redis")
    annotations = annotations_of(workload)
    redis = container(workload, "redis")
    args = redis["args"]
    assert args[args.index("--include") + 1] == "/vault/secrets/redis-auth.conf"
    assert "--requirepass" not in args
    assert not redis.get("env")
    assert annotations[f"{A}agent-inject-template-redis-auth.conf"] == (
        'requirepass {{ with secret "secret/data/acme/redis" }}{{ .Data.data.password | toJSON }}{{ end }}\n'
    )
    assert 'REDISCLI_AUTH="$(cat /vault/secrets/redis-password)"' in redis["readinessProbe"]["exec"]["command"][2]
    exporter = container(workload, "redis-exporter")
    assert "--redis.password-file=/vault/secrets/redis-exporter-auth.json" in exporter["args"]
    assert annotations[f"{A}agent-inject-template-redis-exporter-auth.json"] == (
        '{"redis://127.0.0.1:6379": {{ with secret "secret/data/acme/redis" }}'
        "{{ .Data.data.password | toJSON }}{{ end }}}\n"
    )
    assert not pod_spec(workload).get("initContainers")


def test_rabbitmq_reads_a_rendered_config_file_and_cookie(manifests: list[dict[str, Any]]) -> None:
    workload = one(manifests, "StatefulSet", "rabbitmq")
    annotations = annotations_of(workload)
    rabbit = container(workload, "rabbitmq")
    env = {e["name"]: e.get("value") for e in rabbit["env"]}
    assert env["RABBITMQ_CONFIG_FILE"] == "/vault/secrets/rabbitmq-credentials.conf"
    assert "RABBITMQ_DEFAULT_USER" not in env and "RABBITMQ_DEFAULT_PASS" not in env
    assert annotations[f"{A}agent-inject-template-rabbitmq-credentials.conf"] == (
        'default_user = {{ with secret "secret/data/acme/rabbitmq" }}{{ .Data.data.username }}{{ end }}\n'
        'default_pass = {{ with secret "secret/data/acme/rabbitmq" }}{{ .Data.data.password }}{{ end }}\n'
    )
    # The cookie is copied by the workload's init container: the agent's init container runs first.
    assert annotations[f"{A}agent-init-first"] == "true"
    (init,) = pod_spec(workload)["initContainers"]
    assert init["command"][2].startswith("cp /vault/secrets/erlang-cookie /var/lib/rabbitmq/.erlang.cookie")


def test_network_policies_let_the_agents_reach_vault(manifests: list[dict[str, Any]]) -> None:
    for name in ("pgvector", "redis", "rabbitmq"):
        policy = one(manifests, "NetworkPolicy", name)
        vault_rules = [
            rule
            for rule in policy["spec"]["egress"]
            if any(
                (peer.get("namespaceSelector") or {}).get("matchLabels") == {"kubernetes.io/metadata.name": "vault"}
                for peer in rule.get("to", [])
            )
        ]
        assert vault_rules, policy["spec"]["egress"]
        assert vault_rules[0]["ports"] == [{"port": 8200, "protocol": "TCP"}]


def test_the_files_read_back_from_the_annotations(manifests: list[dict[str, Any]]) -> None:
    files = agent_files_of(annotations_of(one(manifests, "Deployment", "redis")))
    assert [(f.name, f.mode, f.reads) for f in files] == [
        ("redis-auth.conf", "0440", (("secret/data/acme/redis", "password"),)),
        ("redis-exporter-auth.json", "0440", (("secret/data/acme/redis", "password"),)),
        ("redis-password", "0440", (("secret/data/acme/redis", "password"),)),
    ]


def test_a_dependent_reading_the_credential_from_a_variable_is_refused_in_one_line() -> None:
    chart = vault_chart()
    _, redis, _ = data_services(chart)
    with pytest.raises(
        ValueError, match=r"^app: env REDIS_PASSWORD \(wired\) reads secret/acme/redis password from the Vault Agent"
    ):
        Workload(chart, "App", WorkloadProps(name="app", image=APP, ports=(), connects_to=(redis,)))


def test_a_dependent_renders_the_same_property_into_its_own_file() -> None:
    chart = vault_chart()
    _, redis, _ = data_services(chart)
    app = Workload(
        chart,
        "App",
        WorkloadProps(
            name="app",
            image=APP,
            env={"REDIS_PASSWORD_FILE": "/vault/secrets/redis-password"},
            agent_files=(AgentFile(name="redis-password", template="${password}", values=redis.endpoint.credentials),),
        ),
    )
    chart.add_network_policies()
    workload = one(synth(chart), "Deployment", "app")
    annotations = annotations_of(workload)
    assert app.vault_role == "acme-app"
    assert annotations[f"{A}agent-inject-template-redis-password"] == (
        '{{ with secret "secret/data/acme/redis" }}{{ .Data.data.password }}{{ end }}'
    )


def test_a_job_prepopulates_only() -> None:
    from aipp_constructs import OneShotJob, OneShotJobProps

    chart = vault_chart()
    _, redis, _ = data_services(chart)
    OneShotJob(
        chart,
        "Seed",
        OneShotJobProps(
            name="seed",
            image=APP,
            agent_files=(AgentFile(name="redis-password", template="${password}", values=redis.endpoint.credentials),),
        ),
    )
    job = one(synth(chart), "Job", "seed")
    assert annotations_of(job)[f"{A}agent-pre-populate-only"] == "true"


def test_agent_files_outside_a_vault_agent_port_are_refused() -> None:
    ref = SecretKeyRef(name="x", key="password", vault_path="secret/acme/x")
    chart = PortChart(cdk8s.Testing.app(), "acme", PortDefaults(namespace="acme", part_of="acme"))
    with pytest.raises(ValueError, match="^app: agent_files need a port whose secret_store has provider 'vault-agent'"):
        Workload(
            chart,
            "App",
            WorkloadProps(
                name="app", image=APP, agent_files=(AgentFile(name="p", template="${p}", values={"p": ref}),)
            ),
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"provider": "vault-agent"}, "secret_store.vault_agent is required with provider 'vault-agent'"),
        ({"provider": "sops"}, "secret_store.provider must be one of external-secrets, vault-agent, got 'sops'"),
        ({"provider": "external-secrets"}, "secret_store.name"),
    ],
)
def test_secret_store_provider_is_checked(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        SecretStore(vault_path="secret/acme", **kwargs)


def test_vault_agent_needs_one_egress_target() -> None:
    with pytest.raises(ValueError, match="exactly one of namespace"):
        VaultAgent()
    with pytest.raises(ValueError, match="exactly one of namespace"):
        VaultAgent(namespace="vault", cidr="10.0.0.0/24")
    assert VaultAgent(cidr="10.0.0.0/24", role_prefix="team-").role("acme", "redis") == "team-redis"


def test_a_secret_shape_is_refused_under_vault_agent() -> None:
    chart = vault_chart()
    with pytest.raises(
        ValueError, match="^vault_secret 'pull': secret_type .* not supported with the secrets provider vault-agent"
    ):
        chart.vault_secret("pull", "pull", {"u": "u"}, secret_type="dockerconfigjson")  # pragma: allowlist secret


def test_a_property_the_template_cannot_read_as_a_field_is_refused() -> None:
    with pytest.raises(ValueError, match="vault_property must be a property name"):
        SecretKeyRef(name="x", key="api key", vault_path="secret/acme/x")


def test_an_agent_template_may_not_carry_its_own_actions() -> None:
    ref = SecretKeyRef(name="x", key="password", vault_path="secret/acme/x")
    with pytest.raises(ValueError, match="may not contain"):
        AgentFile(name="f", template='{{ env "HOME" }}${p}', values={"p": ref})
    with pytest.raises(ValueError, match="not in values"):
        AgentFile(name="f", template="${q}", values={"p": ref})


# -- vault-setup: the Vault side, read from the synthesized manifests ----------------------------


def test_vault_setup_lists_a_role_per_component_with_exactly_its_paths(manifests: list[dict[str, Any]]) -> None:
    setups = {s.role: s for s in vault_setup(manifests)}
    assert sorted(setups) == ["acme-pgvector", "acme-rabbitmq", "acme-redis"]
    rabbit = setups["acme-rabbitmq"]
    assert (rabbit.namespace, rabbit.service_account, rabbit.audience) == ("acme", "rabbitmq", "vault")
    assert rabbit.paths == ("secret/data/acme/rabbitmq", "secret/data/acme/rabbitmq-cookie")
    assert rabbit.properties() == {
        "secret/data/acme/rabbitmq": ("password", "username"),
        "secret/data/acme/rabbitmq-cookie": ("cookie",),
    }


def test_vault_setup_commands(manifests: list[dict[str, Any]]) -> None:
    redis = [s for s in vault_setup(manifests) if s.role == "acme-redis"]
    assert vault_setup_commands(redis, cli="bao") == [
        "# acme-redis: ServiceAccount acme/redis, files redis-auth.conf, redis-exporter-auth.json, redis-password",
        "bao policy write acme-redis - <<'EOF'",
        'path "secret/data/acme/redis" {',
        '  capabilities = ["read"]',
        "}",
        "EOF",
        "bao write auth/kubernetes/role/acme-redis bound_service_account_names=redis "
        "bound_service_account_namespaces=acme audience=vault token_policies=acme-redis ttl=1h",
        "#   KV secret/acme/redis: password",
    ]


def test_the_aipp_command_refuses_an_environment_without_agents() -> None:
    from click.testing import CliRunner

    from aipp_constructs.cli import aipp

    result = CliRunner().invoke(aipp, ["vault-setup", "dev-meta"])
    assert result.exit_code == 1
    assert "dev-meta: no pod carries a Vault Agent (secrets provider is not vault-agent)" in result.output


# -- the AIPP port: secrets.provider in the environment file -----------------------------------

VAULT_SECRETS = {
    "provider": "vault-agent",
    "vault_path": "secret/aipp-vault",
    "vault_agent": {"namespace": "vault", "pod_labels": {"app.kubernetes.io/name": "vault"}},
}


def vault_environment(tmp_path: Path, **changes: Any) -> Path:
    """A copy of the reference environment with secrets.provider vault-agent, its own namespace,
    host and Vault path, and Kubernetes v1.35: enai-linker (a GpuWorker whose image's entrypoint
    is not known) reads its credentials from the agent's env file (``fileKeyRef``)."""
    return write_environment(
        tmp_path,
        "dev-vault",
        **{
            "secrets": VAULT_SECRETS,
            "namespace": "aipp-vault",
            "ingress__host": "aipp-vault.example.net",
            "kubernetes_version": "v1.35",
            **changes,
        },
    )


@pytest.fixture(scope="module")
def aipp_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of the vault-agent copy (dist/dev-vault and dist/bootstrap/dev-vault)."""
    folder = tmp_path_factory.mktemp("dev-vault")
    path = vault_environment(folder)
    out = folder / "dist"
    main.synth_environment(load_environment(path), out, folder)
    return out


def test_the_vault_agent_copy_of_dev_meta_holds_no_secret_at_all(aipp_vault: Path) -> None:
    text = (aipp_vault / "dev-vault" / "aipp.k8s.yaml").read_text()
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert not [d for d in docs if d["kind"] in {"ExternalSecret", "Secret"}]
    assert "secretKeyRef" not in text
    assert "CKV_K8S_35" not in text
    # The only secretName left is the Ingress's TLS certificate (cert-manager's, no credential).
    assert [line.strip() for line in text.splitlines() if "secretName" in line] == [
        "secretName: aipp-vault-example-net-tls"
    ]
    agents = [d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job", "CronJob"} and agent_of(d)]
    assert {d["metadata"]["name"] for d in agents} == {
        "pgvector", "redis", "rabbitmq", "enai-backend", "enai-data-processor", "enai-scheduler", "enai-linker",
        "pgvector-backup", "verify-pgvector",
    }  # fmt: skip
    # No checkov exception names CKV_K8S_35 (a Secret read into a variable) anywhere.
    skips = [
        value
        for d in docs
        for key, value in ((d.get("metadata") or {}).get("annotations") or {}).items()
        if key.startswith("checkov.io/skip")
    ]
    assert skips and not [skip for skip in skips if "CKV_K8S_35" in skip]


def agent_of(workload: dict[str, Any]) -> dict[str, str]:
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]
    annotations = template["metadata"].get("annotations") or {}
    return {k: v for k, v in annotations.items() if k.startswith(A)}


def test_the_vault_agent_copy_passes_aipp_check(aipp_vault: Path) -> None:
    from click.testing import CliRunner

    from aipp_constructs.cli import aipp

    result = CliRunner().invoke(aipp, ["check", "--kubernetes-version", "v1.35", str(aipp_vault / "dev-vault")])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(" 0 failed"), result.output


def test_spring_services_import_the_rendered_properties(aipp_vault: Path) -> None:
    docs = [d for d in yaml.safe_load_all((aipp_vault / "dev-vault" / "aipp.k8s.yaml").read_text()) if d]
    backend = one(docs, "Deployment", "enai-backend")
    env = {e["name"]: e.get("value") for e in container(backend, "enai-backend")["env"]}
    assert env["SPRING_CONFIG_IMPORT"] == "file:/vault/secrets/agent-env.properties"
    assert "SPRING_DATASOURCE_PASSWORD" not in env
    template = agent_of(backend)[f"{A}agent-inject-template-agent-env.properties"]
    pg = '{{ with secret "secret/data/aipp-vault/pgvector" }}{{ .Data.data.password }}{{ end }}'
    assert f"SPRING_DATASOURCE_PASSWORD={pg}\n" in template
    assert f"spring.datasource.password={pg}\n" in template


def test_the_jobs_read_their_variables_from_agent_files_and_prepopulate_only(aipp_vault: Path) -> None:
    docs = [d for d in yaml.safe_load_all((aipp_vault / "dev-vault" / "aipp.k8s.yaml").read_text()) if d]
    for kind, name in (("CronJob", "pgvector-backup"), ("Job", "verify-pgvector")):
        workload = one(docs, kind, name)
        annotations = agent_of(workload)
        assert annotations[f"{A}agent-pre-populate-only"] == "true"
        assert annotations[f"{A}agent-inject-template-env-pgpassword"] == (
            '{{ with secret "secret/data/aipp-vault/pgvector" }}{{ .Data.data.password }}{{ end }}'
        )
        spec = workload["spec"]
        pod = (spec["jobTemplate"]["spec"] if kind == "CronJob" else spec)["template"]["spec"]
        script = pod["containers"][0]["command"][2].replace("$$(", "$(")  # the Job's script is escaped for Kubernetes
        assert "PGPASSWORD=$(cat /vault/secrets/env-pgpassword) || exit 1" in script
        assert pod["serviceAccountName"] == name


def test_vault_setup_of_the_aipp_copy_has_a_role_per_component(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from aipp_constructs.cli import aipp

    result = CliRunner().invoke(aipp, ["vault-setup", str(vault_environment(tmp_path))])
    assert result.exit_code == 0, result.output
    roles = re.findall(r"^vault write auth/kubernetes/role/(\S+) ", result.output, re.MULTILINE)
    assert sorted(roles) == [
        "aipp-vault-enai-backend", "aipp-vault-enai-data-processor", "aipp-vault-enai-linker",
        "aipp-vault-enai-scheduler", "aipp-vault-pgvector", "aipp-vault-pgvector-backup", "aipp-vault-rabbitmq", "aipp-vault-redis",
        "aipp-vault-verify-pgvector",
    ]  # fmt: skip
    assert "#   KV secret/aipp-vault/rabbitmq: erlang_cookie password username" in result.output
    # The linker's env file: its policy reads the three paths, and the quote guard's marker
    # field is no property to write.
    linker = result.output.split("# aipp-vault-enai-linker: ", 1)[1].split("\n# aipp-vault-", 1)[0]
    assert linker.startswith("ServiceAccount aipp-vault/enai-linker, files agent-env\n")
    assert re.findall(r'^path "(\S+)"', linker, re.MULTILINE) == [
        "secret/data/aipp-vault/pgvector", "secret/data/aipp-vault/rabbitmq", "secret/data/aipp-vault/redis",
    ]  # fmt: skip
    assert linker.endswith(
        "#   KV secret/aipp-vault/pgvector: password username\n"
        "#   KV secret/aipp-vault/rabbitmq: password username\n"
        "#   KV secret/aipp-vault/redis: password"
    )
    assert "single_quote" not in result.output


def test_a_gpu_worker_without_entrypoint_before_v1_35_is_refused_in_one_line_naming_both_fixes(
    tmp_path: Path,
) -> None:
    """Before v1.35 (EnvFiles off by default) and without the image's entrypoint, no way hands
    the linker its credentials: refused in one line naming the component, a variable and both fixes."""
    path = vault_environment(tmp_path, kubernetes_version="v1.34")
    with pytest.raises(ConfigError) as refused:
        main.build_app(load_environment(path), str(tmp_path / "out"), tmp_path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.endswith(
        "components.enai-linker: variable PGVECTOR_USERNAME reads a credential from the Vault Agent "
        "(secrets.provider vault-agent) and the image's entrypoint is not known: add "
        "secrets.vault_agent.entrypoints.enai-linker (entrypoint and command of its image) or set "
        "kubernetes_version: v1.35 (env files; it is v1.34)"
    ), message


def test_the_linker_reads_its_credentials_from_the_agents_env_file_from_v1_35(aipp_vault: Path) -> None:
    docs = [d for d in yaml.safe_load_all((aipp_vault / "dev-vault" / "aipp.k8s.yaml").read_text()) if d]
    linker = one(docs, "Deployment", "enai-linker")
    main_container = container(linker, "enai-linker")
    assert "command" not in main_container  # the image's entrypoint, unknown here, is kept
    refs = {
        e["name"]: e["valueFrom"]["fileKeyRef"] for e in main_container["env"] if "fileKeyRef" in e.get("valueFrom", {})
    }
    assert refs == {
        var: {"volumeName": "agent-env", "path": "agent-env", "key": var}
        for var in (
            "PGVECTOR_PASSWORD",
            "PGVECTOR_USERNAME",
            "RABBITMQ_PASSWORD",
            "RABBITMQ_USERNAME",
            "REDIS_PASSWORD",
        )
    }
    template = agent_of(linker)[f"{A}agent-inject-template-agent-env"]
    assert template.startswith(
        'PGVECTOR_PASSWORD=\'{{ with secret "secret/data/aipp-vault/pgvector" }}{{ .Data.data.password }}'
    )
    assert len(template.splitlines()) == 5 and all(line.endswith("'") for line in template.splitlines())


def test_the_env_file_fields_are_in_the_cluster_schema_from_v1_34_only(aipp_vault: Path) -> None:
    """The schema check (aipp check) reads fileKeyRef: the alpha field exists from v1.34, so a
    cluster older than that would refuse the linker's Deployment."""
    from aipp_constructs.checks import load_crd_schemas, validate_manifest

    docs = [d for d in yaml.safe_load_all((aipp_vault / "dev-vault" / "aipp.k8s.yaml").read_text()) if d]
    linker = one(docs, "Deployment", "enai-linker")
    crds = load_crd_schemas()
    assert validate_manifest(linker, "1.35", crds) == []
    (error,) = validate_manifest(linker, "1.33", crds)
    assert "fileKeyRef" in error, error


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        (
            {"provider": "vault-agent", "vault_path": "secret/x"},
            "secrets.vault_agent: is required with provider vault-agent",
        ),
        ({"vault_path": "secret/x"}, "secrets.store: is required; add 'store:' under 'secrets'"),
        (
            {"provider": "vault-agent", "store": "vault-backend", "vault_agent": {"cidr": "10.0.0.0/24"}},
            "secrets.store: applies to provider external-secrets only",
        ),
        (
            {"provider": "vault-agent", "vault_agent": {"namespace": "vault", "cidr": "10.0.0.0/24"}},
            "exactly one of namespace",
        ),
    ],
)
def test_the_environment_file_refuses_a_provider_without_its_settings(
    tmp_path: Path, secrets: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_environment(write_environment(tmp_path, "bad", secrets=secrets))


def test_shell_env_wraps_the_entrypoint_in_the_rendered_variables() -> None:
    chart = vault_chart()
    pg, _, _ = data_services(chart)
    Workload(
        chart,
        "App",
        WorkloadProps(
            name="app",
            image=APP,
            command=("dumb-init", "--", "./entrypoint.sh"),
            args=("node", "server.js"),
            connects_to=(pg,),
            wiring={},
            env={
                "DATABASE_URL": EnvTemplate(text="postgresql://{username}:{password}@it's", values=pg.endpoint.facts())
            },
            agent_env="shell-env",
        ),
    )
    app = one(synth(chart), "Deployment", "app")
    main_container = container(app, "app")
    assert main_container["command"] == [
        "sh", "-c", '. /vault/secrets/agent-env.sh && exec "$@"', "agent-env", "dumb-init", "--", "./entrypoint.sh",
    ]  # fmt: skip
    assert main_container["args"] == ["node", "server.js"]
    assert "env" not in main_container or all(e["name"] != "DATABASE_URL" for e in main_container["env"])
    escape = " | replaceAll \"'\" \"'\\\\''\""
    user = f'{{{{ with secret "secret/data/acme/pgvector" }}}}{{{{ .Data.data.username{escape} }}}}{{{{ end }}}}'
    password = f'{{{{ with secret "secret/data/acme/pgvector" }}}}{{{{ .Data.data.password{escape} }}}}{{{{ end }}}}'
    assert annotations_of(app)[f"{A}agent-inject-template-agent-env.sh"] == (
        f"export DATABASE_URL='postgresql://''{user}'':''{password}''@it'\\''s'\n"
    )


def test_shell_env_without_a_command_is_refused_in_one_line() -> None:
    chart = vault_chart()
    _, redis, _ = data_services(chart)
    with pytest.raises(
        ValueError, match="^app: agent_env 'shell-env' wraps the container's command, and none is given"
    ):
        Workload(chart, "App", WorkloadProps(name="app", image=APP, connects_to=(redis,), agent_env="shell-env"))


def test_a_property_with_dashes_is_read_with_index_behind_a_guard() -> None:
    ref = SecretKeyRef(name="x", key="encryption-key", vault_path="secret/acme/app")
    assert ref.agent_expression() == (
        '{{ with secret "secret/data/acme/app" }}{{ if not (index .Data.data "encryption-key") }}'
        "{{ .Data.data.missing_property_encryption_key }}{{ end }}"
        '{{ index .Data.data "encryption-key" }}{{ end }}'
    )
    (read,) = agent_files_of({f"{A}agent-inject": "true", f"{A}agent-inject-template-f": ref.agent_expression()})
    assert read.reads == (("secret/data/acme/app", "encryption-key"),)


def test_the_port_says_once_how_each_image_starts() -> None:
    chart = vault_chart(agent_env="shell-env", entrypoints={"acme/app": (("/entrypoint.sh",), ("serve",))})
    _, redis, _ = data_services(chart)
    Workload(chart, "App", WorkloadProps(name="app", image=APP, connects_to=(redis,)))
    app = container(one(synth(chart), "Deployment", "app"), "app")
    assert app["command"][-1] == "/entrypoint.sh" and app["args"] == ["serve"]


def test_a_gpu_worker_reads_its_variables_from_a_shell_file_once_its_entrypoint_is_known(tmp_path: Path) -> None:
    """With the image's entrypoint in secrets.vault_agent.entrypoints, the GPU worker (a program
    that reads variables) sources the agent's shell file before it execs the entrypoint."""
    secrets = {
        **VAULT_SECRETS,
        "vault_agent": {
            **VAULT_SECRETS["vault_agent"],  # type: ignore[dict-item]
            "entrypoints": {"enai-linker": {"entrypoint": ["python", "-m", "linker"]}},
        },
    }
    # The entrypoint wins over env files, even on v1.35.
    path = vault_environment(tmp_path, secrets=secrets)
    app = main.build_app(load_environment(path), str(tmp_path / "out"), tmp_path)
    docs = [m for chart in app.charts for m in chart.to_json()]
    text = yaml.safe_dump_all(docs)
    assert "secretKeyRef" not in text and "CKV_K8S_35" not in text
    linker = container(one(docs, "Deployment", "enai-linker"), "enai-linker")
    assert linker["command"] == [
        "sh", "-c", '. /vault/secrets/agent-env.sh && exec "$@"', "agent-env", "python", "-m", "linker",
    ]  # fmt: skip
    assert "args" not in linker
    shell = agent_of(one(docs, "Deployment", "enai-linker"))[f"{A}agent-inject-template-agent-env.sh"]
    assert shell.startswith('export PGVECTOR_PASSWORD=\'{{ with secret "secret/data/aipp-vault/pgvector" }}')


# -- env-file: the variables as an env file the kubelet reads (fileKeyRef, Kubernetes v1.35+) ----


def env_file_app(**props: Any) -> dict[str, Any]:
    chart = vault_chart()
    pg, _, _ = data_services(chart)
    Workload(
        chart,
        "App",
        WorkloadProps(
            **{
                "name": "app",
                "image": APP,
                "connects_to": (pg,),
                "wiring": {},
                "env": {
                    "DATABASE_URL": EnvTemplate(
                        text="postgresql://{username}:{password}@pgvector", values=pg.endpoint.facts()
                    )
                },
                "agent_env": "env-file",
                **props,
            }
        ),
    )
    return one(synth(chart), "Deployment", "app")


def test_env_file_renders_the_variables_into_the_pods_own_volume_for_the_kubelet() -> None:
    app = env_file_app()
    assert "secretKeyRef" not in yaml.safe_dump(app)
    main_container = container(app, "app")
    assert "command" not in main_container and "args" not in main_container  # the image's entrypoint
    (database_url,) = [e for e in main_container["env"] if e["name"] == "DATABASE_URL"]
    # No optional: a missing key stops the container.
    assert database_url == {
        "name": "DATABASE_URL",
        "valueFrom": {"fileKeyRef": {"volumeName": "agent-env", "path": "agent-env", "key": "DATABASE_URL"}},
    }
    spec = pod_spec(app)
    assert one_volume(spec, "agent-env") == {"name": "agent-env", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}
    for c in spec["containers"]:  # only the agent containers mount it
        assert "agent-env" not in [m["name"] for m in c.get("volumeMounts") or []]
    annotations = annotations_of(app)
    assert annotations[f"{A}agent-inject-file-agent-env"] == "env/agent-env"
    patch = [
        {"op": "add", "path": "/volumeMounts/-", "value": {"name": "agent-env", "mountPath": "/vault/secrets/env"}}
    ]
    assert json.loads(annotations[f"{A}agent-init-json-patch"]) == patch
    assert json.loads(annotations[f"{A}agent-json-patch"]) == patch  # the sidecar re-renders it
    # docs/vault-agent.md shows the annotation as it is written.
    assert f"`{annotations[f'{A}agent-init-json-patch']}`" in (ROOT / "docs" / "vault-agent.md").read_text()
    read = '{{ with secret "secret/data/acme/pgvector" }}{{ .Data.data.%s }}'
    guard = (
        '{{ if .Data.data.%s | regexMatch "\'" }}{{ .Data.data.%s_holds_a_single_quote_an_env_file_cannot_hold }}'
        "{{ end }}{{ end }}"
    )
    user, password = (read % p + guard % (p, p) for p in ("username", "password"))
    assert annotations[f"{A}agent-inject-template-agent-env"] == (
        f"DATABASE_URL='postgresql://{user}:{password}@pgvector'\n"
    )
    (env_file,) = [f for f in agent_files_of(annotations) if f.name == "agent-env"]
    # The guard's marker is not a property vault-setup asks for.
    assert env_file.file == "env/agent-env"
    assert env_file.reads == (("secret/data/acme/pgvector", "password"), ("secret/data/acme/pgvector", "username"))


def test_env_file_refuses_a_literal_single_quote_in_one_line() -> None:
    chart = vault_chart()
    pg, _, _ = data_services(chart)
    with pytest.raises(
        ValueError, match=r"^app: env DATABASE_URL holds a single quote in \"@it's\", which an env file"
    ):
        Workload(
            chart,
            "App",
            WorkloadProps(
                name="app",
                image=APP,
                connects_to=(pg,),
                wiring={},
                env={"DATABASE_URL": EnvTemplate(text="postgresql://{password}@it's", values=pg.endpoint.facts())},
                agent_env="env-file",
            ),
        )


def test_a_job_patches_only_the_agents_init_container() -> None:
    chart = vault_chart()
    _, redis, _ = data_services(chart)
    files = (
        AgentFile(
            name="agent-env", template="P='${password:env}'\n", values=redis.endpoint.credentials, file="env/agent-env"
        ),
    )
    annotations = agent_pod_annotations(
        chart.defaults, VaultAgent(namespace="vault"), "seed", files, gid=1000, pre_populate_only=True,
        agent_mounts={"agent-env": "/vault/secrets/env"},
    )  # fmt: skip
    assert f"{A}agent-init-json-patch" in annotations and f"{A}agent-json-patch" not in annotations


@pytest.mark.parametrize("file", ["../x", "/abs", "Env/x", "env//x"])
def test_an_agent_file_path_must_stay_in_the_secrets_volume(file: str) -> None:
    ref = SecretKeyRef(name="x", key="password", vault_path="secret/acme/x")
    with pytest.raises(ValueError, match="file must be a relative path"):
        AgentFile(name="f", template="${p}", values={"p": ref}, file=file)


# -- the choice per workload (VaultAgent.agent_env "auto") --------------------------------------


def auto_app(kubernetes_version: str, **props: Any) -> dict[str, Any]:
    chart = vault_chart(
        kubernetes_version, agent_env="auto", entrypoints={"acme/known": (("/entrypoint.sh",), ("serve",))}
    )
    _, redis, _ = data_services(chart)
    Workload(chart, "App", WorkloadProps(**{"name": "app", "image": APP, "connects_to": (redis,), **props}))
    return container(one(synth(chart), "Deployment", "app"), "app")


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"command": ("/app/run",)},
            ["sh", "-c", '. /vault/secrets/agent-env.sh && exec "$@"', "agent-env", "/app/run"],
        ),
        (
            {"image": "harbor.example/acme/known:1.0.0"},
            ["sh", "-c", '. /vault/secrets/agent-env.sh && exec "$@"', "agent-env", "/entrypoint.sh"],
        ),
    ],
)
def test_auto_a_known_entrypoint_wins_shell_env_even_on_v1_35(props: dict[str, Any], expected: list[str]) -> None:
    app = auto_app("v1.35", **props)
    assert app["command"] == expected
    assert not [e for e in app.get("env") or [] if "fileKeyRef" in e.get("valueFrom", {})]


def test_auto_without_an_entrypoint_on_v1_35_takes_env_file() -> None:
    app = auto_app("v1.35")
    assert "command" not in app
    (password,) = [e for e in app["env"] if e["name"] == "REDIS_PASSWORD"]
    assert password["valueFrom"]["fileKeyRef"]["volumeName"] == "agent-env"


def test_auto_without_an_entrypoint_before_v1_35_is_refused_in_one_line() -> None:
    with pytest.raises(AgentEnvRefused) as refused:
        auto_app("v1.34")
    assert str(refused.value) == (
        "app: env REDIS_PASSWORD (wired) reads secret/acme/redis password from the Vault Agent, and neither way "
        "applies: give the image's entrypoint (command, or VaultAgent.entrypoints) for agent_env 'shell-env', or "
        "target Kubernetes v1.35 or later (kubernetes_version, now v1.34) for agent_env 'env-file'"
    )
    assert (refused.value.workload, refused.value.variable) == ("app", "REDIS_PASSWORD")


def test_vault_agent_refuses_an_unknown_agent_env() -> None:
    with pytest.raises(ValueError, match="agent_env must be one of spring-properties, shell-env, env-file, auto"):
        VaultAgent(namespace="vault", agent_env="dotenv")  # type: ignore[arg-type]


def test_a_workload_refuses_an_unknown_agent_env() -> None:
    with pytest.raises(ValueError, match="^agent_env must be one of spring-properties, shell-env, env-file .*'auto'"):
        WorkloadProps(name="app", image=APP, agent_env="auto")  # type: ignore[arg-type]
