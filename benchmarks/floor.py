"""The floor: the least a cdk8s Python app costs. One App, one Chart holding one
``cdk8s_plus_27.k8s.KubeDeployment``, synthesized to ``$BENCH_OUTDIR`` (default: a temporary
folder, removed afterwards). ``bench.py`` times it as a whole child process beside
``main.py``: what is above it is the library's own cost.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_NODE = PROJECT / "node_modules" / ".bin" / "node"
if "JSII_NODE" not in os.environ and _NODE.exists():
    os.environ["JSII_NODE"] = str(_NODE)

from cdk8s import App, Chart
from cdk8s_plus_27 import k8s


def main() -> int:
    outdir = os.environ.get("BENCH_OUTDIR")
    temporary = outdir is None
    outdir = outdir or tempfile.mkdtemp(prefix="bench-floor-")
    try:
        app = App(outdir=outdir)
        chart = Chart(app, "floor", namespace="floor")
        labels = {"app": "floor"}
        k8s.KubeDeployment(
            chart,
            "Deployment",
            metadata=k8s.ObjectMeta(name="floor"),
            spec=k8s.DeploymentSpec(
                selector=k8s.LabelSelector(match_labels=labels),
                template=k8s.PodTemplateSpec(
                    metadata=k8s.ObjectMeta(labels=labels),
                    spec=k8s.PodSpec(
                        containers=[k8s.Container(name="app", image="registry.example.com/acme/app:1.0.0")]
                    ),
                ),
            ),
        )
        app.synth()
        written = sorted(p.name for p in Path(outdir).iterdir())
        print(f"floor synthesized {', '.join(written)} into {outdir}", file=sys.stderr)
    finally:
        if temporary:
            shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
