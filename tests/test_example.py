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


# --- quality.jsonl: the 20 long documents of intervention 1 ----------------------------------

QUALITY = json.loads((FOLDER / "results.json").read_text(encoding="utf-8"))


def test_the_quality_judgements_counted_by_hand() -> None:
    tallies: Counter[tuple[str, str, str]] = Counter()
    for record in records("quality.jsonl"):
        kind = "llm" if record["rater"].lower().startswith("llm:") else "human"
        tallies[record["baseline"], kind, record["preference"]] += 1
    # scripts/make_example.py: author vs GPT-4o WWWTTTTTTTTLLLLLLLLL, author vs 70b
    # WWTTTTTTTLLLLLLLLLLL, the gpt-4o-mini judge vs GPT-4o WWWWWTTTTLWLLLLLTTWW.
    assert tallies == {
        ("openai:gpt-4o", "human", "model"): 3,
        ("openai:gpt-4o", "human", "tie"): 8,
        ("openai:gpt-4o", "human", "baseline"): 9,
        ("@cf/meta/llama-3.1-70b-instruct", "human", "model"): 2,
        ("@cf/meta/llama-3.1-70b-instruct", "human", "tie"): 7,
        ("@cf/meta/llama-3.1-70b-instruct", "human", "baseline"): 11,
        ("openai:gpt-4o", "llm", "model"): 8,
        ("openai:gpt-4o", "llm", "tie"): 6,
        ("openai:gpt-4o", "llm", "baseline"): 6,
    }


def test_the_accuracy_criterion_is_measured_and_fails() -> None:
    accuracy = next(c for c in QUALITY["criteria"] if c["text"] == "Accuracy comparable to GPT-4o")
    # People only (the judge's 20 left out): (3 + 8) / 20 = 0.55. Wilson 95%, z = 1.959964:
    # centre (0.55 + 3.841459/40) / (1 + 3.841459/20) = 0.646036 / 1.192073 = 0.541944,
    # half-width 1.959964 / 1.192073 × √(0.2475/20 + 3.841459/1600) = 1.644164 × 0.121556
    # = 0.199858, so 0.342085 to 0.741802. n = 20 < min_n 30, but wholly below 0.9.
    assert accuracy["metric"] == "quality.not_worse_rate"
    assert accuracy["where"] == {"baseline": ["openai:gpt-4o"]}
    assert (accuracy["value"], accuracy["n"]) == (0.55, 20)
    assert accuracy["interval"]["low"] == pytest.approx(0.342085, abs=1e-6)
    assert accuracy["interval"]["high"] == pytest.approx(0.741802, abs=1e-6)
    # Below min_n, but the whole interval (0.342 to 0.742) is below 0.9: a fail at any n.
    assert accuracy["verdict"] == "fail"
    assert "the whole 95% interval fails" in accuracy["reason"]
    # What paperkit diff needs of it: the 11 not-worse judgements of the 20.
    assert accuracy["sample"] == {"kind": "rate", "successes": 11, "n": 20}


def test_the_pooled_quality_samples_by_hand() -> None:
    # People's judgements of both baselines, pooled: not worse (3 + 8) + (2 + 7) = 20 of 40;
    # wins 3 + 2 = 5 of the 5 + 9 + 11 = 25 that were not ties.
    samples = QUALITY["samples"]["metrics"]
    assert samples["quality.not_worse_rate"] == {"kind": "rate", "successes": 20, "n": 40}
    assert samples["quality.win_rate"] == {"kind": "rate", "successes": 5, "n": 25}


def test_the_quality_section_numbers_by_hand() -> None:
    rows = {(r["baseline"], r["rater_kind"]): r for r in QUALITY["quality"]["pairwise"]}
    gpt4o = rows["openai:gpt-4o", "human"]
    # Win rate 3 / (3 + 9) = 0.25; Wilson 95% for 3 of 12: centre (0.25 + 3.841459/24)
    # / 1.320122 = 0.310624, half-width 1.959964 / 1.320122 × √(0.1875/12 + 3.841459/576)
    # = 1.484684 × 0.149312 = 0.221682, so 0.088942 to 0.532305.
    assert gpt4o["win_rate"] == 0.25
    assert gpt4o["win_rate_interval"] == pytest.approx([0.088942, 0.532305], abs=1e-6)
    assert gpt4o["not_worse_rate"] == 0.55 and gpt4o["blind"] == 20
    judge = rows["openai:gpt-4o", "llm"]
    # 8 wins, 6 ties, 6 losses: 8 / 14 and 14 / 20.
    assert judge["win_rate"] == pytest.approx(8 / 14)
    assert judge["not_worse_rate"] == pytest.approx(0.7)
    seventy = rows["@cf/meta/llama-3.1-70b-instruct", "human"]
    assert (seventy["wins"], seventy["ties"], seventy["losses"]) == (2, 7, 11)
    # Cohen's kappa, author against the judge on the 20 GPT-4o pairs: they agree on
    # items 1-3 (W), 6-9 (T) and 12-16 (L), p_o = 12/20 = 0.6; author W3 T8 L9, judge
    # W8 T6 L6, p_e = (3×8 + 8×6 + 9×6) / 400 = 0.315; kappa = 0.285 / 0.685 = 0.416058.
    (agreement,) = QUALITY["quality"]["agreement"]
    assert agreement["statistic"] == "Cohen's kappa"
    assert agreement["value"] == pytest.approx(0.285 / 0.685)
    assert agreement["low"] is True
