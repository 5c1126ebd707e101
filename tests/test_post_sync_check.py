"""Tests of ``PostSyncCheck``: the hook Job's defaults, every prop reaching the YAML, validation,
and the generated scripts run for real by ``sh`` (with ``wget``/``psql``/``sleep`` stubbed)."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from cdk8s import Chart
from conftest import container, env_of, names_and_selectors, new_chart, one, pod_spec, synth

from aipp_constructs import (
    Component,
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    RedisCache,
    RedisCacheProps,
    Resources,
    SecretKeyRef,
)
from aipp_constructs.checks.pod_security import check_pod_security
from aipp_constructs.checks.reachability import reachability
from aipp_constructs.platform.post_sync_check import (
    PostSyncCheck,
    PostSyncCheckProps,
    http_check_script,
    sql_check_script,
)

IMAGE = "harbor.example/dockerhub-proxy/library/busybox:1.37.0"
PSQL_IMAGE = "harbor.example/dockerhub-proxy/library/postgres:17.2-alpine"
REDIS_IMAGE = "harbor.example/dockerhub-proxy/library/redis:7.2.7"
REDIS_PASSWORD = SecretKeyRef(name="redis-credentials", key="password")
WAVE = "argocd.argoproj.io/sync-wave"
HEALTH = "http://enai-backend:8080/actuator/health"
UP = '"status":"UP"'
#: What a secret variable holds when a test runs the Job's script.
SECRET_VALUES = {"PGUSER": "aipp", "PGPASSWORD": "s3cret"}  # pragma: allowlist secret


def redis(chart: Chart, name: str = "redis", **overrides: Any) -> RedisCache:
    return RedisCache(
        chart, f"Redis-{name}", RedisCacheProps(image=REDIS_IMAGE, password=REDIS_PASSWORD, name=name, **overrides)
    )


def props(target: Component, **overrides: Any) -> PostSyncCheckProps:
    values: dict[str, Any] = {
        "name": "verify-redis",
        "image": IMAGE,
        "script": "exit 0",
        "description": "redis answers",
        "target": target,
    }
    return PostSyncCheckProps(**{**values, **overrides})


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    PostSyncCheck(chart, "Check", props(redis(chart)))
    return synth(chart)


@pytest.fixture(scope="module")
def job(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "Job", "verify-redis")


@pytest.fixture(scope="module")
def check(job: dict[str, Any]) -> dict[str, Any]:
    return container(job, "check")


# --- running a Job's script as the kubelet and sh would -------------------------------------


def kubelet_expand(text: str, env: Mapping[str, str]) -> str:
    """What the kubelet makes of a ``command`` item: a port of Kubernetes's
    ``third_party/forked/golang/expansion.Expand`` (``$(NAME)`` -> value of a defined
    variable, ``$$`` -> ``$``, anything else unchanged)."""
    out: list[str] = []
    checkpoint = cursor = 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            rest = text[cursor + 1 :]
            advance = 1
            if rest[0] == "$":
                out.append("$")
            elif rest[0] == "(":
                close = rest.find(")", 1)
                if close == -1:
                    out.append("$(")
                else:
                    name = rest[1:close]
                    out.append(env.get(name, f"$({name})"))
                    advance = close + 1
            else:
                out.append("$" + rest[0])
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("$(VAR_A)", "A"),
        ("___$(VAR_A)___", "___A___"),
        ("$$(VAR_A)", "$(VAR_A)"),
        ("$$$(VAR_A)", "$A"),
        ("$$$$(VAR_A)", "$$(VAR_A)"),
        ("$(UNKNOWN)", "$(UNKNOWN)"),
        ("$(VAR_A", "$(VAR_A"),
        ("$VAR_A ${VAR_A} $", "$VAR_A ${VAR_A} $"),
        ("$((1+1))", "$((1+1))"),
        ("$()", "$()"),
    ],
)
def test_the_kubelet_expansion_port_matches_kubernetes(text: str, expanded: str) -> None:
    """Cases from Kubernetes's expansion tests: the harness below is only as good as this port."""
    assert kubelet_expand(text, {"VAR_A": "A"}) == expanded


def job_env(job: Mapping[str, Any]) -> dict[str, str]:
    """The check container's variables as the pod sees them (secrets from SECRET_VALUES)."""
    return {
        name: value if isinstance(value, str) else SECRET_VALUES[name]
        for name, value in env_of(container(job, "check")).items()
    }


def shell_text(job: Mapping[str, Any]) -> str:
    """The text ``sh -c`` receives in the pod."""
    command = container(job, "check")["command"]
    assert command[:2] == ["sh", "-c"] and len(command) == 3
    return kubelet_expand(command[2], job_env(job))


@dataclasses.dataclass
class Run:
    code: int
    lines: list[str]
    calls: list[str]


def run_job(job: Mapping[str, Any], tmp_path: Path, stubs: str = "", **stub_env: str) -> Run:
    """Runs the Job's script with ``sh``, ``stubs`` (shell functions) defined first.

    Stubs append what they were called with to ``$TMPDIR/calls``.
    """
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), **job_env(job), **stub_env}
    # The secret_env files, as mounted (values from SECRET_VALUES), under tmp_path.
    secrets = tmp_path / "secrets"
    for mount in container(job, "check").get("volumeMounts", []):
        if mount["mountPath"].startswith("/run/secrets/env/"):
            var = mount["mountPath"].rsplit("/", 1)[1]
            (secrets / var).mkdir(parents=True, exist_ok=True)
            (secrets / var / "value").write_text(SECRET_VALUES[var])
    text = shell_text(job).replace("/run/secrets/env/", f"{secrets}/")
    result = subprocess.run(
        ["sh", "-c", f"{stubs}\n{text}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    calls = tmp_path / "calls"
    return Run(result.returncode, result.stdout.splitlines(), calls.read_text().splitlines() if calls.exists() else [])


def script_job(script: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The Job of a check running ``script`` (a fresh chart per call)."""
    chart = new_chart()
    PostSyncCheck(chart, "Check", props(redis(chart), script=script, **overrides))
    return one(synth(chart), "Job")


#: wget answers with $BODY (exit $WGET_STATUS); after $WGET_FAILS failing calls when set.
WGET_STUB = r"""
sleep() { echo "sleep $*" >> "$TMPDIR/calls"; }
wget() {
  echo "wget $*" >> "$TMPDIR/calls"
  n=0; [ -f "$TMPDIR/n" ] && read -r n < "$TMPDIR/n"; n=$((n+1)); echo "$n" > "$TMPDIR/n"
  if [ "$n" -le "${WGET_FAILS:-0}" ]; then
    echo "wget: can't connect to remote host: Connection refused" >&2; return 1
  fi
  printf '%s' "$BODY"
  return "${WGET_STATUS:-0}"
}
"""

#: psql prints $RESULT (exit $PSQL_STATUS) and records its arguments and connection variables.
PSQL_STUB = r"""
psql() {
  for arg in "$@"; do echo "arg $arg" >> "$TMPDIR/calls"; done
  echo "conn $PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" >> "$TMPDIR/calls"
  if [ "${PSQL_STATUS:-0}" != 0 ]; then echo 'ERROR:  relation "nope" does not exist' >&2; return 3; fi
  printf '%s' "$RESULT"
}
"""


# --- defaults, field by field -------------------------------------------------------------


def test_check_creates_one_batch_v1_job_named_after_the_check(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("Deployment", "redis"),
        ("Job", "verify-redis"),
        ("PersistentVolumeClaim", "redis-data"),
        ("Service", "redis"),
    ]
    job = one(manifests, "Job")
    assert job["apiVersion"] == "batch/v1"
    assert job["metadata"]["namespace"] == "test"


def test_check_is_a_post_sync_hook_replaced_before_the_next_one(job: dict[str, Any]) -> None:
    # (checkov's skip annotations aside: tests/test_policy.py)
    assert {k: v for k, v in job["metadata"]["annotations"].items() if "checkov" not in k} == {
        "argocd.argoproj.io/hook": "PostSync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
        WAVE: "2",
    }


def test_check_wave_is_one_after_its_target(chart: Chart) -> None:
    upstream = redis(chart, "upstream")
    target = redis(chart, "cache", depends_on=(upstream,))
    checked = PostSyncCheck(chart, "Check", props(target, name="verify-cache"))
    assert (upstream.wave, target.wave, checked.wave) == (1, 2, 3)
    assert checked.depends_on == (target,)
    assert one(synth(chart), "Job")["metadata"]["annotations"][WAVE] == "3"


def test_check_job_retries_twice_within_five_minutes_and_is_never_deleted_by_ttl(job: dict[str, Any]) -> None:
    spec = job["spec"]
    assert spec["backoffLimit"] == 2
    assert spec["activeDeadlineSeconds"] == 300
    # Deletion belongs to the hook delete policy: a TTL would take the failed log away.
    assert "ttlSecondsAfterFinished" not in spec
    assert sorted(spec) == ["activeDeadlineSeconds", "backoffLimit", "template"]


def test_check_pod_never_restarts_and_runs_restricted_as_nobody(job: dict[str, Any]) -> None:
    spec = pod_spec(job)
    assert spec["restartPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"] == {
        "fsGroup": 65534,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 65534,
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert [c["name"] for c in spec["containers"]] == ["check"]
    assert "initContainers" not in spec
    assert spec["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsGroup": 65534,
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert check_pod_security(job) == []


def test_check_has_a_small_writable_tmp(job: dict[str, Any], check: dict[str, Any]) -> None:
    assert pod_spec(job)["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}]
    assert check["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_check_container_runs_the_script_after_printing_the_description(check: dict[str, Any]) -> None:
    assert check["image"] == IMAGE
    assert check["imagePullPolicy"] == "IfNotPresent"
    assert check["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert check["command"] == ["sh", "-c", "printf '%s\\n' 'checking: redis answers'\nexit 0"]
    assert "args" not in check
    assert "env" not in check
    assert "ports" not in check


def test_check_resources_default_to_10m_32mi_requests_and_200m_64mi_limits(check: dict[str, Any]) -> None:
    assert check["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "200m", "memory": "64Mi"},
    }


def test_check_labels_job_and_pod_as_verification(job: dict[str, Any]) -> None:
    labels = {
        "app.kubernetes.io/name": "verify-redis",
        "app.kubernetes.io/component": "verification",
        "app.kubernetes.io/version": "1.37.0",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    assert job["metadata"]["labels"] == labels
    assert job["spec"]["template"]["metadata"] == {"labels": labels}


def test_check_default_run_prints_the_description_and_passes(job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(job, tmp_path)
    assert (run.code, run.lines) == (0, ["checking: redis answers"])


# --- every prop reaches the YAML ----------------------------------------------------------


def test_check_every_prop_reaches_the_yaml(chart: Chart) -> None:
    upstream = redis(chart, "upstream")
    cache = redis(chart, "cache", depends_on=(upstream,))
    values: dict[str, Any] = {
        "name": "verify-cache",
        "image": "registry.example:5000/mirror/busybox:1.36.1-musl",
        "script": "redis-cli ping",
        "description": "the cache answers PING",
        "target": cache,
        "env": {"REDISCLI_HOST": "cache", "MODE": "strict"},
        "secret_env": {"REDISCLI_AUTH": SecretKeyRef(name="cache-auth", key="requirepass")},
        "uid": 1001,
        "part_of": "aipp",
        "resources": Resources(cpu_request="20m", memory_request="16Mi", cpu_limit="1", memory_limit="128Mi"),
        "active_deadline_seconds": 120,
        "backoff_limit": 0,
    }
    fields = {f.name: f for f in dataclasses.fields(PostSyncCheckProps)}
    assert set(values) == set(fields), "a PostSyncCheckProps field is not covered by this test"
    for name, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    PostSyncCheck(chart, "Check", PostSyncCheckProps(**values))
    job = one(synth(chart), "Job")
    check = container(job, "check")
    spec = pod_spec(job)

    # name
    assert job["metadata"]["name"] == "verify-cache"
    # image
    assert check["image"] == "registry.example:5000/mirror/busybox:1.36.1-musl"
    assert job["metadata"]["labels"]["app.kubernetes.io/version"] == "1.36.1-musl"
    # script, description (after the lines that read secret_env's files)
    assert check["command"] == [
        "sh",
        "-c",
        "printf '%s\\n' 'checking: the cache answers PING'\n"
        "REDISCLI_AUTH=$$(cat /run/secrets/env/REDISCLI_AUTH/value) || exit 1\nexport REDISCLI_AUTH\n"
        "redis-cli ping",
    ]
    # target: the wave follows it (cache is wave 2)
    assert job["metadata"]["annotations"][WAVE] == "3"
    # env (literal, in order); secret_env: a file per variable
    assert check["env"] == [{"name": "REDISCLI_HOST", "value": "cache"}, {"name": "MODE", "value": "strict"}]
    assert [v for v in spec["volumes"] if "secret" in v] == [
        {
            "name": "secret-env-rediscli-auth",
            "secret": {
                "secretName": "cache-auth",
                "items": [{"key": "requirepass", "path": "value"}],
                "defaultMode": 0o440,
            },
        }
    ]
    # uid
    assert spec["securityContext"]["runAsUser"] == spec["securityContext"]["runAsGroup"] == 1001
    assert spec["securityContext"]["fsGroup"] == 1001
    assert check["securityContext"]["runAsUser"] == check["securityContext"]["runAsGroup"] == 1001
    # part_of
    assert job["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    # resources
    assert check["resources"] == {
        "requests": {"cpu": "20m", "memory": "16Mi"},
        "limits": {"cpu": "1", "memory": "128Mi"},
    }
    # active_deadline_seconds, backoff_limit
    assert (job["spec"]["activeDeadlineSeconds"], job["spec"]["backoffLimit"]) == (120, 0)


def test_check_secret_env_are_secret_files_never_values_or_variables(chart: Chart) -> None:
    PostSyncCheck(
        chart,
        "Check",
        props(
            redis(chart),
            secret_env={
                "PGUSER": SecretKeyRef(name="pgvector-credentials", key="username"),
                "PGPASSWORD": SecretKeyRef(name="pgvector-credentials", key="password"),
            },
        ),
    )
    job = one(synth(chart), "Job")
    check = container(job, "check")
    assert "PGUSER" not in env_of(check) and "PGPASSWORD" not in env_of(check)
    assert all("valueFrom" not in e for e in check.get("env", []))
    assert [m for m in check["volumeMounts"] if m["mountPath"].startswith("/run/secrets/")] == [
        {"name": "secret-env-pguser", "mountPath": "/run/secrets/env/PGUSER", "readOnly": True},
        {"name": "secret-env-pgpassword", "mountPath": "/run/secrets/env/PGPASSWORD", "readOnly": True},
    ]
    assert [v["secret"]["items"] for v in pod_spec(job)["volumes"] if "secret" in v] == [
        [{"key": "username", "path": "value"}],
        [{"key": "password", "path": "value"}],
    ]
    # Read before the check runs; no checkov secrets-as-environment exception is needed.
    assert "PGPASSWORD=$$(cat /run/secrets/env/PGPASSWORD/value) || exit 1\nexport PGPASSWORD\n" in check["command"][2]
    assert not any("CKV_K8S_35" in v for v in job["metadata"]["annotations"].values())


def test_check_props_env_cannot_be_changed_afterwards(chart: Chart) -> None:
    env = {"A": "1"}
    p = props(redis(chart), env=env)
    env["B"] = "2"
    assert dict(p.env) == {"A": "1"}
    with pytest.raises(TypeError):
        p.env["C"] = "3"  # type: ignore[index]


# --- validation ---------------------------------------------------------------------------

_REF = SecretKeyRef(name="db-credentials", key="password")


@pytest.fixture(scope="module")
def valid_target() -> RedisCache:
    """A target for props that are refused before any synth."""
    return redis(new_chart())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"name": "Verify"}, "name must be a DNS-1123 label .*, got 'Verify'", id="name-upper"),
        pytest.param({"name": "a" * 64}, "name must be a DNS-1123 label .*, got 'a{64}'", id="name-long"),
        pytest.param(
            {"image": "harbor.example/library/busybox:latest"},
            "image uses the moving tag 'latest', got 'harbor.example/library/busybox:latest'",
            id="image-latest",
        ),
        pytest.param({"image": "busybox:1.37"}, "image uses the moving tag '1.37'", id="image-release-line"),
        pytest.param(
            {"script": ""}, "script must be a non-blank POSIX sh script, got ''; write the check", id="script-empty"
        ),
        pytest.param(
            {"script": " \n\t"}, r"script must be a non-blank POSIX sh script, got ' \\n\\t'", id="script-blank"
        ),
        pytest.param({"description": ""}, "description must be one non-blank line .*, got ''", id="description-empty"),
        pytest.param(
            {"description": "two\nlines"},
            r"description must be one non-blank line of at most 200 characters \(no control characters\), "
            r"got 'two\\nlines'; shorten it or drop the line breaks",
            id="description-newline",
        ),
        pytest.param({"description": "x" * 201}, "description must be one non-blank line", id="description-long"),
        pytest.param({"description": "tab\there"}, "description must be one non-blank line", id="description-tab"),
        pytest.param(
            {"target": "redis"},
            "target must be the Component checked, got 'redis'; pass the construct",
            id="target-name",
        ),
        pytest.param(
            {"env": {"1ST": "x"}},
            r"env\.1ST must be a variable name \(\[A-Za-z_\]\[A-Za-z0-9_\]\*\), got '1ST'",
            id="env-name",
        ),
        pytest.param({"env": {"PGPORT": 5432}}, "env.PGPORT must be a string, got 5432; quote numbers", id="env-value"),
        pytest.param(
            {"secret_env": {"PG-PASSWORD": _REF}}, "secret_env.PG-PASSWORD must be a variable name", id="secret-name"
        ),
        pytest.param(
            {"secret_env": {"PGPASSWORD": "s3cret"}},  # pragma: allowlist secret
            "secret_env.PGPASSWORD must be a SecretKeyRef, got 's3cret'; name the Secret and key",
            id="secret-literal",
        ),
        pytest.param(
            {"env": {"PGPASSWORD": "x"}, "secret_env": {"PGPASSWORD": _REF}},
            "secret_env.PGPASSWORD is also set in env, got 'PGPASSWORD' in both; keep one of them",
            id="env-twice",
        ),
        pytest.param({"uid": 0}, r"uid must be a non-root uid \(1 or more\), got 0; Pod Security", id="uid-root"),
        pytest.param({"uid": True}, "uid must be a non-root uid .*, got True", id="uid-bool"),
        pytest.param({"part_of": "AIPP suite"}, "part_of must be a label value .*, got 'AIPP suite'", id="part-of"),
        pytest.param({"resources": {"cpu_limit": "1"}}, "resources must be a Resources, got", id="resources-dict"),
        pytest.param(
            {"active_deadline_seconds": 5},
            "active_deadline_seconds must be an integer from 10 to 3600, got 5",
            id="deadline-short",
        ),
        pytest.param(
            {"active_deadline_seconds": 3601},
            "active_deadline_seconds must be an integer from 10 to 3600, got 3601",
            id="deadline-long",
        ),
        pytest.param(
            {"backoff_limit": -1}, "backoff_limit must be an integer from 0 to 10, got -1", id="backoff-negative"
        ),
        pytest.param({"backoff_limit": 11}, "backoff_limit must be an integer from 0 to 10, got 11", id="backoff-high"),
        pytest.param(
            {"backoff_limit": False}, "backoff_limit must be an integer from 0 to 10, got False", id="backoff-bool"
        ),
    ],
)
def test_check_fails_when_a_prop_is_invalid(valid_target: RedisCache, overrides: dict[str, Any], message: str) -> None:
    fields = {"target": valid_target, **overrides}
    with pytest.raises(ValueError, match=f"^{message}"):
        props(fields.pop("target"), **fields)


def test_check_refuses_a_target_that_serves_no_endpoint(chart: Chart) -> None:
    bare = Component(chart, "Bare", name="bare", component="test", version="1")
    with pytest.raises(
        ValueError, match="^target must serve an endpoint, got 'bare', which serves none; a check can only reach"
    ):
        props(bare)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: http_check_script("enai-backend:8080/health"),
            "url must be an http:// or https:// URL",
            id="url-scheme",
        ),
        pytest.param(lambda: http_check_script("http://a b/"), "url must be .* got 'http://a b/'", id="url-space"),
        pytest.param(
            lambda: http_check_script("http://a/'x'"), "url must be .* without spaces or quotes", id="url-quote"
        ),
        pytest.param(
            lambda: http_check_script(HEALTH, expect=""), "expect must be one non-blank line", id="expect-empty"
        ),
        pytest.param(
            lambda: http_check_script(HEALTH, expect="a\nb"), "expect must be one non-blank line", id="expect-lines"
        ),
        pytest.param(
            lambda: http_check_script(HEALTH, attempts=0),
            "attempts must be an integer from 1 to 100, got 0",
            id="attempts-0",
        ),
        pytest.param(
            lambda: http_check_script(HEALTH, attempts=101), "attempts must be .*, got 101", id="attempts-101"
        ),
        pytest.param(
            lambda: http_check_script(HEALTH, interval_seconds=0),
            "interval_seconds must be an integer from 1 to 300, got 0",
            id="interval-0",
        ),
        pytest.param(
            lambda: sql_check_script(" ", expect_nonempty_message="m"),
            "query must be a non-blank SQL statement, got ' '",
            id="query-blank",
        ),
        pytest.param(
            lambda: sql_check_script("select 1", expect_nonempty_message="no\nrows"),
            "expect_nonempty_message must be one non-blank line",
            id="message-lines",
        ),
    ],
)
def test_script_builders_refuse_invalid_arguments(build: Callable[[], str], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        build()


# --- stable names, graph, network ---------------------------------------------------------


def test_check_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, redis_id: str, check_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        target = RedisCache(chart, redis_id, RedisCacheProps(image=REDIS_IMAGE, password=REDIS_PASSWORD))
        PostSyncCheck(chart, check_id, props(target, part_of="aipp"))
        return names_and_selectors(synth(chart))

    assert shape("test", "Redis", "Check") == shape("other-chart", "Cache", "VerifyRedis")


def test_graph_policies_open_exactly_the_target_main_port_to_the_check(chart: Chart) -> None:
    target = redis(chart)
    other = redis(chart, "other")
    checked = PostSyncCheck(chart, "Check", props(target))
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(target, other, checked)))
    manifests = synth(chart)
    assert reachability(manifests) == {("verify-redis", "redis", 6379)}
    policy = one(manifests, "NetworkPolicy", "verify-redis")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "verify-redis"}}
    assert policy["egress"] == [
        {
            "ports": [{"port": 6379, "protocol": "TCP"}],
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}],
        }
    ]


# --- the description and script reach sh byte for byte ------------------------------------


def test_description_and_script_reach_sh_verbatim_despite_kubernetes_expansion(tmp_path: Path) -> None:
    description = 'it\'s "$(HOME)" `id` $$ $HOME \\n ${X} $((1+1)) $'
    # Without the construct's escaping the kubelet would put "hello" in place of $(GREETING),
    # and turn $$ into $.
    script = 'GREETING() { echo function; }\necho "$(GREETING) $GREETING $$(x)"'
    job = script_job(script, tmp_path, description=description, env={"HOME": "/nowhere", "GREETING": "hello"})
    assert (
        shell_text(job)
        == f"printf '%s\\n' 'checking: it'\"'\"'s \"$(HOME)\" `id` $$ $HOME \\n ${{X}} $((1+1)) $'\n{script}"
    )
    run = run_job(job, tmp_path)
    assert run.code == 0
    assert run.lines[0] == f"checking: {description}"
    assert run.lines[1].startswith("function hello ")


def test_generated_scripts_need_no_kubernetes_escaping() -> None:
    """No "$(" or "$$": the builders' text is valid even where nothing escapes it."""
    for script in (
        http_check_script(HEALTH),
        http_check_script(HEALTH, expect=UP, attempts=3, interval_seconds=1),
        sql_check_script("select 1", expect_nonempty_message="nothing"),
    ):
        assert "$(" not in script and "$$" not in script


# --- http_check_script, run -----------------------------------------------------------------


@pytest.fixture(scope="module")
def http_job() -> dict[str, Any]:
    chart = new_chart()
    PostSyncCheck(
        chart,
        "Check",
        props(
            redis(chart),
            name="verify-backend",
            description="enai-backend reports UP",
            script=http_check_script(HEALTH, expect=UP, attempts=3, interval_seconds=2),
        ),
    )
    return one(synth(chart), "Job")


def test_http_check_passes_on_a_good_body(http_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(http_job, tmp_path, WGET_STUB, BODY='{"status":"UP","groups":["liveness","readiness"]}')
    assert run.code == 0
    assert run.lines == [
        "checking: enai-backend reports UP",
        f"GET {HEALTH} (attempt 1/3)",
        "HTTP body (first 500 characters):",
        '{"status":"UP","groups":["liveness","readiness"]}',
        f'OK: {HEALTH} answered with a body containing "status":"UP"',
    ]
    assert run.calls == [f"wget -q -O - -T 5 {HEALTH}"]


def test_http_check_fails_on_a_bad_body_after_every_attempt(http_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(http_job, tmp_path, WGET_STUB, BODY='{"status":"DOWN"}')
    assert run.code == 1
    assert run.lines.count('{"status":"DOWN"}') == 3
    assert 'attempt 3/3: the body does not contain "status":"UP"' in run.lines
    assert (
        run.lines[-1]
        == f'FAILED: {HEALTH} did not answer with a 2xx status with a body containing "status":"UP" in 3 attempts'
    )
    assert run.calls == [f"wget -q -O - -T 5 {HEALTH}", "sleep 2"] * 2 + [f"wget -q -O - -T 5 {HEALTH}"]


def test_http_check_fails_when_the_connection_fails(http_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(http_job, tmp_path, WGET_STUB, WGET_FAILS="99")
    assert run.code == 1
    assert run.lines[1:] == [
        f"GET {HEALTH} (attempt 1/3)",
        f"attempt 1/3: {HEALTH} did not answer with a 2xx status (wget exit status 1)",
        f"GET {HEALTH} (attempt 2/3)",
        f"attempt 2/3: {HEALTH} did not answer with a 2xx status (wget exit status 1)",
        f"GET {HEALTH} (attempt 3/3)",
        f"attempt 3/3: {HEALTH} did not answer with a 2xx status (wget exit status 1)",
        f'FAILED: {HEALTH} did not answer with a 2xx status with a body containing "status":"UP" in 3 attempts',
    ]
    assert "HTTP body (first 500 characters):" not in run.lines


def test_http_check_passes_when_the_service_comes_up_late(http_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(http_job, tmp_path, WGET_STUB, WGET_FAILS="2", BODY='{"status":"UP"}')
    assert run.code == 0
    assert run.lines[-1] == f'OK: {HEALTH} answered with a body containing "status":"UP"'
    assert [c for c in run.calls if c.startswith("sleep")] == ["sleep 2", "sleep 2"]


def test_http_check_prints_only_the_first_500_characters(http_job: dict[str, Any], tmp_path: Path) -> None:
    body = '{"status":"UP","details":"' + "x" * 1000 + '"}'
    run = run_job(http_job, tmp_path, WGET_STUB, BODY=body)
    assert run.code == 0
    assert run.lines[3] == body[:500]


def test_http_check_without_expect_accepts_any_2xx_body(tmp_path: Path) -> None:
    url = "http://enai-frontend:3000/?a=1&b=$(id)"
    job = script_job(http_check_script(url, attempts=1), tmp_path)
    run = run_job(job, tmp_path, WGET_STUB, BODY="<html></html>")
    assert run.code == 0
    assert run.lines[-2:] == ["<html></html>", f"OK: {url} answered"]
    # The URL reaches wget as one argument, unexpanded by Kubernetes or the shell.
    assert run.calls == [f"wget -q -O - -T 5 {url}"]
    again = tmp_path / "again"
    again.mkdir()
    failed = run_job(job, again, WGET_STUB, WGET_FAILS="1")
    assert failed.code == 1
    assert failed.lines[-1] == f"FAILED: {url} did not answer with a 2xx status in 1 attempts"
    assert not [c for c in failed.calls if c.startswith("sleep")]


# --- sql_check_script, run ------------------------------------------------------------------

QUERY = "select extversion from pg_extension where extname = 'vector' and '$(PGHOST)' <> ''"


@pytest.fixture(scope="module")
def sql_job() -> dict[str, Any]:
    chart = new_chart()
    PostSyncCheck(
        chart,
        "Check",
        props(
            redis(chart),
            name="verify-pgvector",
            image=PSQL_IMAGE,
            description="pgvector has the vector extension",
            script=sql_check_script(QUERY, expect_nonempty_message="the vector extension is not installed"),
            env={"PGHOST": "pgvector", "PGPORT": "5432", "PGDATABASE": "aipp"},
            secret_env={
                "PGUSER": SecretKeyRef(name="pgvector-credentials", key="username"),
                "PGPASSWORD": SecretKeyRef(name="pgvector-credentials", key="password"),
            },
        ),
    )
    return one(synth(chart), "Job")


def test_sql_check_passes_and_prints_the_result(sql_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(sql_job, tmp_path, PSQL_STUB, RESULT="0.8.1\n")
    assert run.code == 0
    assert run.lines == [
        "checking: pgvector has the vector extension",
        f"SQL: {QUERY}",
        "result:",
        "0.8.1",
        "OK",
    ]
    # The query reaches psql as one argument, exactly as written ($(PGHOST) included).
    assert run.calls == [
        "arg -v",
        "arg ON_ERROR_STOP=1",
        "arg -tAc",
        f"arg {QUERY}",
        "conn aipp:s3cret@pgvector:5432/aipp",
    ]


@pytest.mark.parametrize("result", ["", "\n", "\n\n"], ids=["no-rows", "one-empty-row", "two-empty-rows"])
def test_sql_check_fails_with_the_message_on_an_empty_result(
    sql_job: dict[str, Any], tmp_path: Path, result: str
) -> None:
    run = run_job(sql_job, tmp_path, PSQL_STUB, RESULT=result)
    assert run.code == 1
    assert run.lines[-1] == "FAILED: the vector extension is not installed"
    assert "OK" not in run.lines


def test_sql_check_fails_when_psql_fails(sql_job: dict[str, Any], tmp_path: Path) -> None:
    run = run_job(sql_job, tmp_path, PSQL_STUB, PSQL_STATUS="3")
    assert run.code == 1
    assert run.lines[-1] == "FAILED: psql could not run the query on pgvector:5432/aipp as aipp (error above)"
    assert "result:" not in run.lines
