"""One synthetic stack built from the public constructs, synthesized once: the unit that
``bench.py`` times as a whole child process.

Usage: ``.venv/bin/python benchmarks/stacks.py SHAPE N`` with SHAPE one of ``chain``,
``fan-in``, ``layered`` and N the number of components. Prints the number of YAML documents
on stdout (a sanity check that the whole stack was synthesized).

Shapes (component i is a ``Workload`` named ``s<i>``):

* ``chain``: component i depends on components i-1 and i-2;
* ``fan-in``: every component after the first three depends on the first three;
* ``layered``: layers of 10; each component depends on the whole previous layer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_NODE = PROJECT / "node_modules" / ".bin" / "node"
if "JSII_NODE" not in os.environ and _NODE.exists():
    os.environ["JSII_NODE"] = str(_NODE)

from cdk8s import App, Chart

from aipp_constructs import (
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    HttpCheck,
    Port,
    Probes,
    Telemetry,
    WaitPolicy,
    Workload,
    WorkloadProps,
)

SHAPES = ("chain", "fan-in", "layered")
IMAGE = "registry.example.com/acme/app:1.0.0"
WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
LAYER = 10


def dependencies(shape: str, index: int, built: list[Workload]) -> tuple[Workload, ...]:
    """What component ``index`` depends on, among the components ``built`` before it."""
    if shape == "chain":
        return tuple(built[max(0, index - 2) : index])
    if shape == "fan-in":
        return tuple(built[:3]) if index >= 3 else ()
    if shape == "layered":
        layer = index // LAYER
        return tuple(built[(layer - 1) * LAYER : layer * LAYER]) if layer else ()
    raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")


def build(shape: str, count: int) -> App:
    app = App(outdir=os.environ.get("BENCH_OUTDIR", "."))
    chart = Chart(app, "bench", namespace="bench")
    built: list[Workload] = []
    for index in range(count):
        built.append(
            Workload(
                chart,
                f"S{index}",
                WorkloadProps(
                    name=f"s{index}",
                    image=IMAGE,
                    ports=(Port(name="http", number=8080),),
                    probes=Probes.of(HttpCheck(path="/health")),
                    depends_on=dependencies(shape, index, built),
                    wait=WAIT,
                    telemetry=Telemetry(mode="off"),
                ),
            )
        )
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=tuple(built)))
    return app


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in SHAPES or not argv[1].isdigit() or int(argv[1]) < 1:
        print(f"usage: stacks.py {{{'|'.join(SHAPES)}}} N", file=sys.stderr)
        return 2
    text = build(argv[0], int(argv[1])).synth_yaml()
    print(sum(1 for doc in text.split("---\n") if doc.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
