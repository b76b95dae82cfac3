"""The comparison table: differences, flags, and our tokens repriced at another stack's model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import genai_prices
import pytest
from helpers import L8B, build, jsonl

from paperkit.errors import PaperkitError

# Ten executions of 99,985 CPU-ms, each (0.30 + 99,985 x 0.02) / 1e6 = $0.002 at list price,
# and 1.5 s: total $0.02 over 10 documents = $2.00 per 1K documents; mean duration 1.5 s.
WORKFLOWS = jsonl(
    *(
        {
            "timestamp": "2025-01-14T10:00:00Z",
            "execution_id": f"e{i}",
            "duration_ms": 1500,
            "cpu_ms": 99_985,
            "success": True,
        }
        for i in range(10)
    )
)

# Comparison keys start on line 6.
SPEC = """\
version: 1
root: runs
experiments:
  exp:
    comparison:
      name: OpenAI + AWS
{extra}"""


def spec_of(*lines: str) -> str:
    return SPEC.format(extra="".join(f"      {line}\n" for line in lines))


def test_absolute_and_relative_differences(tmp_path: Path) -> None:
    spec = spec_of("source: OpenAI price page", "cost_per_1k_units_usd: 8.00", "latency_s: 2.0")
    result = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec)
    # cost: 2.00 - 8.00 = -6.00; 2 / 8 - 1 = -0.75
    assert "| Cost per 1K documents | $2.0000 | $8.0000 | −$6.0000 | −75.0% |" in result.paper
    # latency: 1.50 - 2.00 = -0.50 s; 1.5 / 2 - 1 = -0.25
    assert "| Latency (workflows.duration_s.mean) | 1.50 s | 2.00 s | −0.50 s | −25.0% |" in (
        result.paper
    )
    metrics = json.loads(result.results)["metrics"]
    assert metrics["comparison.cost_reduction"] == pytest.approx(0.75)  # 1 - 2 / 8
    assert metrics["comparison.latency_ratio"] == pytest.approx(0.75)  # 1.5 / 2


def test_a_dearer_stack_shows_a_positive_difference(tmp_path: Path) -> None:
    spec = spec_of("source: s", "cost_per_1k_units_usd: 1.60")
    paper = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec).paper
    # 2.00 - 1.60 = +0.40; 2 / 1.6 - 1 = +0.25
    assert "| Cost per 1K documents | $2.0000 | $1.6000 | +$0.4000 | +25.0% |" in paper


def test_unknown_figures_give_no_difference(tmp_path: Path) -> None:
    spec = spec_of("source: s", "latency_s: 2.0")
    paper = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec).paper
    assert "| Cost per 1K documents | $2.0000 | n/a | n/a | n/a |" in paper


def test_missing_source_is_flagged(tmp_path: Path) -> None:
    paper = build(
        tmp_path, {"workflows.jsonl": WORKFLOWS}, spec_of("cost_per_1k_units_usd: 8")
    ).paper
    assert (
        "⚠️ **No source** for the OpenAI + AWS figures: they are hand-entered and unchecked "
        "(add `comparison.source` in experiments.yaml)."
    ) in paper
    sourced = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec_of("source: s")).paper
    assert "**No source**" not in sourced


def test_other_unit_is_flagged(tmp_path: Path) -> None:
    spec = spec_of("source: s", "unit: page", "cost_per_1k_units_usd: 8")
    result = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec)
    assert (
        "⚠️ **Different unit:** the OpenAI + AWS figures count pages, this experiment counts "
        "documents; the cost rows compare unlike things."
    ) in result.paper
    assert json.loads(result.results)["comparison"]["unit"] == "page"


def test_same_unit_is_not_flagged(tmp_path: Path) -> None:
    spec = spec_of("source: s", "unit: document", "cost_per_1k_units_usd: 8")
    assert "Different unit" not in build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec).paper


# --- repricing ---------------------------------------------------------------------------------

WHEN = "2025-01-14T10:00:00Z"
# Two 8b calls: 1,000,000 + 2,000,000 = 3,000,000 input and 100,000 + 300,000 = 400,000 output.
TOKENS = jsonl(
    {"timestamp": WHEN, "model": L8B, "input_tokens": 1_000_000, "output_tokens": 100_000},
    {"timestamp": WHEN, "model": L8B, "input_tokens": 2_000_000, "output_tokens": 300_000},
)
REPRICE = f'reprice: {{"{L8B}": "openai:gpt-4o-mini"}}'


def gpt_4o_mini_cost(input_tokens: int, output_tokens: int) -> float:
    """The cost at gpt-4o-mini's price, straight from genai-prices (the independent source)."""
    usage = genai_prices.Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    when = datetime(2025, 1, 14, 10, tzinfo=UTC)
    price = genai_prices.calc_price(
        usage, "gpt-4o-mini", provider_id="openai", genai_request_timestamp=when
    )
    return float(price.total_price)


def repriced(tmp_path: Path, worker_ai: str, *lines: str) -> tuple[dict[str, Any], str]:
    result = build(tmp_path, {"worker-ai.jsonl": worker_ai}, spec_of("source: s", *lines))
    (found,) = json.loads(result.results)["comparison"]["repriced"]
    return found, result.paper


def test_reprice_prices_our_tokens_at_their_model(tmp_path: Path) -> None:
    found, paper = repriced(tmp_path, TOKENS, REPRICE)
    # gpt-4o-mini: $0.15 / M input, $0.60 / M output: 3 x 0.15 + 0.4 x 0.60 = 0.45 + 0.24 = 0.69
    assert gpt_4o_mini_cost(3_000_000, 400_000) == pytest.approx(0.69)
    # ours, the 8b model at $0.282 / M in, $0.827 / M out: 3 x 0.282 + 0.4 x 0.827 = 1.1768
    assert found == {
        "model": L8B,
        "at": "openai:gpt-4o-mini",
        "calls": 2,
        "repriced_calls": 2,
        "input_tokens": 3_000_000,
        "output_tokens": 400_000,
        "their_cost_usd": pytest.approx(0.69),
        "our_cost_usd": pytest.approx(1.1768),
        "source": f"genai-prices {genai_prices.__version__} (provider openai, model gpt-4o-mini)",
    }
    assert (
        f"The 3,000,000 input and 400,000 output tokens of 2 {L8B} calls would cost $0.6900 on "
        f"openai:gpt-4o-mini, against $1.1768 here (priced with genai-prices "
        f"{genai_prices.__version__} (provider openai, model gpt-4o-mini))."
    ) in paper


def test_reprice_counts_calls_without_input_tokens(tmp_path: Path) -> None:
    calls = TOKENS + jsonl({"timestamp": WHEN, "model": L8B, "output_tokens": 50})
    found, paper = repriced(tmp_path, calls, REPRICE)
    assert (found["calls"], found["repriced_calls"]) == (3, 2)
    assert found["their_cost_usd"] == pytest.approx(0.69)  # as before: the third is left out
    assert "; 1 call without token counts left out" in paper


def test_one_call_without_tokens_is_singular(tmp_path: Path) -> None:
    calls = TOKENS + jsonl({"timestamp": WHEN, "model": L8B, "output_tokens": 50})
    _, paper = repriced(tmp_path, calls, REPRICE)
    assert "; 1 call without token counts left out" in paper


def test_missing_output_tokens_are_not_priced_as_zero(tmp_path: Path) -> None:
    calls = TOKENS + jsonl({"timestamp": WHEN, "model": L8B, "input_tokens": 1_000_000})
    found, _ = repriced(tmp_path, calls, REPRICE)
    # The third call's output is unknown, so it cannot be repriced: 2 of 3, still $0.69.
    assert (found["calls"], found["repriced_calls"]) == (3, 2)
    assert found["their_cost_usd"] == pytest.approx(0.69)


def test_only_the_repriced_model_is_counted(tmp_path: Path) -> None:
    other = jsonl(
        {"timestamp": WHEN, "model": "@cf/baai/bge-base-en-v1.5", "input_tokens": 5_000_000}
    )
    found, _ = repriced(tmp_path, TOKENS + other, REPRICE)
    assert (found["calls"], found["input_tokens"]) == (2, 3_000_000)


def test_reprice_of_a_model_not_in_the_logs(tmp_path: Path) -> None:
    spec = spec_of("source: s", 'reprice: {"@cf/meta/llama-3-8b-instruct": "openai:gpt-4o-mini"}')
    with pytest.raises(PaperkitError) as err:
        build(tmp_path, {"worker-ai.jsonl": TOKENS}, spec)
    assert err.value.line == 8  # the reprice line
    assert err.value.message == (
        "comparison.reprice: no call of '@cf/meta/llama-3-8b-instruct' in worker-ai.jsonl; "
        f"the logged models are '{L8B}'"
    )


@pytest.mark.parametrize("target", ["openai:gpt-9-mini", "openia:gpt-4o-mini"])
def test_reprice_at_an_unknown_model_or_provider(tmp_path: Path, target: str) -> None:
    provider, model = target.split(":")
    spec = spec_of("source: s", f'reprice: {{"{L8B}": "{target}"}}')
    with pytest.raises(PaperkitError) as err:
        build(tmp_path, {"worker-ai.jsonl": TOKENS}, spec)
    assert err.value.line == 8
    assert err.value.message == (
        f"comparison.reprice: genai-prices {genai_prices.__version__} has no price for "
        f"'{model}' from provider '{provider}' at 2025-01-14"
    )


def test_no_reprice_gives_an_empty_list(tmp_path: Path) -> None:
    result = build(tmp_path, {"worker-ai.jsonl": TOKENS}, spec_of("source: s"))
    assert json.loads(result.results)["comparison"]["repriced"] == []
    assert "would cost" not in result.paper


def test_gpt_4o_mini_price_is_what_the_comment_says() -> None:
    # Guards the hand-written prices above against a change in the installed price data.
    assert gpt_4o_mini_cost(1_000_000, 0) == pytest.approx(0.15)
    assert gpt_4o_mini_cost(0, 1_000_000) == pytest.approx(0.60)


def test_an_unpriced_cost_is_a_lower_bound_in_the_comparison(tmp_path: Path) -> None:
    # The ten executions cost $0.02 as before; one call of a model with no price and no
    # cost_estimate is unpriced, so $2.00 per 1K documents is only a lower bound.
    unpriced = jsonl({"timestamp": "2025-01-14T10:00:00Z", "model": "@cf/x/no-price"})
    spec = spec_of("source: s", "cost_per_1k_units_usd: 8.00")
    result = build(tmp_path, {"workflows.jsonl": WORKFLOWS, "worker-ai.jsonl": unpriced}, spec)
    assert "| Cost per 1K documents | ≥ $2.0000 | $8.0000 | −$6.0000 | −75.0% |" in result.paper
    assert "⚠️ **Lower bound:** this stack's cost leaves out 1 unpriced record" in result.paper
    assert "| **Total** | **≥ $2.0000** |" in result.paper
