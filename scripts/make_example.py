#!/usr/bin/env python3
"""(Re)write the bundled example experiment `.claude/experiments/ai-content-pipeline/`.

The data is synthetic but shaped like what a user of the create-something-experiments
methodology actually logs (see docs/design.md, "Logs"): a Worker AI + Workflows content
pipeline run for three weeks (2025-01-13 .. 2025-02-02), with the user's own per-record
cost estimates in three spellings, a few failures, a hand-edited daily total, one
truncated line and one blank line. It is deterministic: stdlib only, random.Random(7),
fixed dates, so every run writes the same bytes.
"""

# The data tables below (sessions, prompts, errors, interventions) keep one record per line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import bisect
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

NAME = "ai-content-pipeline"
START = datetime(2025, 1, 13, tzinfo=UTC)  # a Monday; set-up day, no documents
DAYS = 21  # 2025-01-13 .. 2025-02-02
M8 = "@cf/meta/llama-3.1-8b-instruct"
M70 = "@cf/meta/llama-3.1-70b-instruct"
BGE = "@cf/baai/bge-base-en-v1.5"
RATES = {M8: (0.00001, 0.00001), M70: (0.0001, 0.0001), BGE: (0.000001, 0.0)}  # the user's helper
WEEK2 = datetime(2025, 1, 20, tzinfo=UTC)  # before this the helper wrote cost.toFixed(6)
TIMEOUT_FIX = datetime(2025, 1, 15, 12, 40, tzinfo=UTC)  # step timeout 30 s -> 120 s (iteration 15)
CPU_LOGGED = datetime(2025, 1, 16, 14, 20, tzinfo=UTC)  # cpu_ms added to the tracker (iteration 16)
PLAIN_FROM = datetime(2025, 1, 21, 11, 30, tzinfo=UTC)  # refactor dropped toFixed for a few rows
HAND_EDITED = "2025-01-21"  # the cost-breakdown day whose total_cost was edited by hand
# (day, index of the document that day) -> a large document forced for the story
FORCED_LARGE = {
    ("2025-01-14", 4): "timeout",
    ("2025-01-15", 0): "timeout",
    ("2025-01-20", 3): "d1",
    ("2025-01-23", 5): "timeout",
    ("2025-01-29", 2): "timeout",
}
HYPOTHESIS = (
    "Worker AI + Workflows can summarize and embed documents for under $0.10 each "
    "with 99%+ workflow success, built mostly by Claude Code"
)
PROMPT_KEYS = (
    "iteration",
    "timestamp",
    "prompt",
    "response",
    "files_created",
    "files_modified",
    "decisions",
    "time_spent",
)
ERROR_KEYS = (
    "iteration",
    "timestamp",
    "error_type",
    "error_message",
    "context",
    "my_action",
    "fix_time",
    "fix_prompts",
    "learning",
)
INTERVENTION_KEYS = (
    "iteration",
    "timestamp",
    "reason",
    "what_user_did",
    "why_needed",
    "could_ai_have_done_this",
    "time_spent",
    "learning",
)
KINDS = ["uploaded PDF", "blog post", "newsletter issue", "support article"]

# (start, duration text, minutes, goal, progress, blockers, next)
SESSIONS = [
    (
        "2025-01-13T09:00",
        "2 hours",
        120,
        "Scaffold the Worker, D1 schema, R2 upload and 8b summarization",
        "Worker with AI/D1/R2 bindings, schema migration, upload endpoint, summaries, usage tracking helper",
        "R2 binding name mismatch in wrangler.toml",
        "Move processing into a Workflow",
    ),
    (
        "2025-01-14T13:00",
        "2 hours 30 min",
        150,
        "Orchestrate processing with Workflows and add embeddings",
        "content_pipeline Workflow (fetch, summarize, embed, store), 70b content generation for long documents",
        "70b summaries needed hand evaluation; rate limits during the backfill",
        "Caching, tests, large PDFs",
    ),
    (
        "2025-01-15T10:00",
        "3 hours",
        180,
        "KV cache, tests, large-PDF reliability",
        "KV cache keyed on file hash, unit tests, chunked embeddings, step timeout raised to 120 s",
        "step_timeout on embedding_generation for PDFs over ~50 pages",
        "Status endpoint and cost tracking",
    ),
    (
        "2025-01-16T14:00",
        "1h30m",
        90,
        "Observability: cpu_ms, status endpoint, daily cost script",
        "cpu_ms in workflow records, /status endpoint, scripts/daily-costs.sh",
        "TypeScript types for D1 results",
        "Let it run for a few days",
    ),
    (
        "2025-01-21T09:30",
        "2 hours",
        120,
        "Fix D1 failures on large documents",
        "Chunk inserts batched to stay under D1's 100 bound parameters; tracking helpers merged into one module",
        "D1_ERROR: too many SQL variables",
        "Watch costs for a week",
    ),
    (
        "2025-01-28T16:00",
        "1 hour",
        60,
        "Review costs and failures, draft the write-up",
        "Weekly summary on the status page, 70b cost review, draft notes",
        "None",
        "Generate PAPER.md",
    ),
]
# (iteration, time, prompt, response, files_created, files_modified, decisions, time_spent)
PROMPTS = [
    (
        1,
        "2025-01-13T09:05",
        "Scaffold a Cloudflare Worker with D1, R2 and Workers AI bindings for a content pipeline",
        "Created wrangler.toml with AI, DB (content_db) and DOCS (documents) bindings and a fetch handler",
        ["wrangler.toml", "src/index.ts"],
        [],
        ["One Worker plus one Workflow class rather than several Workers"],
        "20min",
    ),
    (
        2,
        "2025-01-13T09:30",
        "Create a D1 schema for documents, summaries and embedding chunks",
        "Added a migration with documents and chunks tables",
        ["migrations/0001_init.sql"],
        [],
        ["Store embeddings as JSON text in D1 for now"],
        "15 min",
    ),
    (
        3,
        "2025-01-13T09:50",
        "Add an upload endpoint that stores the original file in R2",
        "Added POST /upload writing to the documents bucket and a row in D1",
        ["src/upload.ts"],
        ["src/index.ts"],
        [],
        "25min",
    ),
    (
        4,
        "2025-01-13T10:20",
        "Summarize each document with @cf/meta/llama-3.1-8b-instruct",
        "Added a summarize() wrapper around env.AI.run",
        ["src/ai/summarize.ts"],
        ["src/index.ts"],
        ["llama-3.1-8b for summaries: cheap and fast enough"],
        "20min",
    ),
    (
        5,
        "2025-01-13T10:45",
        "Add a trackWorkerAI helper that appends usage and a cost estimate to worker-ai.jsonl",
        "Added the helper with a per-model rate table",
        ["src/utils/track-worker-ai.ts"],
        ["src/ai/summarize.ts"],
        ["Rough per-token rates in the helper; reconcile with the dashboard later"],
        "15 min",
    ),
    (
        6,
        "2025-01-14T13:00",
        "Turn processing into a Workflow: fetch, summarize, embed, store",
        "Created the content_pipeline Workflow with one step per stage",
        ["src/workflows/content-pipeline.ts"],
        ["wrangler.toml", "src/index.ts"],
        ["One step per AI call so a retry never re-runs earlier inferences"],
        "35 min",
    ),
    (
        7,
        "2025-01-14T13:40",
        "Generate embeddings with @cf/baai/bge-base-en-v1.5 and store them",
        "Added the generate_embedding step",
        [],
        ["src/workflows/content-pipeline.ts"],
        [],
        "15min",
    ),
    (
        8,
        "2025-01-14T14:00",
        "Summaries of long technical posts miss the key points. Add a content_generation step with llama-3.1-70b for long documents",
        "Added generate.ts and an optional fifth step for long documents",
        ["src/ai/generate.ts"],
        ["src/workflows/content-pipeline.ts"],
        ["70b only for documents over ~1,500 tokens (about 1 in 5)"],
        "30min",
    ),
    (
        9,
        "2025-01-14T14:40",
        "The backfill hits rate_limited errors. Add retries with backoff",
        "Added runInference() with 3 retries and linear backoff",
        ["src/utils/worker-ai.ts"],
        ["src/ai/summarize.ts", "src/ai/generate.ts"],
        [],
        "20 min",
    ),
    (
        10,
        "2025-01-14T15:10",
        "Log every workflow run to workflows.jsonl",
        "Added trackWorkflow() called at the end of run()",
        ["src/utils/track-workflow.ts"],
        ["src/workflows/content-pipeline.ts"],
        [],
        "15min",
    ),
    (
        11,
        "2025-01-15T10:00",
        "Add a KV cache so re-uploads of the same file skip processing",
        "Added a CACHE lookup keyed on the file's SHA-256",
        ["src/cache.ts"],
        ["src/upload.ts"],
        ["Key the cache on the SHA-256 of the file"],
        "25min",
    ),
    (
        12,
        "2025-01-15T10:35",
        "Write unit tests for the summarize and embed steps",
        "Added vitest tests with a mocked AI binding",
        ["test/pipeline.test.ts"],
        ["package.json"],
        [],
        "40 min",
    ),
    (
        13,
        "2025-01-15T11:20",
        "Large PDFs fail with step_timeout on embedding_generation. Investigate",
        "Measured step times; embedding a 180-page PDF takes well over 30 s",
        [],
        ["src/workflows/content-pipeline.ts"],
        [],
        "30min",
    ),
    (
        14,
        "2025-01-15T12:00",
        "Chunk large documents before embedding",
        "Split documents into ~500-token chunks and embed each",
        ["src/chunk.ts"],
        ["src/workflows/content-pipeline.ts"],
        [],
        "25 min",
    ),
    (
        15,
        "2025-01-15T12:30",
        "Raise the embedding step timeout and add progress logging",
        "Step timeout 120 s with 2 retries; logs chunk progress",
        [],
        ["src/workflows/content-pipeline.ts"],
        ["Step timeout 120 s, 2 retries"],
        "20min",
    ),
    (
        16,
        "2025-01-16T14:00",
        "Add cpu_ms to the workflow tracking record",
        "trackWorkflow() now records cpu_ms",
        [],
        ["src/utils/track-workflow.ts"],
        [],
        "10min",
    ),
    (
        17,
        "2025-01-16T14:15",
        "Add a /status endpoint listing recent executions",
        "Added GET /status reading the last 50 runs from D1",
        ["src/status.ts"],
        ["src/index.ts"],
        [],
        "25 min",
    ),
    (
        18,
        "2025-01-16T14:45",
        "Fix the TypeScript error in the status endpoint",
        "Typed the D1 query result",
        [],
        ["src/status.ts"],
        [],
        "15min",
    ),
    (
        19,
        "2025-01-16T15:05",
        "Write a daily cost calculator over the tracking files",
        "Added a jq/bc script that appends to cost-breakdown.jsonl",
        ["scripts/daily-costs.sh"],
        [],
        [],
        "25min",
    ),
    (
        20,
        "2025-01-21T09:30",
        "D1 rejected the insert for a large document (too many SQL variables). Look at store_results",
        "store_results binds 8 values per chunk in one statement",
        [],
        ["src/workflows/content-pipeline.ts"],
        [],
        "30 min",
    ),
    (
        21,
        "2025-01-21T10:10",
        "Batch the chunk inserts so no statement binds more than 100 parameters",
        "Added batchInsert() writing 12 rows per statement via db.batch()",
        ["src/db/batch-insert.ts"],
        ["src/workflows/content-pipeline.ts"],
        ["12 rows x 8 columns per statement"],
        "1h",
    ),
    (
        22,
        "2025-01-21T11:00",
        "Merge the tracking helpers into one module",
        "Moved trackWorkerAI and trackWorkflow into src/utils/tracking.ts",
        ["src/utils/tracking.ts"],
        ["src/workflows/content-pipeline.ts"],
        [],
        "30min",
    ),
    (
        23,
        "2025-01-28T16:00",
        "Add a weekly summary of costs and failures to the status page",
        "Added a 7-day rollup to /status",
        [],
        ["src/status.ts"],
        [],
        "25 min",
    ),
    (
        24,
        "2025-01-28T16:30",
        "Is the 70b content_generation step worth its cost?",
        "70b runs on ~20% of documents but is most of the Worker AI estimate; kept for long documents",
        [],
        [],
        ["Keep 70b for long documents only"],
        "20min",
    ),
    (
        25,
        "2025-01-28T16:50",
        "Draft the experiment write-up from the tracking logs",
        "Drafted notes on results, costs and interventions",
        ["notes/draft.md"],
        [],
        [],
        "15 min",
    ),
]
ERRORS = [
    (
        3,
        "2025-01-13T10:05",
        "config",
        "Error: R2 bucket binding DOCS is not defined",
        "wrangler dev after adding the upload endpoint",
        "renamed the binding in wrangler.toml to match env.DOCS",
        "5 min",
        1,
        "check generated bindings against the Env type",
    ),
    (
        9,
        "2025-01-14T14:35",
        "rate_limit",
        "Workers AI 429 rate_limited on @cf/meta/llama-3.1-70b-instruct",
        "backfilling 40 documents through the 70b step",
        "asked Claude for retries with backoff",
        "20 min",
        2,
        "backfills need throttling; the 70b model is rate limited harder",
    ),
    (
        13,
        "2025-01-15T11:15",
        "timeout",
        "step_timeout on embedding_generation",
        "processing a 180-page PDF",
        "chunked the text, then raised the step timeout",
        "1h30m",
        3,
        "default step timeouts are too short for large PDFs",
    ),
    (
        18,
        "2025-01-16T14:45",
        "type_error",
        "TS2339: Property 'results' does not exist on type 'D1Result<unknown>'",
        "compiling the /status endpoint",
        "typed the query with .all<Run>()",
        "10 min",
        1,
        "Claude mixed up the D1 client API versions",
    ),
    (
        20,
        "2025-01-21T09:35",
        "database",
        "D1_ERROR: too many SQL variables",
        "storing chunks for a 95-page document",
        "looked up D1 limits: 100 bound parameters per query",
        "45 min",
        2,
        "D1 limits are lower than SQLite's defaults",
    ),
]
INTERVENTIONS = [
    (
        8,
        "2025-01-14T14:10",
        "summaries of long technical posts were shallow; Claude used llama-3.1-8b for everything",
        "compared 8b summaries blind against GPT-4o and 70b on 20 long documents (quality.jsonl) and enabled 70b content generation for long documents",
        "judging summary quality needs a human reader",
        "no - it cannot judge model output quality without a benchmark",
        "2 hours",
        "AI can't evaluate AI model quality - need human benchmarking",
    ),
    (
        15,
        "2025-01-15T12:25",
        "large PDFs (>50 pages) timed out in the embedding step after 30 s",
        "measured step durations on the 10 largest PDFs and set the step timeout to 120 s with 2 retries",
        "Claude had no view of our document size distribution",
        "partly - with the duration logs it could have proposed a number",
        "1 hour",
        "Claude doesn't know your data distribution - need real-world testing",
    ),
    (
        21,
        "2025-01-21T10:05",
        "D1 rejected chunk inserts for large documents: too many SQL variables",
        "looked up D1's limit of 100 bound parameters per query and chose a batch size of 12 rows",
        "Claude assumed SQLite's default limit of 32,766 variables",
        "yes - if it had checked the D1 limits page",
        "30 min",
        "platform limits differ from the engine underneath; check the platform docs",
    ),
]
TOOLS = [
    ("2025-01-13T09:06", "Write", 42),
    ("2025-01-13T09:12", "Bash", 3810),
    ("2025-01-13T09:33", "Write", 38),
    ("2025-01-13T09:41", "Bash", 2260),
    ("2025-01-13T10:02", "Bash", 5120),
    ("2025-01-13T10:08", "Edit", 51),
    ("2025-01-13T10:24", "Read", 17),
    ("2025-01-13T10:27", "Edit", 46),
    ("2025-01-13T10:49", "Write", 40),
    ("2025-01-13T10:55", "Bash", 14630),
]


def dumps(obj) -> str:
    """One record as JSON.stringify / a shell echo would write it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ms(n: int) -> timedelta:
    return timedelta(milliseconds=n)


ITER_TIMES = [at(p[1]) for p in PROMPTS]


def iteration_at(dt: datetime) -> int:
    """The development iteration current at `dt` (the deployed code's)."""
    return max(1, bisect.bisect_right(ITER_TIMES, dt))


def cost_estimate(model, tin, tout, when, plain):
    """The cost_estimate the user's helper wrote, in the spelling of the time."""
    rin, rout = RATES[model]
    cost = tin * rin + tout * rout
    if plain:
        return cost  # a JSON number, float artefacts and all
    return f"{cost:.6f}" if when < WEEK2 else f"${cost:.4f}"


def ai_row(when, model, operation, tin, tout, latency, context, plain, error=None):
    rec = {
        "timestamp": iso(when),
        "iteration": iteration_at(when),
        "model": model,
        "operation": operation,
        "input_tokens": tin,
    }
    if model == BGE:
        rec["dimensions"] = 768
    else:
        rec["output_tokens"] = 0 if error else tout
    rec["cost_estimate"] = cost_estimate(model, tin, 0 if error else tout, when, plain)
    rec.update(latency_ms=latency, success=error is None, context=context)
    if error:
        rec["error"] = error
    return rec


def plan_days(rng):
    """Start times of every document, day by day (none on the set-up day)."""
    days = []
    for d in range(1, DAYS):
        day = START + timedelta(days=d)
        n = rng.randint(2, 5) if day.weekday() >= 5 else 8 + d // 6 + rng.randint(-1, 2)
        lo = 15.5 * 3600 if d == 1 else 8 * 3600  # the pipeline went live mid-afternoon
        days.append((day, sorted(int(rng.uniform(lo, 21.5 * 3600)) for _ in range(n))))
    return days


def call(rng, t, model, operation, tin, tout, latency, context, plain, rows):
    """One inference; about 1% fail once first (then the retry succeeds). Returns the new time."""
    if rng.random() < 0.012:
        if model != M8:
            err, lat = "rate_limited", rng.randint(20, 90)
        else:
            err, lat = "upstream timeout", rng.randint(4000, 6000)
        t += ms(lat)
        rows.append(ai_row(t, model, operation, tin, tout, lat, context, plain, err))
        t += ms(1000)
    t += ms(latency)
    rows.append(ai_row(t, model, operation, tin, tout, latency, context, plain))
    return t


def workflow_row(rng, t0, t, steps, outcome, large, kind):
    ok, failed, error = outcome
    duration = int((t - t0).total_seconds() * 1000)
    rec = {
        "timestamp": iso(t),
        "iteration": iteration_at(t),
        "workflow_name": "content_pipeline",
        "execution_id": f"exec_{rng.getrandbits(32):08x}",
        "duration_ms": duration,
        "steps": steps,
        "steps_succeeded": ok,
        "steps_failed": failed,
    }
    if t0 >= CPU_LOGGED:
        rec["cpu_ms"] = rng.randint(20, 80) + (rng.randint(40, 160) if large else 0)
    if duration >= 60000:
        rec["cost_estimate"] = "$0.05"
    else:
        rec["cost_estimate"] = "$0.03" if steps == 5 else "$0.02"
    rec.update(success=error is None, context=f"processing {kind}")
    if error:
        rec["error"] = error
    return rec


def simulate(rng):
    """Every document: its inference rows (logged after each call) and its workflow record."""
    ai, wf = [], []
    plain_left, missing_70b = 3, 8
    end = START
    for day, starts in plan_days(rng):
        for i, sec in enumerate(starts):
            t0 = max(day + timedelta(seconds=sec), end + timedelta(seconds=30))
            forced = FORCED_LARGE.get((day.date().isoformat(), i))
            large = forced is not None or rng.random() < 0.06
            use70 = rng.random() < (0.45 if large else 0.2)
            embed_fail = forced == "timeout" or (large and t0 < TIMEOUT_FIX)
            plain = t0 >= PLAIN_FROM and plain_left > 0
            plain_left -= plain
            kind = "large document" if large else rng.choice(KINDS)
            steps = 5 if use70 else 4
            rows = []
            t = t0 + ms(rng.randint(400, 1200) + (rng.randint(10000, 60000) if large else 0))
            tin = rng.randint(2300, 2500) if large else rng.randint(800, 2200)
            t = call(
                rng,
                t,
                M8,
                "summarization",
                tin,
                rng.randint(100, 250),
                rng.randint(500, 1500),
                f"summarizing {kind}",
                plain,
                rows,
            )
            if embed_fail:  # the step timed out: the embedding call was never logged
                if t0 < TIMEOUT_FIX:
                    t = t0 + ms(rng.randint(31000, 34000))
                else:
                    t = t0 + ms(rng.randint(117000, 120000))
                outcome = (2, 1, "step_timeout on embedding_generation")
            else:
                t = call(
                    rng,
                    t,
                    BGE,
                    "embedding",
                    rng.randint(150, 600),
                    0,
                    rng.randint(60, 200),
                    "generating embedding for semantic search",
                    plain,
                    rows,
                )
                if use70:
                    t = call(
                        rng,
                        t,
                        M70,
                        "content_generation",
                        rng.randint(600, 1200),
                        rng.randint(400, 800),
                        rng.randint(1800, 3500),
                        "generating article outline",
                        plain,
                        rows,
                    )
                    if missing_70b > 0:  # the helper had no 70b rate yet: no cost written
                        missing_70b -= 1
                        del rows[-1]["cost_estimate"]
                t += ms(rng.randint(300, 1200) + 350 * steps + rng.randint(0, 800))
                if forced == "d1":
                    outcome = (steps - 1, 1, "D1_ERROR: too many SQL variables")
                else:
                    outcome = (steps, 0, None)
            ai.extend(rows)
            wf.append(workflow_row(rng, t0, t, steps, outcome, large, kind))
            end = t
    return ai, wf


def cloudflare_rows(rng, wf):
    """One D1, KV and R2 usage record per day with documents, scaled by that day's count."""
    per_day = {}
    for rec in wf:
        per_day[rec["timestamp"][:10]] = per_day.get(rec["timestamp"][:10], 0) + 1
    rows = []
    for day, n in per_day.items():
        ts = f"{day}T23:55:00Z"
        rr, rw = n * rng.randint(35, 70) + rng.randint(50, 200), n * rng.randint(6, 10)
        rows.append(
            {
                "timestamp": ts,
                "resource": "d1",
                "database": "content_db",
                "operation": "query",
                "rows_read": rr,
                "rows_written": rw,
                "query_time_ms": n * rng.randint(8, 25),
                "cost_estimate": f"${rr * 0.001 / 1e6 + rw * 1.0 / 1e6:.4f}",
            }
        )
        kr, kw = n * rng.randint(15, 30) + rng.randint(20, 80), n + rng.randint(0, 4)
        rows.append(
            {
                "timestamp": ts,
                "resource": "kv",
                "namespace": "CACHE",
                "reads": kr,
                "writes": kw,
                "cost_estimate": f"${kr * 0.5 / 1e6 + kw * 5.0 / 1e6:.4f}",
            }
        )
        ca, cb = n + rng.randint(0, 3), n * rng.randint(2, 4) + rng.randint(5, 40)
        rows.append(
            {
                "timestamp": ts,
                "resource": "r2",
                "bucket": "documents",
                "class_a_ops": ca,
                "class_b_ops": cb,
                "cost_estimate": f"${ca * 4.5 / 1e6 + cb * 0.36 / 1e6:.4f}",
            }
        )
    return rows


def money(value) -> float:
    return float(value.lstrip("$")) if isinstance(value, str) else float(value)


def day_total(recs, day, resource=None) -> float:
    """Sum of one day's logged cost_estimates (records without one are skipped)."""
    return sum(
        money(r["cost_estimate"])
        for r in recs
        if r["timestamp"].startswith(day)
        and "cost_estimate" in r
        and (resource is None or r["resource"] == resource)
    )


def cost_breakdown_rows(rng, ai, wf, cf):
    """The user's daily calculator, run on ~60% of days: sums of logged estimates, in cents."""
    dev_minutes = {s[0][:10]: s[2] for s in SESSIONS}
    others = [
        d for d in range(DAYS) if (START + timedelta(days=d)).date().isoformat() not in dev_minutes
    ]
    ran = sorted(set(rng.sample(others, 7)) | {(at(s[0]) - START).days for s in SESSIONS})
    rows = []
    for d in ran:
        day = (START + timedelta(days=d)).date().isoformat()
        parts = {
            "worker_ai_cost": day_total(ai, day),
            "workflows_cost": day_total(wf, day),
            "d1_cost": day_total(cf, day, "d1"),
            "kv_cost": day_total(cf, day, "kv"),
            "r2_cost": day_total(cf, day, "r2"),
        }
        if day in dev_minutes:
            spend = dev_minutes[day] * 0.022 + rng.uniform(-0.3, 0.5)
            parts["claude_code_cost"] = min(4.0, max(0.8, spend))
        cents = {k: round(v * 100) for k, v in parts.items()}
        tot = sum(cents.values()) + (3 if day == HAND_EDITED else 0)  # a hand edit on one day
        rec = {"timestamp": f"{day}T23:59:59Z", "period": f"day_{d + 1}"}
        rec.update({k: f"${c / 100:.2f}" for k, c in cents.items()})
        rec["total_cost"] = f"${tot / 100:.2f}"
        rows.append(rec)
    return rows


def table_rows(keys, table):
    """Data-table tuples (second item a "YYYY-MM-DDTHH:MM" time) as SKILL.md-shaped records."""
    return [dict(zip(keys, (row[0], iso(at(row[1])), *row[2:]), strict=True)) for row in table]


# The hand comparison of intervention 1 (2025-01-14, 14:10 to 16:10): 20 long documents, each
# 8b summary shown beside GPT-4o's and beside 70b's, shuffled and unlabelled (blind), judged by
# the author for accuracy. Preference per document: W = the 8b summary was better, T = as good,
# L = worse. Then gpt-4o-mini as an LLM judge on the same 8b/GPT-4o pairs, to see whether it
# could have done the job: it is kinder to 8b and agrees with the author on 12 of 20.
QUALITY_RUBRIC = "summary accuracy"
QUALITY_BASELINES = (
    ("openai:gpt-4o", "author", "WWWTTTTTTTTLLLLLLLLL"),
    (M70, "author", "WWTTTTTTTLLLLLLLLLLL"),
    ("openai:gpt-4o", "llm:openai:gpt-4o-mini", "WWWWWTTTTLWLLLLLTTWW"),
)
PREFERENCE = {"W": "model", "T": "tie", "L": "baseline"}


def quality_rows():
    rows = []
    for order, (baseline, rater, judged) in enumerate(QUALITY_BASELINES):
        for i, mark in enumerate(judged):
            when = datetime(2025, 1, 14, 14, 12, tzinfo=UTC) + timedelta(minutes=5 * i)
            if rater.startswith("llm:"):
                when = datetime(2025, 1, 14, 16, 30, tzinfo=UTC) + timedelta(seconds=20 * i)
            rec = {
                "timestamp": iso(when + timedelta(minutes=2 * order)),
                "item_id": f"long-doc-{i + 1:02}",
                "model": M8,
                "baseline": baseline,
                "preference": PREFERENCE[mark],
                "rater": rater,
                "rubric": QUALITY_RUBRIC,
                "blind": True,
            }
            rows.append(rec)
    return sorted(rows, key=lambda r: (r["timestamp"], r["item_id"]))


def metrics_rows():
    head = {"experiment": NAME, "started": "2025-01-13T09:00:00Z", "hypothesis": HYPOTHESIS}
    tools = [
        {"timestamp": iso(at(t)), "tool_name": name, "success": True, "execution_time_ms": n}
        for t, name, n in TOOLS
    ]
    return [head] + tools


LOG_HEAD = """# Experiment: AI Content Pipeline

## Hypothesis
Cloudflare Worker AI + Workflows can summarize and embed uploaded documents for under $0.10 per \
document with a 99%+ workflow success rate, and Claude Code can build most of the pipeline.

## Success Criteria
- [ ] 99%+ workflow success rate
- [ ] Average latency < 5 seconds per document
- [ ] Cost < $0.10 per document
- [ ] Summaries good enough to publish without edits

## Metrics to Track
- Time: AI vs manual estimate
- Cost: Worker AI tokens, Workflows, D1/KV/R2, Claude Code
- Quality: workflow success rate, failed inferences
- Interventions: Manual fixes needed

## Session Log
"""


def log_md() -> str:
    out = [LOG_HEAD.rstrip("\n")]
    for n, (start, dur, _m, goal, progress, blockers, nxt) in enumerate(SESSIONS, 1):
        out += [
            f"### Session {n}: {start[:10]}",
            f"**Duration:** {dur}",
            f"**Goal:** {goal}",
            f"**Progress:** {progress}",
            f"**Blockers:** {blockers}",
            f"**Next:** {nxt}",
            "",
        ]
    return "\n".join(out)


def write_lines(folder: Path, name: str, lines: list[str], note: str = "") -> None:
    with open(folder / name, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(line + "\n" for line in lines))
    records = sum(1 for line in lines if line.strip()) - (1 if "malformed" in note else 0)
    print(f"{name}: {records} records{note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help=f"directory to write .claude/experiments/{NAME}/ under (default: the repo root)",
    )
    args = parser.parse_args(argv)
    folder = args.out / ".claude" / "experiments" / NAME
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    ai, wf = simulate(rng)
    cf = cloudflare_rows(rng, wf)
    cut = len(ai) // 2  # a write cut off mid-record: that call's line is truncated
    while ai[cut]["model"] != M8:
        cut += 1
    cb = cost_breakdown_rows(rng, ai[:cut] + ai[cut + 1 :], wf, cf)  # the calculator never saw it

    ai_lines = [dumps(r) for r in ai]
    ai_lines[cut] = ai_lines[cut][: len(ai_lines[cut]) * 11 // 20]
    wf_lines = [dumps(r) for r in wf]
    wf_lines.insert(len(wf_lines) * 2 // 5, "")  # one blank line
    write_lines(folder, "worker-ai.jsonl", ai_lines, f" + 1 malformed line (line {cut + 1})")
    write_lines(folder, "workflows.jsonl", wf_lines, " + 1 blank line")
    write_lines(folder, "cloudflare.jsonl", [dumps(r) for r in cf])
    write_lines(folder, "cost-breakdown.jsonl", [dumps(r) for r in cb])
    for name, keys, table in (
        ("prompts.jsonl", PROMPT_KEYS, PROMPTS),
        ("errors.log", ERROR_KEYS, ERRORS),
        ("interventions.log", INTERVENTION_KEYS, INTERVENTIONS),
    ):
        write_lines(folder, name, [dumps(r) for r in table_rows(keys, table)])
    write_lines(folder, "metrics.jsonl", [dumps(r) for r in metrics_rows()])
    write_lines(folder, "quality.jsonl", [dumps(r) for r in quality_rows()])
    with open(folder / "log.md", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(log_md())
    print(f"log.md: {len(SESSIONS)} sessions")
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
