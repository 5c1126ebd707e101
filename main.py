"""The cdk8s app: one chart per environment file, written to ``dist/<environment>/``, with a
``kustomization.yaml`` beside it, and its ArgoCD Application in ``dist/bootstrap/<environment>/``.

Run by ``cdk8s synth`` (``make synth``) or directly: ``.venv/bin/python main.py``.
Output goes to ``$AIPP_OUTDIR`` when set, else to cdk8s's ``$CDK8S_OUTDIR``, else ``dist``.
Every environment file is parsed and every chart synthesized into a staging folder first;
the output folder is replaced only when all of that succeeded, so a failed run leaves the
previous output byte-identical.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
ENVIRONMENTS_DIR = PROJECT / "environments"
CHART_ID = "aipp"


def use_project_node() -> None:
    """Run jsii on the project's Node 22 (node_modules) rather than the machine's Node 20."""
    node = PROJECT / "node_modules" / ".bin" / "node"
    if "JSII_NODE" not in os.environ and node.exists():
        os.environ["JSII_NODE"] = str(node)


use_project_node()

from cdk8s import App  # noqa: E402  (jsii starts Node on import: JSII_NODE must be set first)

from aipp_constructs import ConfigError  # noqa: E402
from aipp_constructs.aipp import AippChart, EnvironmentConfig, load_environment  # noqa: E402
from aipp_constructs.aipp.bootstrap import BootstrapChart  # noqa: E402
from aipp_constructs.aipp.config import BOOTSTRAP_DIR  # noqa: E402


def environment_files(directory: Path | None = None) -> list[Path]:
    """Every environment file (default folder: ``environments/``), sorted by name."""
    return sorted((directory or ENVIRONMENTS_DIR).glob("*.yaml"))


def load_environments(directory: Path | None = None) -> list[EnvironmentConfig]:
    """Parse every environment file; the first bad one raises :class:`ConfigError`."""
    directory = directory or ENVIRONMENTS_DIR
    files = environment_files(directory)
    if not files:
        raise ConfigError(_display(directory), "", "holds no environment file (*.yaml)")
    return [load_environment(path, display=_display(path)) for path in files]


def build_app(env: EnvironmentConfig, outdir: str, directory: Path | None = None) -> App:
    """The cdk8s App of one environment: one chart, ``<outdir>/aipp.k8s.yaml``."""
    app = App(outdir=outdir)
    source = _display((directory or ENVIRONMENTS_DIR) / f"{env.name}.yaml")
    try:
        AippChart(app, CHART_ID, env, source=source)
    except ValueError as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(source, "(chart)", str(err)) from err
    return app


def build_bootstrap(env: EnvironmentConfig, outdir: str, directory: Path | None = None) -> App:
    """The ArgoCD Application of one environment, ``<outdir>/aipp.k8s.yaml``."""
    app = App(outdir=outdir)
    source = _display((directory or ENVIRONMENTS_DIR) / f"{env.name}.yaml")
    try:
        BootstrapChart(app, CHART_ID, env)
    except ValueError as err:
        raise ConfigError(source, "gitops", str(err)) from err
    return app


def write_kustomization(folder: Path) -> None:
    """``kustomization.yaml`` listing the folder's manifests, for ``kubectl apply -k`` and overlays."""
    files = sorted(p.name for p in folder.glob("*.k8s.yaml"))
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:"]
    (folder / "kustomization.yaml").write_text("\n".join([*lines, *(f"  - {name}" for name in files)]) + "\n")


def synth_all(outdir: Path, directory: Path | None = None) -> list[str]:
    """Synthesize every environment into ``outdir/<env>/`` and replace ``outdir`` atomically."""
    envs = load_environments(directory)
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-staging-", dir=outdir.parent))
    try:
        for env in envs:
            build_app(env, str(staging / env.name), directory).synth()
            write_kustomization(staging / env.name)
            build_bootstrap(env, str(staging / BOOTSTRAP_DIR / env.name), directory).synth()
        _replace_dir(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [env.name for env in envs]


def _replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target`` with renames only (same file system)."""
    new.chmod(0o755)
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def output_dir() -> Path:
    """``$AIPP_OUTDIR``, else ``$CDK8S_OUTDIR`` (set by ``cdk8s synth``), else ``dist``."""
    return Path(os.environ.get("AIPP_OUTDIR") or os.environ.get("CDK8S_OUTDIR") or PROJECT / "dist")


def main() -> int:
    try:
        names = synth_all(output_dir())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"synthesized {', '.join(names)} into {output_dir()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
