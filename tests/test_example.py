"""The bundled example's results.json, checked against figures recomputed without paperkit.

Only ``json``, ``statistics`` and ``datetime`` read the raw logs here; the rules (skips, rates,
linear percentiles, calendar days, token prices) are written out again from the contract.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parent.parent / ".claude/experiments/ai-content-pipeline"

# USD per million tokens (input, output): genai-prices provider cloudflare, and the 70b
# override of experiments.yaml. bge has no output price.
PRICES: dict[str, tuple[float, float | None]] = {
    "@cf/meta/llama-3.1-8b-instruct": (0.282, 0.827),
    "@cf/baai/bge-base-en-v1.5": (0.067, None),
    "@cf/meta/llama-3.1-70b-instruct": (0.293, 2.253),
}
NUMBERS = (
    "input_tokens output_tokens latency_ms duration_ms steps steps_succeeded steps_failed"
    " cpu_ms rows_read rows_written reads writes deletes lists class_a_ops class_b_ops"
).split()


def records(name: str, required: str | None = None) -> list[dict[str, Any]]:
    """The usable records of one file: JSON objects with a timestamp, the required field, and
    no negative count; blank and broken lines are dropped."""
    kept = []
    for line in (FOLDER / name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not record.get("timestamp"):
            continue
        try:
            datetime.fromisoformat(record["timestamp"])
        except ValueError:
            continue
        if required and not record.get(required):
            continue
        if any(isinstance(record.get(f), int | float) and record[f] < 0 for f in NUMBERS):
            continue
        kept.append(record)
    return kept


def usd(value: Any) -> float | None:
    return None if value is None else float(str(value).strip().lstrip("$"))


def day(record: dict[str, Any]) -> date:
    return datetime.fromisoformat(record["timestamp"]).date()  # the spec's timezone is UTC


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (pandas' default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def success_rate(rows: list[dict[str, Any]]) -> float:
    known = [r["success"] for r in rows if isinstance(r.get("success"), bool)]
    return sum(known) / len(known)


def call_cost(call: dict[str, Any]) -> float | None:
    """Token cost of one call; a call that cannot be priced falls back to its logged cost."""
    price_in, price_out = PRICES[call["model"]]
    tokens_in, tokens_out = call.get("input_tokens"), call.get("output_tokens")
    if tokens_in is not None and (tokens_out is not None or price_out is None):
        return (tokens_in * price_in + (tokens_out or 0) * (price_out or 0)) / 1_000_000
    return usd(call.get("cost_estimate"))


AI = records("worker-ai.jsonl", required="model")
WORKFLOWS = records("workflows.jsonl", required="execution_id")
CLOUDFLARE = records("cloudflare.jsonl")


def recomputed() -> dict[str, float]:
    dates = [day(r) for r in AI + WORKFLOWS + CLOUDFLARE]
    first, last = min(dates), max(dates)
    days = (last - first).days + 1
    per_day = Counter(day(r) for r in WORKFLOWS)  # the unit is workflows.executions
    span = [first + timedelta(days=i) for i in range(days)]
    costs = [call_cost(c) for c in AI]
    claude = [usd(r.get("claude_code_cost")) for r in records("cost-breakdown.jsonl")]
    return {
        "ai.calls": len(AI),
        "ai.success_rate": success_rate(AI),
        "workflows.executions": len(WORKFLOWS),
        "workflows.success_rate": success_rate(WORKFLOWS),
        "workflows.duration_s.mean": statistics.fmean(
            r["duration_ms"] / 1000 for r in WORKFLOWS if r.get("duration_ms") is not None
        ),
        "units.per_day.min": min(per_day.get(d, 0) for d in span),
        "days": days,
        "ai.latency_ms.p95": percentile(
            [r["latency_ms"] for r in AI if r.get("latency_ms") is not None], 0.95
        ),
        "ai.cost_usd": sum(c for c in costs if c is not None),
        "cost.claude_code_usd": sum(c for c in claude if c is not None),
        "dev.interventions": len(records("interventions.log")),
    }


COMMITTED = json.loads((FOLDER / "results.json").read_text(encoding="utf-8"))["metrics"]
EXPECTED = recomputed()


def test_the_truncated_line_is_left_out() -> None:
    lines = (FOLDER / "worker-ai.jsonl").read_text(encoding="utf-8").splitlines()
    assert len([line for line in lines if line.strip()]) == len(AI) + 1  # line 175


def test_every_call_has_a_price_or_logged_cost() -> None:
    assert all(call_cost(c) is not None for c in AI)


@pytest.mark.parametrize("metric", sorted(EXPECTED))
def test_committed_results_match_an_independent_recomputation(metric: str) -> None:
    assert COMMITTED[metric] == pytest.approx(EXPECTED[metric], rel=1e-9)
