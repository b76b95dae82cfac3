"""Costs on small fixtures, every expected figure worked out by hand from the published prices.

Token prices (USD per million tokens, genai-prices provider ``cloudflare``):
llama-3.1-8b in 0.282 / out 0.827; bge-base-en-v1.5 in 0.067, no output price;
llama-3.1-70b no price. Service list prices (USD per million): Workflows 0.30 per invocation
+ 0.02 per CPU-ms; D1 rows read 0.001, rows written 1.00; KV reads 0.50, writes/deletes/lists
5.00; R2 Class A 4.50, Class B 0.36.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import BGE, L8B, L70B, SPEC, build, jsonl

CLEF = "@cf/cloudflare/clef-flash"

OVERRIDES = f"""\
version: 1
root: runs
pricing:
  models:
    "{L8B}": {{input_per_mtok: 1.0, output_per_mtok: 2.0, source: test}}
    "{L70B}": {{input_per_mtok: 0.293, output_per_mtok: 2.253, source: test}}
experiments:
  exp: {{}}
"""

COMPARED = """\
version: 1
root: runs
experiments:
  exp:
    comparison: {name: Other, cost_per_1k_units_usd: 8.2, latency_s: 2.0}
"""


def call(model: str, **fields: Any) -> dict[str, Any]:
    """A worker-ai record of ``model`` on 2025-01-15."""
    return {"timestamp": "2025-01-15T10:00:00Z", "model": model, **fields}


def execution(execution_id: str, **fields: Any) -> dict[str, Any]:
    return {"timestamp": "2025-01-15T11:00:00Z", "execution_id": execution_id, **fields}


def usage(resource: str, **fields: Any) -> dict[str, Any]:
    """A cloudflare.jsonl record of ``resource`` on 2025-01-15."""
    return {"timestamp": "2025-01-15T12:00:00Z", "resource": resource, **fields}


def day(claude_code_cost: Any) -> dict[str, Any]:
    return {"timestamp": "2025-01-15T23:59:59Z", "claude_code_cost": claude_code_cost}


def models_of(results: str) -> dict[str, dict[str, Any]]:
    return {row["model"]: row for row in json.loads(results)["models"]}


def ai_row(paper: str, label: str) -> str:
    """The row of the paper's Worker AI table that starts with ``| label |``."""
    section = paper.split("### Worker AI Performance")[1].split("\n### ")[0]
    (row,) = [line for line in section.splitlines() if line.startswith(f"| {label} |")]
    return row


def test_calls_are_priced_from_genai_prices(tmp_path: Path) -> None:
    calls = jsonl(
        call(L8B, input_tokens=1200, output_tokens=150, cost_estimate="$0.0135"),
        call(BGE, input_tokens=500, cost_estimate="$0.0005"),
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    values = result.metrics.values
    # 8b: (1200 * 0.282 + 150 * 0.827) / 1e6 = (338.4 + 124.05) / 1e6 = 0.00046245
    # bge: 500 * 0.067 / 1e6 = 0.0000335 (no output price, no output tokens)
    assert values["ai.cost_usd"] == pytest.approx(0.00049595)  # 0.00046245 + 0.0000335
    assert values["cost.worker_ai_usd"] == pytest.approx(0.00049595)
    # The logged estimates are summed on their own, and do not replace a price.
    assert values["ai.cost_logged_usd"] == pytest.approx(0.014)  # 0.0135 + 0.0005
    assert values["ai.logged_cost_calls"] == 0
    assert values["ai.unpriced_calls"] == 0
    models = models_of(result.results)
    assert models[L8B]["cost_usd"] == pytest.approx((1200 * 0.282 + 150 * 0.827) / 1e6)
    assert models[BGE]["cost_usd"] == pytest.approx(500 * 0.067 / 1e6)
    assert models[L8B]["cost_source"] == models[BGE]["cost_source"] == "priced"


def test_spec_prices_override_genai_prices(tmp_path: Path) -> None:
    calls = jsonl(
        call(L8B, input_tokens=1200, output_tokens=150),
        call(L70B, input_tokens=1000, output_tokens=100),
    )
    models = models_of(build(tmp_path, {"worker-ai.jsonl": calls}, OVERRIDES).results)
    # 8b at the spec's 1.0 / 2.0: (1200 * 1.0 + 150 * 2.0) / 1e6 = 0.0015
    assert models[L8B]["cost_usd"] == pytest.approx(0.0015)
    # 70b at 0.293 / 2.253: (1000 * 0.293 + 100 * 2.253) / 1e6 = (293 + 225.3) / 1e6
    assert models[L70B]["cost_usd"] == pytest.approx(0.0005183)
    assert models[L70B]["cost_source"] == "priced"


def test_unpriced_model_falls_back_to_logged_cost_in_any_money_spelling(tmp_path: Path) -> None:
    calls = jsonl(
        call(L70B, input_tokens=1000, output_tokens=100, cost_estimate="$0.0135"),
        call(L70B, input_tokens=1000, output_tokens=100, cost_estimate="0.013500"),
        call(L70B, input_tokens=1000, output_tokens=100, cost_estimate=0.002),
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    values = result.metrics.values
    assert values["ai.cost_usd"] == pytest.approx(0.029)  # 0.0135 + 0.0135 + 0.002
    assert values["ai.cost_logged_usd"] == pytest.approx(0.029)
    assert values["ai.logged_cost_calls"] == 3
    assert values["ai.unpriced_calls"] == 0
    assert models_of(result.results)[L70B]["cost_source"] == "logged"
    assert "≥" not in result.paper


def test_calls_with_neither_price_nor_logged_cost_are_unpriced_not_zero(tmp_path: Path) -> None:
    calls = jsonl(
        call(L70B, input_tokens=1000, output_tokens=100),
        call(L70B, input_tokens=2000, output_tokens=200),
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    values = result.metrics.values
    assert values["ai.unpriced_calls"] == 2
    assert values["ai.cost_usd"] is None
    assert values["cost.worker_ai_usd"] is None
    assert values["cost.total_usd"] is None
    model = models_of(result.results)[L70B]
    assert model["cost_usd"] is None
    assert model["cost_source"] == "unpriced"
    assert "$0.0000" not in ai_row(result.paper, L70B)
    assert "unpriced" in ai_row(result.paper, L70B)


def test_unpriced_calls_make_the_cost_a_lower_bound(tmp_path: Path) -> None:
    calls = jsonl(
        call(L8B, input_tokens=1200, output_tokens=150),
        call(L70B, input_tokens=1000, output_tokens=100, cost_estimate="$0.0135"),
        call(L70B, input_tokens=1000, output_tokens=100),
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    values = result.metrics.values
    # 0.00046245 (8b, priced) + 0.0135 (70b, logged); the third call is left out.
    assert values["ai.cost_usd"] == pytest.approx(0.01396245)
    assert values["cost.total_usd"] == pytest.approx(0.01396245)
    assert values["ai.logged_cost_calls"] == 1
    assert values["ai.unpriced_calls"] == 1
    assert "≥ $0.0135" in ai_row(result.paper, L70B)
    assert "≥ $0.0140" in ai_row(result.paper, "**Total**")  # 0.01396245 to 4 decimals
    assert "Lower bound" in result.paper


def test_missing_output_tokens_cannot_be_priced_when_the_model_charges_output(
    tmp_path: Path,
) -> None:
    calls = jsonl(
        call(L8B, input_tokens=1000, cost_estimate="$0.001"),
        call(L8B, input_tokens=1000),
        call(BGE, input_tokens=1000),
    )
    values = build(tmp_path, {"worker-ai.jsonl": calls}).metrics.values
    # 8b with no output count: logged $0.001, then unpriced. bge has no output price, so its
    # missing output count is no obstacle: 1000 * 0.067 / 1e6 = 0.000067.
    assert values["ai.cost_usd"] == pytest.approx(0.001067)  # 0.001 + 0.000067
    assert values["ai.logged_cost_calls"] == 1
    assert values["ai.unpriced_calls"] == 1


def test_workflows_list_price_and_invocation_only_without_cpu_ms(tmp_path: Path) -> None:
    executions = jsonl(
        execution("e1", cpu_ms=1000, cost_estimate="$9.00"),
        execution("e2", cpu_ms=0),
        execution("e3", cost_estimate="$0.02"),
        execution("e4"),
    )
    result = build(tmp_path, {"workflows.jsonl": executions})
    values = result.metrics.values
    # e1: (1 * 0.30 + 1000 * 0.02) / 1e6 = 0.0000203 (the logged $9.00 is not used)
    # e2: (1 * 0.30 + 0 * 0.02) / 1e6 = 0.0000003
    # e3, e4: no cpu_ms, so each is charged its invocation, 0.30 / 1e6 = 0.0000003, and is a
    # lower bound; e3's logged $0.02 is not used. Sum: 0.0000203 + 3 * 0.0000003 = 0.0000212.
    assert values["workflows.cost_usd"] == pytest.approx(0.0000212)
    assert values["cost.workflows_usd"] == pytest.approx(0.0000212)
    assert values["cost.total_usd"] == pytest.approx(0.0000212)
    assert values["cost.per_unit_usd"] == pytest.approx(0.0000053)  # 0.0000212 / 4
    assert values["cost.per_1k_units_usd"] == pytest.approx(0.0053)
    why = "2 records without cpu_ms (invocation price only)"
    assert result.metrics.bounds["workflows.cost_usd"].why == why
    (total_line,) = [line for line in result.paper.splitlines() if "**Total cost:**" in line]
    assert "≥ <$0.0001 (2 without cpu_ms)" in total_line
    assert "charged the invocation price only" in result.paper


def test_d1_kv_r2_list_prices(tmp_path: Path) -> None:
    records = jsonl(
        usage("d1", rows_read=1_000_000, rows_written=2000, cost_estimate="$5"),
        usage("d1", rows_read=500_000),
        usage("kv", reads=10_000, writes=100, deletes=20, lists=30),
        usage("r2", class_a_ops=1000, class_b_ops=10_000),
    )
    values = build(tmp_path, {"cloudflare.jsonl": records}).metrics.values
    # D1: (1e6 * 0.001 + 2000 * 1.00) / 1e6 = 0.003 (not the logged $5);
    # 500000 * 0.001 / 1e6 = 0.0005 (absent rows_written counts 0); 0.003 + 0.0005 = 0.0035
    assert values["cost.d1_usd"] == pytest.approx(0.0035)
    # KV: (10000 * 0.50 + (100 + 20 + 30) * 5.00) / 1e6 = (5000 + 750) / 1e6
    assert values["cost.kv_usd"] == pytest.approx(0.00575)
    # R2: (1000 * 4.50 + 10000 * 0.36) / 1e6 = (4500 + 3600) / 1e6
    assert values["cost.r2_usd"] == pytest.approx(0.0081)
    assert values["cost.total_usd"] == pytest.approx(0.01735)  # 0.0035 + 0.00575 + 0.0081


def test_service_records_without_usage_fall_back_to_logged_then_unpriced(tmp_path: Path) -> None:
    records = jsonl(
        usage("d1", cost_estimate="$0.01"),
        usage("d1"),
        usage("kv", cost_estimate="0.002"),
        usage("r2"),
    )
    values = build(tmp_path, {"cloudflare.jsonl": records}).metrics.values
    assert values["cost.d1_usd"] == pytest.approx(0.01)  # logged; the second record unpriced
    assert values["cost.kv_usd"] == pytest.approx(0.002)  # logged
    assert values["cost.r2_usd"] is None  # its only record is unpriced: no cost, not $0
    assert values["cost.total_usd"] == pytest.approx(0.012)  # 0.01 + 0.002


def test_claude_code_cost_sums_the_cost_breakdown(tmp_path: Path) -> None:
    days = jsonl(day("$2.81"), day("3.77"), day(4))
    values = build(tmp_path, {"cost-breakdown.jsonl": days}).metrics.values
    assert values["cost.claude_code_usd"] == pytest.approx(10.58)  # 2.81 + 3.77 + 4
    assert values["cost.total_usd"] == pytest.approx(10.58)


def test_totals_per_unit_and_per_1k(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": jsonl(call(L8B, input_tokens=1200, output_tokens=150)),
        "workflows.jsonl": jsonl(execution("e1", cpu_ms=1000), execution("e2", cpu_ms=1000)),
        "cloudflare.jsonl": jsonl(
            usage("d1", rows_read=1_000_000, rows_written=2000),
            usage("kv", reads=10_000, writes=100, deletes=20, lists=30),
            usage("r2", class_a_ops=1000, class_b_ops=10_000),
        ),
        "cost-breakdown.jsonl": jsonl(day("$2.81"), day("$3.77"), day("$4.00")),
    }
    result = build(tmp_path, logs, COMPARED)
    values = result.metrics.values
    assert values["cost.worker_ai_usd"] == pytest.approx(0.00046245)  # as above
    assert values["cost.workflows_usd"] == pytest.approx(0.0000406)  # 2 * (0.30 + 20) / 1e6
    assert values["cost.d1_usd"] == pytest.approx(0.003)  # 0.001 + 0.002
    assert values["cost.kv_usd"] == pytest.approx(0.00575)
    assert values["cost.r2_usd"] == pytest.approx(0.0081)
    assert values["cost.claude_code_usd"] == pytest.approx(10.58)
    # 0.00046245 + 0.0000406 + 0.003 + 0.00575 + 0.0081 + 10.58 = 10.59735305
    assert values["cost.total_usd"] == pytest.approx(10.59735305)
    assert values["units.count"] == 2
    assert values["cost.per_unit_usd"] == pytest.approx(5.298676525)  # 10.59735305 / 2
    assert values["cost.per_1k_units_usd"] == pytest.approx(5298.676525)
    # 1 - 5298.676525 / 8.2 = 1 - 646.1800640... = -645.1800640...
    assert values["comparison.cost_reduction"] == pytest.approx(1 - 5298.676525 / 8.2)
    assert "≥" not in result.paper
    assert "Lower bound" not in result.paper


def test_spec_without_overrides_leaves_the_70b_unpriced_by_default(tmp_path: Path) -> None:
    # Guard for the fixtures above: the 70b model really has no price in the price data.
    calls = jsonl(call(L70B, input_tokens=1, output_tokens=1))
    assert build(tmp_path, {"worker-ai.jsonl": calls}, SPEC).metrics["ai.unpriced_calls"] == 1


def test_each_call_is_priced_at_its_own_date(tmp_path: Path) -> None:
    # genai-prices lists @cf/cloudflare/clef-flash at $0.09/M input tokens, and at $0.038/M
    # from 2026-10-19 (input only, no output price).
    calls = jsonl(
        {"timestamp": "2026-10-18T12:00:00Z", "model": CLEF, "input_tokens": 1000},
        {"timestamp": "2026-10-20T12:00:00Z", "model": CLEF, "input_tokens": 1000},
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    # 1000 * 0.09 / 1e6 + 1000 * 0.038 / 1e6 = 0.00009 + 0.000038 = 0.000128
    assert result.metrics["ai.cost_usd"] == pytest.approx(0.000128)
    assert "price changed during the period" in result.paper


def test_other_cloudflare_resources_count_at_their_logged_cost(tmp_path: Path) -> None:
    # vectorize has no list price in paperkit: its logged $0.50 counts; the worker_ai record
    # would double-count worker-ai.jsonl, so it is not costed and the paper says so.
    t = "2025-01-15T10:00:00Z"
    result = build(
        tmp_path,
        {
            "cloudflare.jsonl": jsonl(
                {"timestamp": t, "resource": "d1", "rows_read": 1_000_000},
                {"timestamp": t, "resource": "vectorize", "cost_estimate": "$0.50"},
                {"timestamp": t, "resource": "worker_ai", "cost_estimate": "$9.00"},
            )
        },
    )
    values = result.metrics.values
    assert values["cost.d1_usd"] == pytest.approx(0.001)  # 1e6 rows × $0.001/M
    assert values["cost.total_usd"] == pytest.approx(0.501)  # 0.001 + 0.50, not + 9.00
    assert "Not costed: 1 cloudflare.jsonl record for Worker AI or Workflows" in result.paper
