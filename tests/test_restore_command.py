"""``python -m aipp_constructs restore``: the restore procedure, every name from the environment file."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from conftest import write_environment

from aipp_constructs.__main__ import (
    PG_DATABASE_VAR,
    PG_DUMP_CRONJOB,
    application_name,
)
from aipp_constructs.__main__ import (
    main as cli,
)
from aipp_constructs.aipp import load_environment
from aipp_constructs.aipp.config import APP_COMPONENTS

PROJECT = Path(__file__).resolve().parent.parent
DEV_META = PROJECT / "environments" / "dev-meta.yaml"
DUMP = "aipp-20261126T023000Z.dump"
APPS = ("enai-front", "enai-backend", "enai-data-processor", "enai-linker", "enai-scheduler")


def _env_file(tmp_path: Path, name: str, **changes: Any) -> Path:
    """The reference fixture under another name with ``changes`` applied
    (``components.enai-linker.enabled`` style keys)."""
    return write_environment(tmp_path, name, **changes)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli(list(argv))
    return code, out.getvalue(), err.getvalue()


def _commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _scale_line(text: str) -> str:
    (line,) = [line for line in _commands(text) if " scale deployment " in line]
    return line


def test_every_enabled_application_service_is_scaled_and_the_dump_is_restored(tmp_path: Path) -> None:
    path = _env_file(tmp_path, "all-on", namespace="aipp", **{f"components.{name}.enabled": True for name in APPS})
    app = application_name(load_environment(path))
    code, out, err = _run("restore", str(path), "--dump", DUMP)
    assert (code, err) == (0, "")
    assert _scale_line(out) == (
        "kubectl -n aipp scale deployment enai-front enai-backend enai-data-processor "
        "enai-linker enai-scheduler --replicas=0"
    )
    assert APPS == APP_COMPONENTS
    commands = _commands(out)
    assert commands[0] == f"argocd app set {app} --sync-policy none"
    assert commands[-1] == f"argocd app set {app} --sync-policy automated --auto-prune --self-heal"
    assert (
        f"kubectl -n aipp create job pgvector-restore --from=cronjob/{PG_DUMP_CRONJOB} --dry-run=client -o json \\"
        in commands
    )
    assert f"--arg dump {DUMP} " in out
    assert f'--dbname=\\"${PG_DATABASE_VAR}\\" /backups/" + $dump' in out
    # Suspended for the restore, resumed afterwards.
    assert (
        f"""kubectl -n aipp patch cronjob {PG_DUMP_CRONJOB} --type=merge -p '{{"spec":{{"suspend":true}}}}'"""
        in commands
    )
    assert (
        f"""kubectl -n aipp patch cronjob {PG_DUMP_CRONJOB} --type=merge -p '{{"spec":{{"suspend":false}}}}'"""
        in commands
    )


def test_a_disabled_linker_is_not_scaled(tmp_path: Path) -> None:
    path = _env_file(
        tmp_path, "no-gpu", namespace="aipp", **{f"components.{name}.enabled": name != "enai-linker" for name in APPS}
    )
    code, out, _ = _run("restore", str(path), "--dump", DUMP)
    assert code == 0
    assert "enai-linker" not in out
    assert _scale_line(out) == (
        "kubectl -n aipp scale deployment enai-front enai-backend enai-data-processor enai-scheduler --replicas=0"
    )


def test_namespace_and_application_come_from_the_file(tmp_path: Path) -> None:
    path = _env_file(tmp_path, "staging", namespace="aipp-staging")
    env = load_environment(path)
    app = application_name(env)
    code, out, _ = _run("restore", str(path), "--dump", DUMP)
    assert code == 0
    commands = _commands(out)
    kubectl = [line for line in commands if line.startswith("kubectl ")]
    assert kubectl and all(line.startswith("kubectl -n aipp-staging ") for line in kubectl)
    assert " -n aipp " not in out
    assert commands[0] == f"argocd app set {app} --sync-policy none"
    assert commands[-1] == f"argocd app set {app} --sync-policy automated --auto-prune --self-heal"
    assert "environment staging, namespace aipp-staging" in out


def test_the_application_name_prefers_the_environment_then_gitops_then_the_namespace() -> None:
    gitops = SimpleNamespace(application_name="from-gitops")
    assert application_name(SimpleNamespace(application_name="own", gitops=gitops, namespace="ns")) == "own"  # type: ignore[arg-type]
    assert application_name(SimpleNamespace(gitops=gitops, namespace="ns")) == "from-gitops"  # type: ignore[arg-type]
    no_name = SimpleNamespace(application_name=None)
    assert application_name(SimpleNamespace(application_name=None, gitops=no_name, namespace="ns")) == "ns"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "dump",
    [
        "../aipp-20261126T023000Z.dump",
        "/backups/aipp-20261126T023000Z.dump",
        "aipp-20261126T023000Z.dump; rm -rf /backups",
        "aipp-$(id).dump",
        "aipp dump.dump",
        "-aipp.dump",
        "aipp-20261126T023000Z.dump.partial",
        "aipp'.dump",
        "",
    ],
)
def test_a_bad_dump_name_is_refused_with_one_line(dump: str) -> None:
    code, out, err = _run("restore", str(DEV_META), f"--dump={dump}")
    assert code == 1
    assert out == ""
    assert err.startswith("error: --dump must be a file name") and err.count("\n") == 1
    assert repr(dump) in err


def test_a_missing_environment_is_refused(tmp_path: Path) -> None:
    code, out, err = _run("restore", str(tmp_path / "nowhere.yaml"), "--dump", DUMP)
    assert (code, out) == (1, "")
    assert err == f"error: {tmp_path / 'nowhere.yaml'}: no such environment file\n"


def test_the_names_are_those_of_the_synthesized_cronjob() -> None:
    """The CronJob and its database variable, as written to dist/dev-meta/ by the chart."""
    docs = [d for d in yaml.safe_load_all((PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml").read_text()) if d]
    (cronjob,) = [d for d in docs if d["kind"] == "CronJob"]
    assert cronjob["metadata"]["name"] == PG_DUMP_CRONJOB
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env[PG_DATABASE_VAR] == load_environment(DEV_META).components.pgvector.database
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/backups"}
    deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
    _, out, _ = _run("restore", str(DEV_META), "--dump", DUMP)
    scaled = set(_scale_line(out).split(" scale deployment ")[1].removesuffix(" --replicas=0").split())
    assert scaled == deployments - {"redis"}
