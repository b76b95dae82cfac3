#!/usr/bin/env python3
"""Time `paperkit build` on a large synthetic experiment (the speed floor).

Generates, in a temporary directory, an experiment with 100,000 Worker AI records,
~40,000 workflow records and a few hundred records in every other log file, then runs
`python -m paperkit build bench --spec <tmp>/experiments.yaml` as a subprocess (one
warm-up run, then --repeat timed runs) and reports the median/min/max wall time
against --target. It is a report, not a test: it exits 0 whether or not the target
is met, and 1 only if the build itself fails.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = "bench"
START = 1740787200  # 2025-03-01T00:00:00Z
DAYS = 30
SPEC = """\
version: 1
root: .claude/experiments
timezone: UTC
experiments:
  bench:
    title: Benchmark
    unit: {name: document, count: workflows.executions}
    criteria:
      - {text: "99%+ workflow success rate", metric: workflows.success_rate, op: ">=", target: 0.99}
"""
# model, operation, input tokens (lo, hi), output tokens (lo, hi) or None, latency ms (lo, hi),
# the user's per-token rate, share of calls. llama-3.1-70b-instruct has no list price.
MODELS = [
    (
        "@cf/meta/llama-3.1-8b-instruct",
        "summarization",
        (800, 2500),
        (100, 250),
        (500, 1500),
        0.00001,
        0.45,
    ),
    ("@cf/baai/bge-base-en-v1.5", "embedding", (150, 600), None, (60, 200), 0.000001, 0.45),
    (
        "@cf/meta/llama-3.1-70b-instruct",
        "content_generation",
        (600, 1200),
        (400, 800),
        (1800, 3500),
        0.0001,
        0.10,
    ),
]
DURATIONS = ["20min", "45 min", "1h30m", "2 hours", "1 hour", "30 min", "15min", "1h"]


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def stamp(epoch: float, *, millis: bool = False) -> str:
    """ISO 8601 UTC; with ``millis``, to the millisecond (more than one record a second)."""
    if not millis:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    whole = math.floor(epoch)
    fraction = round((epoch - whole) * 1000)
    if fraction == 1000:
        whole, fraction = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{fraction:03d}Z"


def worker_ai_lines(rng: random.Random, n: int) -> list[str]:
    """n inference records over DAYS days, cost_estimate in the spellings users write."""
    step = DAYS * 86400 / n
    cum = [sum(m[6] for m in MODELS[: i + 1]) for i in range(len(MODELS))]
    lines = []
    for i in range(n):
        r = rng.random()
        k = next(k for k, c in enumerate(cum) if r < c)
        model, op, tin_r, tout_r, lat_r, rate, _share = MODELS[k]
        tin = rng.randint(*tin_r)
        ok = rng.random() > 0.002
        rec = {
            # Past one record a second, to the millisecond: two records of one second with
            # the same fields would be one line written twice, which paperkit counts once.
            "timestamp": stamp(START + i * step, millis=step < 1),
            "iteration": 1 + i * 25 // n,
            "model": model,
            "operation": op,
            "input_tokens": tin,
        }
        tout = 0
        if tout_r is None:
            rec["dimensions"] = 768
        else:
            tout = rng.randint(*tout_r) if ok else 0
            rec["output_tokens"] = tout
        cost = (tin + tout) * rate
        style = i % 50
        if style == 0:
            pass  # no cost_estimate
        elif style == 1:
            rec["cost_estimate"] = cost  # a JSON number
        elif i < n // 4:
            rec["cost_estimate"] = f"{cost:.6f}"
        else:
            rec["cost_estimate"] = f"${cost:.4f}"
        rec.update(latency_ms=rng.randint(*lat_r), success=ok, context="bench document")
        if not ok:
            rec["error"] = rng.choice(["rate_limited", "upstream timeout"])
        lines.append(dumps(rec))
    lines.insert(n // 2, lines[n // 2][:90])  # one truncated line, as if a write was cut off
    lines.insert(n // 3, "")  # one blank line
    return lines


def workflows_lines(rng: random.Random, n: int) -> list[str]:
    step = DAYS * 86400 / n
    lines = []
    for i in range(n):
        steps = 5 if rng.random() < 0.2 else 4
        ok = rng.random() > 0.02
        large = rng.random() < 0.03
        rec = {
            "timestamp": stamp(START + i * step + 5, millis=step < 1),
            "iteration": 1 + i * 25 // n,
            "workflow_name": "content_pipeline",
            "execution_id": f"exec_{i:08x}",
            "duration_ms": rng.randint(20000, 120000) if large else rng.randint(2000, 6000),
            "steps": steps,
            "steps_succeeded": steps if ok else steps - 2,
            "steps_failed": 0 if ok else 1,
        }
        if i >= n // 10:
            rec["cpu_ms"] = rng.randint(20, 80)
        rec.update(cost_estimate="$0.02", success=ok, context="bench document")
        if not ok:
            rec["error"] = "step_timeout on embedding_generation"
        lines.append(dumps(rec))
    return lines


def other_files(rng: random.Random) -> dict[str, list[str]]:
    """A few hundred records in each of the small files (cost-breakdown: one per day)."""
    day, pick, cf = 86400, rng.choice, []
    for k in range(DAYS * 4):
        ts = stamp(START + k * day / 4 + 3600)
        cf.append(
            dumps(
                dict(
                    timestamp=ts,
                    resource="d1",
                    database="content_db",
                    operation="query",
                    rows_read=rng.randint(5000, 20000),
                    rows_written=rng.randint(500, 2000),
                    query_time_ms=rng.randint(500, 3000),
                    cost_estimate="$0.0021",
                )
            )
        )
        cf.append(
            dumps(
                dict(
                    timestamp=ts,
                    resource="kv",
                    namespace="CACHE",
                    reads=rng.randint(5000, 9000),
                    writes=rng.randint(300, 600),
                    cost_estimate="$0.0060",
                )
            )
        )
        cf.append(
            dumps(
                dict(
                    timestamp=ts,
                    resource="r2",
                    bucket="documents",
                    class_a_ops=rng.randint(300, 600),
                    class_b_ops=rng.randint(900, 2000),
                    cost_estimate="$0.0025",
                )
            )
        )
    cb = [
        dumps(
            dict(
                timestamp=stamp(START + (d + 1) * day - 1),
                period=f"day_{d + 1}",
                worker_ai_cost="$95.12",
                workflows_cost="$26.67",
                d1_cost="$0.01",
                kv_cost="$0.02",
                r2_cost="$0.01",
                claude_code_cost="$2.40",
                total_cost="$124.23",
            )
        )
        for d in range(DAYS)
    ]
    prompts = [
        dumps(
            dict(
                iteration=i + 1,
                timestamp=stamp(START + i * 8000),
                prompt=f"prompt {i}",
                response="done",
                files_created=[f"src/f{i}.ts"],
                files_modified=[],
                decisions=[],
                time_spent=pick(DURATIONS),
            )
        )
        for i in range(300)
    ]
    errors = [
        dumps(
            dict(
                iteration=i + 1,
                timestamp=stamp(START + i * 12000),
                error_type="timeout",
                error_message="step_timeout on embedding_generation",
                context="large PDF",
                my_action="raised the timeout",
                fix_time=pick(DURATIONS),
                fix_prompts=1,
                learning="test with real data",
            )
        )
        for i in range(200)
    ]
    interventions = [
        dumps(
            dict(
                iteration=i + 1,
                timestamp=stamp(START + i * 12000),
                reason="model choice",
                what_user_did="compared outputs by hand",
                why_needed="quality judgement",
                could_ai_have_done_this="no",
                time_spent=pick(DURATIONS),
                learning="benchmark by hand",
            )
        )
        for i in range(200)
    ]
    metrics = [dumps({"experiment": NAME, "started": stamp(START), "hypothesis": "bench"})]
    metrics += [
        dumps(
            dict(
                timestamp=stamp(START + i * 8000),
                tool_name=pick(["Bash", "Edit"]),
                success=True,
                execution_time_ms=rng.randint(10, 5000),
            )
        )
        for i in range(300)
    ]
    return {
        "cloudflare.jsonl": cf,
        "cost-breakdown.jsonl": cb,
        "prompts.jsonl": prompts,
        "errors.log": errors,
        "interventions.log": interventions,
        "metrics.jsonl": metrics,
    }


def log_md() -> str:
    out = [
        "# Experiment: Benchmark",
        "",
        "## Hypothesis",
        "Synthetic data for timing.",
        "",
        "## Success Criteria",
        "- [ ] 99%+ workflow success rate",
        "",
        "## Session Log",
    ]
    for s in range(40):
        out += [
            f"### Session {s + 1}: {stamp(START + s * 64800)[:10]}",
            "**Duration:** 1h30m",
            "**Goal:** work",
            "**Progress:** some",
            "**Blockers:** none",
            "**Next:** more",
            "",
        ]
    return "\n".join(out)


def generate(root: Path, ai_records: int, wf_records: int) -> Path:
    """Write experiments.yaml and .claude/experiments/bench/ under root; return the spec path."""
    rng = random.Random(20250301)
    folder = root / ".claude" / "experiments" / NAME
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "worker-ai.jsonl": worker_ai_lines(rng, ai_records),
        "workflows.jsonl": workflows_lines(rng, wf_records),
        **other_files(rng),
    }
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    (folder / "log.md").write_text(log_md(), encoding="utf-8", newline="\n")
    spec = root / "experiments.yaml"
    spec.write_text(SPEC, encoding="utf-8", newline="\n")
    return spec


def describe(folder: Path) -> str:
    rows, total = [], 0
    for path in sorted(folder.iterdir()):
        if path.name in ("PAPER.md", "results.json", "PAPER.md.bak"):
            continue
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        size = sum(f.stat().st_size for f in files)
        total += size
        lines = sum(1 for f in files for line in f.open("rb") if line.strip())
        name = f"{path.name}/ ({len(files)} files)" if path.is_dir() else path.name
        rows.append(f"  {name:<22} {lines:>10,} lines {size / 1e6:>9.2f} MB")
    return "\n".join(rows + [f"  {'total':<22} {'':>16} {total / 1e6:>9.2f} MB"])


def run_build(spec: Path) -> float:
    """One `python -m paperkit build` as a subprocess; returns wall seconds or exits 1."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "paperkit", "build", NAME, "--spec", str(spec)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=spec.parent, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"build failed (exit {proc.returncode}): {' '.join(cmd)}", file=sys.stderr)
        print(proc.stdout + proc.stderr, file=sys.stderr)
        raise SystemExit(1)
    return elapsed


def profile_build(spec: Path, top: int = 25) -> None:
    """The same build in-process under cProfile; prints the top entries by cumulative time."""
    sys.path.insert(0, str(REPO))
    from paperkit.cli import cli  # noqa: PLC0415 - imported only when profiling

    prof = cProfile.Profile()
    cwd = os.getcwd()
    os.chdir(spec.parent)
    try:
        prof.enable()
        rv = cli.main(["build", NAME, "--spec", str(spec)], standalone_mode=False)
        prof.disable()
    except Exception as exc:  # noqa: BLE001 - any failure of the build is reported the same way
        print(f"build failed in-process: {exc!r}", file=sys.stderr)
        raise SystemExit(1) from exc
    finally:
        os.chdir(cwd)
    if rv not in (None, 0):
        print(f"build failed in-process (returned {rv!r})", file=sys.stderr)
        raise SystemExit(1)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs after one warm-up (default 5)"
    )
    parser.add_argument(
        "--target", type=float, default=3.0, help="median wall seconds to PASS (default 3.0)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one in-process build (top 25 by cumulative time)",
    )
    parser.add_argument(
        "--generate-only",
        metavar="DIR",
        type=Path,
        help="only write the synthetic experiment and experiments.yaml under DIR",
    )
    parser.add_argument("--ai-records", type=int, default=100_000, help="worker-ai.jsonl records")
    parser.add_argument(
        "--workflow-records", type=int, default=40_000, help="workflows.jsonl records"
    )
    args = parser.parse_args(argv)

    if args.generate_only:
        t0 = time.perf_counter()
        spec = generate(args.generate_only.resolve(), args.ai_records, args.workflow_records)
        print(f"generated in {time.perf_counter() - t0:.2f} s")
        print(describe(spec.parent / ".claude" / "experiments" / NAME))
        print(f"spec: {spec}")
        return 0

    with tempfile.TemporaryDirectory(prefix="paperkit-bench-") as tmp:
        spec = generate(Path(tmp), args.ai_records, args.workflow_records)
        print(f"python {platform.python_version()} on {platform.platform()}")
        print("input:")
        print(describe(spec.parent / ".claude" / "experiments" / NAME))
        run_build(spec)  # warm-up: imports, bytecode, file cache
        times = [run_build(spec) for _ in range(max(1, args.repeat))]
        median = statistics.median(times)
        print(
            f"paperkit build ({len(times)} runs after 1 warm-up): median {median:.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s"
        )
        verdict = "PASS" if median <= args.target else "FAIL"
        print(f"{verdict}: median {median:.3f} s vs target {args.target:.1f} s")
        if args.profile:
            profile_build(spec)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
