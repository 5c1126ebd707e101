"""Benchmark of synthesis: whole-process wall time, CPU time and peak memory.

Run from the repository root as ``make bench`` (``.venv/bin/python benchmarks/bench.py``).
Writes a Markdown report to stdout and to ``benchmarks/RESULTS.md``; progress goes to stderr.
See ``benchmarks/README.md`` for what is measured and how.

Every measured process is a fresh child started with :class:`subprocess.Popen` and reaped with
:func:`os.wait4`, which returns its resource usage: wall time is :func:`time.perf_counter` around
start and reap, CPU time is the child's ``ru_utime + ru_stime`` and peak memory its
``ru_maxrss``. Both include the jsii Node process the child starts, because the Python child
waits for it at exit (jsii's ``atexit`` handler): CPU time is the sum over the two processes,
``ru_maxrss`` the larger of the two peaks (Linux reports the maximum over a process and its
reaped descendants, not a sum).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT / "benchmarks"
NODE = PROJECT / "node_modules" / ".bin" / "node"
PYTHON = sys.executable

SHAPES = ("chain", "fan-in", "layered")
SIZES = (50, 100, 200, 400)

# Targets (printed beside the figures; never adjusted to make one pass).
TARGET_MAIN_OVER_FLOOR = 1.5
TARGET_MARGINAL_MS = 15.0
TARGET_SCALING_400_100 = 4.5
TARGET_PEAK_MIB_400 = 400.0
TARGET_MAKE_TEST_S = 90.0  # issue 18 (issue 10 had 60 s)
BUDGET_S = 600.0

MIB = 1024 * 1024


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + sys of the child and its reaped descendants
    maxrss: int  # bytes
    code: int


@dataclass
class Point:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mib(self) -> float:
        return statistics.median(r.maxrss for r in self.runs) / MIB

    @property
    def wall_range(self) -> str:
        walls = [r.wall for r in self.runs]
        return f"{min(walls):.2f}–{max(walls):.2f}"


START = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - START:7.1f} s] {message}", file=sys.stderr, flush=True)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every child: jsii on the project's Node 22, as the Makefile sets it."""
    env = dict(os.environ)
    env["JSII_NODE"] = str(NODE)
    env["PATH"] = f"{NODE.parent}{os.pathsep}{env.get('PATH', '')}"
    env["CDK8S_CHECK_UPGRADE"] = "false"
    env.update(extra)
    return env


def measure(argv: Sequence[str], env: dict[str, str]) -> Run:
    """Run ``argv`` as a fresh child from the repository root; time it whole and reap it with wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=PROJECT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped here: keep Popen from waiting again
        if code != 0:
            out.seek(0)
            err.seek(0)
            tail = (out.read() + err.read()).decode(errors="replace")[-2000:]
            progress(f"FAILED (exit {code}): {' '.join(argv)}\n{tail}")
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss=usage.ru_maxrss * 1024, code=code)


def describe(run: Run) -> str:
    status = "" if run.code == 0 else f", EXIT {run.code}"
    return f"wall {run.wall:.2f} s, cpu {run.cpu:.2f} s, max RSS {run.maxrss / MIB:.0f} MiB{status}"


# --------------------------------------------------------------------------------------------
# 1. main.py against the floor, alternately


def bench_main_vs_floor(runs: int, warmups: int, scratch: Path) -> tuple[Point, Point]:
    main_point, floor_point = Point("main.py"), Point("floor.py")
    for index in range(warmups + runs):
        warm = index < warmups
        tag = "warm-up" if warm else f"run {index - warmups + 1}/{runs}"
        for point, argv, env in (
            (main_point, [PYTHON, "main.py"], child_env(AIPP_OUTDIR=str(scratch / "main" / "out"))),
            (floor_point, [PYTHON, str(BENCH_DIR / "floor.py")], child_env(BENCH_OUTDIR=str(scratch / "floor"))),
        ):
            for folder in (scratch / "main", scratch / "floor"):
                shutil.rmtree(folder, ignore_errors=True)
            (scratch / "main").mkdir()
            (scratch / "floor").mkdir()
            run = measure(argv, env)
            progress(f"{point.label} {tag}: {describe(run)}")
            if not warm:
                point.runs.append(run)
    return main_point, floor_point


# --------------------------------------------------------------------------------------------
# 2. Synthetic stacks


def bench_stacks(runs: int, warmups: int, scratch: Path) -> dict[tuple[str, int], Point]:
    """Every (shape, N) once per round, round-robin, so that drift of the machine spreads over
    every point alike; the first ``warmups`` rounds are discarded."""
    points = {(shape, n): Point(f"{shape} {n}") for shape in SHAPES for n in SIZES}
    env = child_env(BENCH_OUTDIR=str(scratch))
    for index in range(warmups + runs):
        warm = index < warmups
        tag = "warm-up" if warm else f"run {index - warmups + 1}/{runs}"
        for (shape, n), point in points.items():
            run = measure([PYTHON, str(BENCH_DIR / "stacks.py"), shape, str(n)], env)
            progress(f"stack {shape} N={n} {tag}: {describe(run)}")
            if not warm:
                point.runs.append(run)
    return points


# --------------------------------------------------------------------------------------------
# 3. make test


def bench_make_test() -> tuple[Run, Run]:
    env = child_env()
    warm = measure(["make", "test"], env)
    progress(f"make test warm-up: {describe(warm)}")
    timed = measure(["make", "test"], env)
    progress(f"make test timed run: {describe(timed)}")
    return warm, timed


# --------------------------------------------------------------------------------------------
# Report


def verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def node_version() -> str:
    try:
        return subprocess.run([str(NODE), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(
    *,
    runs: int,
    warmups: int,
    main_floor: tuple[Point, Point] | None,
    stacks: dict[tuple[str, int], Point] | None,
    make_test: tuple[Run, Run] | None,
    total_s: float,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    started: dt.datetime,
    notes: list[str],
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`.venv/bin/python benchmarks/bench.py`); see `benchmarks/README.md`.",
        "",
        "| machine | |",
        "|---|---|",
        f"| date | {started.strftime('%Y-%m-%d %H:%M %Z').strip()} |",
        f"| cores (`os.cpu_count()`) | {os.cpu_count()} |",
        f"| Python | {platform.python_version()} ({sys.executable}) |",
        f"| Node (jsii, `JSII_NODE`) | {node_version()} |",
        f"| platform | {platform.platform()} |",
        f"| load average (1, 5, 15 min) at start / end (the end includes the benchmark's own children) | {' '.join(f'{x:.2f}' for x in load[0])} / "
        f"{' '.join(f'{x:.2f}' for x in load[1])} |",
        f"| runs per figure | median of {runs} after {warmups} warm-up (make test: one timed run after one warm-up) |",
        f"| total run time of the benchmark | {total_s:.0f} s ({total_s / 60:.1f} min; budget {BUDGET_S / 60:.0f} min: "
        f"{verdict(total_s <= BUDGET_S)}) |",
        "",
        "Wall time: `time.perf_counter` around the whole child process. CPU time: user + sys of the child",
        "and of the jsii Node process it starts and reaps (`os.wait4`). Peak RSS: `ru_maxrss` from",
        "`os.wait4`, the larger of the Python and Node peaks (not their sum). Medians; wall range is min–max.",
    ]

    if main_floor is not None:
        main, floor = main_floor
        wall_ratio, cpu_ratio = main.wall / floor.wall, main.cpu / floor.cpu
        lines += [
            "",
            "## 1. `main.py` (every environment, `AIPP_OUTDIR` in a temporary folder) against the floor",
            "",
            "Run alternately: main, floor, main, floor... The floor (`benchmarks/floor.py`) is a cdk8s App with",
            "one Chart holding one `cdk8s_plus_27.k8s.KubeDeployment`, synthesized to a temporary folder.",
            "",
            "| process | wall (s) | wall range (s) | CPU (s) | peak RSS (MiB) |",
            "|---|---:|---:|---:|---:|",
        ]
        for point in (main, floor):
            lines.append(
                f"| `{point.label}` | {point.wall:.2f} | {point.wall_range} | {point.cpu:.2f} | {point.rss_mib:.0f} |"
            )
        lines += [
            "",
            "| ratio main / floor | value | target | |",
            "|---|---:|---:|---|",
            f"| wall | {wall_ratio:.2f}x | at most {TARGET_MAIN_OVER_FLOOR}x | {verdict(wall_ratio <= TARGET_MAIN_OVER_FLOOR)} |",
            f"| CPU | {cpu_ratio:.2f}x | at most {TARGET_MAIN_OVER_FLOOR}x | {verdict(cpu_ratio <= TARGET_MAIN_OVER_FLOOR)} |",
        ]

    if stacks is not None:
        lines += [
            "",
            "## 2. Synthetic stacks (`benchmarks/stacks.py SHAPE N`, one child process per run)",
            "",
            'Each component: a `Workload` with one HTTP port, `Probes.of(HttpCheck(path="/health"))`, the',
            'BusyBox `WaitPolicy`, `Telemetry(mode="off")`; then one `GraphNetworkPolicies` over all; `app.synth_yaml()`.',
            "chain: i depends on i-1 and i-2; fan-in: each depends on the first three; layered: layers of 10,",
            "each component depending on the whole previous layer. Points run round-robin (every shape and N once",
            "per round), the first round being the warm-up.",
            "",
            "| shape | N | wall (s) | wall range (s) | CPU (s) | peak RSS (MiB) | (t(N) − t(50)) / (N − 50) (ms per component) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for shape in SHAPES:
            t50 = stacks[(shape, SIZES[0])].wall
            for n in SIZES:
                point = stacks[(shape, n)]
                marginal = "–" if n == SIZES[0] else f"{(point.wall - t50) / (n - SIZES[0]) * 1000:.1f}"
                lines.append(
                    f"| {shape} | {n} | {point.wall:.2f} | {point.wall_range} | {point.cpu:.2f} | "
                    f"{point.rss_mib:.0f} | {marginal} |"
                )
        lines += [
            "",
            "| shape | marginal (t(400) − t(200)) / 200 | target | | t(400) / t(100) | target | | peak RSS at 400 | target | |",
            "|---|---:|---:|---|---:|---:|---|---:|---:|---|",
        ]
        for shape in SHAPES:
            t100, t200, t400 = (stacks[(shape, n)].wall for n in (100, 200, 400))
            marginal_ms = (t400 - t200) / 200 * 1000
            scaling = t400 / t100
            rss = stacks[(shape, 400)].rss_mib
            lines.append(
                f"| {shape} | {marginal_ms:.1f} ms | at most {TARGET_MARGINAL_MS:.0f} ms | "
                f"{verdict(marginal_ms <= TARGET_MARGINAL_MS)} "
                f"| {scaling:.2f} | at most {TARGET_SCALING_400_100} | {verdict(scaling <= TARGET_SCALING_400_100)} "
                f"| {rss:.0f} MiB | at most {TARGET_PEAK_MIB_400:.0f} MiB | {verdict(rss <= TARGET_PEAK_MIB_400)} |"
            )

    if make_test is not None:
        warm, timed = make_test
        status = "passed" if timed.code == 0 else f"**exit status {timed.code}** (tests failed)"
        lines += [
            "",
            "## 3. `make test`, once set up",
            "",
            "One warm-up, then a **single timed run** (it takes tens of seconds; not a median).",
            "",
            "| run | wall (s) | CPU (s) | result | target | |",
            "|---|---:|---:|---|---:|---|",
            f"| warm-up (not counted) | {warm.wall:.1f} | {warm.cpu:.1f} | "
            f"{'passed' if warm.code == 0 else f'exit status {warm.code}'} | | |",
            f"| timed | {timed.wall:.1f} | {timed.cpu:.1f} | {status} | at most {TARGET_MAKE_TEST_S:.0f} s "
            f"| {verdict(timed.wall <= TARGET_MAKE_TEST_S)} |",
        ]

    if notes:
        lines += ["", "## Notes", ""] + [f"* {note}" for note in notes]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure (default 5)")
    parser.add_argument("--warmups", type=int, default=1, help="warm-up runs discarded (default 1)")
    parser.add_argument(
        "--only", choices=("main", "stacks", "test"), action="append", help="run only these parts (repeatable)"
    )
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "RESULTS.md", help="report file")
    args = parser.parse_args(argv)
    parts = set(args.only or ("main", "stacks", "test"))
    if not NODE.exists():
        print(f"error: {NODE} is missing; run `make setup` first", file=sys.stderr)
        return 1

    started = dt.datetime.now().astimezone()
    load_start = os.getloadavg()
    notes: list[str] = []
    if args.runs < 5 or args.warmups < 1:
        notes.append(f"Reduced: {args.runs} runs after {args.warmups} warm-up (the standard is 5 after 1).")
    if parts != {"main", "stacks", "test"}:
        notes.append(f"Partial run: only {', '.join(sorted(parts))}.")
    progress(f"benchmark: {args.runs} runs after {args.warmups} warm-up, on {os.cpu_count()} cores")

    main_floor = stacks = make_test = None
    with tempfile.TemporaryDirectory(prefix="aipp-bench-") as tmp:
        scratch = Path(tmp)
        if "main" in parts:
            main_floor = bench_main_vs_floor(args.runs, args.warmups, scratch)
        if "stacks" in parts:
            stacks = bench_stacks(args.runs, args.warmups, scratch)
    if "test" in parts:
        make_test = bench_make_test()

    total = time.perf_counter() - START
    failed = [
        r
        for group in ((main_floor or ()), (stacks or {}).values())
        for point in group
        for r in point.runs
        if r.code != 0
    ]
    if failed:
        notes.append(
            f"{len(failed)} measured run(s) exited non-zero (see the progress log): their figures are suspect."
        )
    load_end = os.getloadavg()
    if load_start[0] > 0.5:
        notes.append(
            f"The machine was not idle when the benchmark started: load average {load_start[0]:.2f} (1 minute) on "
            f"{os.cpu_count()} cores, from other processes (e.g. other test runs) sharing the CPUs, so wall times "
            "carry that noise (CPU times less so). The load at the end includes the benchmark's own last children "
            "(`make test` runs three pytest workers)."
        )
    if total > BUDGET_S:
        notes.append(
            f"The run took {total:.0f} s, over the {BUDGET_S:.0f} s budget, already at the minimum of 5 runs after "
            "1 warm-up; nothing further was reduced."
        )
    text = report(
        runs=args.runs,
        warmups=args.warmups,
        main_floor=main_floor,
        stacks=stacks,
        make_test=make_test,
        total_s=total,
        load=(load_start, load_end),
        started=started,
        notes=notes,
    )
    sys.stdout.write(text)
    args.output.write_text(text)
    progress(f"done in {total:.0f} s; written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
