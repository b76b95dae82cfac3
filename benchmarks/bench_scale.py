#!/usr/bin/env python3
"""Time `paperkit build` at production scale side by side with DuckDB, and check they agree.

Generates (once, into a folder it reuses) the synthetic experiment of ``bench_build.py`` with
``--calls`` Worker AI records and 0.4 x as many workflow runs, then, in the same run, times
alternately:

- the full ``python -m paperkit build bench --no-cache`` as a subprocess (interpreter start,
  imports, reading, pricing, metrics, rendering, writing);
- DuckDB, also in a subprocess, reading the same two JSONL files and computing the same
  per-model and workflow aggregates (count, mean/p50/p95 latency, tokens, success rate;
  executions, success rate, duration mean/p50/p95).

It prints each side's median wall time and peak memory (the child's peak RSS, from
``os.wait4``), the ratio, and whether paperkit's results.json agrees with DuckDB's numbers (to
a relative 1e-9: results.json rounds to 12 significant digits). It is a report, not a test:
it exits 0 when both sides ran and agree, 1 when a side fails, 2 when the numbers disagree.
DuckDB comes from the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_build  # noqa: E402 - the generator lives beside this script

REPO = bench_build.REPO
NAME = bench_build.NAME
MARKER = "bench-data.json"  # written last, so a half-generated folder is never reused

DUCKDB_SIDE = Path(__file__).resolve().parent / "duckdb_side.py"


def data_folder(base: Path, calls: int, runs: int, parts: int = 1) -> Path:
    """Return the experiment root for these sizes under ``base``, generating it if needed.

    With ``parts`` over 1, ``worker-ai.jsonl`` and ``workflows.jsonl`` are kept as that many
    files each in ``worker-ai/`` and ``workflows/`` (a log past paperkit's 2 GiB per file).
    """
    name = f"calls-{calls}-runs-{runs}" + (f"-parts-{parts}" if parts > 1 else "")
    root = base / name
    marker = root / MARKER
    wanted = {"calls": calls, "workflow_runs": runs, "parts": parts}
    try:
        if json.loads(marker.read_text()) == wanted:
            print(f"reusing {root}")
            return root
    except (OSError, ValueError):
        pass
    print(f"generating {calls:,} calls and {runs:,} workflow runs into {root} ...", flush=True)
    t0 = time.perf_counter()
    bench_build.generate(root, calls, runs)
    if parts > 1:
        folder = root / ".claude" / "experiments" / NAME
        for log, lines in (("worker-ai", calls), ("workflows", runs)):
            split(folder / f"{log}.jsonl", folder / log, -(-(lines + 2) // parts))
    marker.write_text(json.dumps(wanted))
    print(f"generated in {time.perf_counter() - t0:.1f} s")
    return root


def split(path: Path, into: Path, lines: int) -> None:
    """Move the lines of ``path`` into files of ``lines`` lines each in the folder ``into``."""
    into.mkdir(exist_ok=True)
    out, number = None, 0
    with path.open("rb") as source:
        for i, line in enumerate(source):
            if i % lines == 0:
                if out is not None:
                    out.close()
                number += 1
                out = (into / f"part-{number:03d}.jsonl").open("wb")
            out.write(line)
    if out is not None:
        out.close()
    path.unlink()


def run_child(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``cmd``; return its wall seconds, peak RSS in bytes, and stdout (exit 1 on failure)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        print(f"failed (exit {proc.returncode}): {' '.join(cmd)}", file=sys.stderr)
        print(stdout[-4000:] + stderr[-4000:], file=sys.stderr)
        raise SystemExit(1)
    return elapsed, usage.ru_maxrss * 1024, stdout  # ru_maxrss is in KiB on Linux


def compare(results: dict, duck: dict, rel: float = 1e-9) -> list[str]:
    """Return the aggregates on which results.json and DuckDB differ (empty when all agree)."""
    problems = []

    def check(what: str, ours: object, theirs: object) -> None:
        if ours is None or theirs is None:
            if ours is not theirs:
                problems.append(f"{what}: paperkit {ours!r}, DuckDB {theirs!r}")
        elif not math.isclose(float(ours), float(theirs), rel_tol=rel, abs_tol=rel):
            problems.append(f"{what}: paperkit {ours!r}, DuckDB {theirs!r}")

    for key, theirs in duck["metrics"].items():
        check(key, results["metrics"].get(key), theirs)
    ours_models = {m["model"]: m for m in results["models"]}
    if set(ours_models) != set(duck["models"]):
        problems.append(f"models: paperkit {sorted(ours_models)}, DuckDB {sorted(duck['models'])}")
    for model, stats in duck["models"].items():
        for key, theirs in stats.items():
            check(f"{model} {key}", ours_models.get(model, {}).get(key), theirs)
    return problems


def mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000, help="Worker AI records")
    parser.add_argument(
        "--runs", type=int, default=None, help="workflow runs (default 0.4 x --calls)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(tempfile.gettempdir()) / "paperkit-bench",
        help="folder the generated data is kept in and reused from",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="also time an unchanged rebuild with the cache (after one build that fills it)",
    )
    parser.add_argument(
        "--parts",
        type=int,
        default=1,
        help="keep each large log as this many files in a folder (needed past 2 GiB, ~7M calls)",
    )
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else int(args.calls * 0.4)
    root = data_folder(args.data.resolve(), args.calls, runs, args.parts)
    spec = root / "experiments.yaml"
    folder = root / ".claude" / "experiments" / NAME
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    cache_dir = Path(tempfile.mkdtemp(prefix="paperkit-bench-cache-"))
    env["PAPERKIT_CACHE_DIR"] = str(cache_dir)  # never the user's own cache
    try:
        return _run(args, root, folder, spec, env)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def _run(args: argparse.Namespace, root: Path, folder: Path, spec: Path, env: dict) -> int:
    """Time both sides, compare their numbers; return the exit code (see the docstring)."""
    build = [sys.executable, "-m", "paperkit", "build", NAME, "--spec", str(spec)]
    duck = [sys.executable, str(DUCKDB_SIDE), str(folder)]

    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} cpus")
    print(f"load average {os.getloadavg()[0]:.1f}; input:")
    print(bench_build.describe(folder))
    paperkit_runs, duck_runs = [], []
    for _ in range(max(1, args.repeat)):  # alternate, so both sides see the same load
        seconds, peak, _ = run_child([*build, "--no-cache"], root, env)
        paperkit_runs.append((seconds, peak))
        seconds, peak, out = run_child(duck, root, env)
        duck_runs.append((seconds, peak))
        print(
            f"  paperkit {paperkit_runs[-1][0]:7.2f} s {mib(paperkit_runs[-1][1]):>10}"
            f"   duckdb {seconds:6.2f} s {mib(peak):>10}",
            flush=True,
        )
    p_time = statistics.median(t for t, _ in paperkit_runs)
    d_time = statistics.median(t for t, _ in duck_runs)
    p_mem = max(m for _, m in paperkit_runs)
    d_mem = max(m for _, m in duck_runs)
    print(f"paperkit build: median {p_time:.2f} s, peak {mib(p_mem)} ({len(paperkit_runs)} runs)")
    print(f"DuckDB:         median {d_time:.2f} s, peak {mib(d_mem)} ({len(duck_runs)} runs)")
    print(f"ratio (paperkit / DuckDB): {p_time / d_time:.1f}x time, {p_mem / d_mem:.1f}x memory")

    if args.cache:
        run_child(build, root, env)  # fills the cache
        cached = [run_child(build, root, env) for _ in range(max(1, args.repeat))]
        c_time = statistics.median(t for t, _, _ in cached)
        c_mem = max(m for _, m, _ in cached)
        print(f"unchanged rebuild (cache): median {c_time:.3f} s, peak {mib(c_mem)}")

    results = json.loads((folder / "results.json").read_text())
    duck_numbers = json.loads(out)
    problems = compare(results, duck_numbers)
    if problems:
        print("DISAGREE: results.json and DuckDB differ:")
        print("\n".join(f"  {p}" for p in problems))
        return 2
    models = duck_numbers["models"].values()
    checked = len(duck_numbers["metrics"]) + sum(len(m) for m in models)
    print(f"agree: {checked} aggregates of results.json match DuckDB to 1e-9")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
