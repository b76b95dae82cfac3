"""Cost reconciliation on small fixtures; every expected figure worked out by hand.

The frames are the real ones: log files written under ``tmp_path``, read by ``load_logs`` and
priced by ``paperkit.prices.pricing``, as ``build.render_experiment`` does. Most fixtures price
llama-3.1-8b from the spec at $1.00 per M input tokens and $2.00 per M output tokens, so that
1,000,000 input tokens cost exactly $1.00. List prices (USD per million): Workflows 0.30 per
invocation + 0.02 per CPU-ms; R2 Class A 4.50. A gap is flagged when
|a - b| > tolerance * max(|a|, |b|).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import BGE, L8B, L70B, SPEC, build, jsonl, write_tree

from paperkit.logs.load import load_logs
from paperkit.measure.reconcile import reconcile
from paperkit.prices import pricing
from paperkit.prices.rates import load_rates
from paperkit.spec.load import load_spec

# Only the 8b model is priced by the spec; 70b has no price anywhere, bge is in genai-prices.
SPEC_8B = f"""\
version: 1
root: runs
pricing:
  models:
    "{L8B}": {{input_per_mtok: 1.0, output_per_mtok: 2.0, source: test}}
experiments:
  exp: {{}}
"""

Frames = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def frames(tmp_path: Path, logs: dict[str, str], spec: str = SPEC_8B) -> Frames:
    """Write the logs and return the priced ai, wf, cf frames and the cost-breakdown frame."""
    write_tree(tmp_path, {"experiments.yaml": spec})
    (tmp_path / "runs" / "exp").mkdir(parents=True, exist_ok=True)
    write_tree(tmp_path / "runs" / "exp", logs)
    loaded = load_logs(tmp_path / "runs" / "exp")
    ai, _ = pricing.price_inferences(loaded.worker_ai, load_spec(tmp_path / "experiments.yaml"))
    rates = load_rates()
    wf = pricing.price_workflows(loaded.workflows, rates)
    cf = pricing.price_services(loaded.cloudflare, rates)
    return ai, wf, cf, loaded.cost_breakdown


def call(model: str, when: str = "2025-01-15T10:00:00Z", **fields: Any) -> dict[str, Any]:
    return {"timestamp": when, "model": model, **fields}


def dollars_8b(when: str, cost_estimate: str | None = None, tokens: int = 1_000_000) -> dict:
    """An 8b call of ``tokens`` input tokens and no output: ``tokens`` / 1e6 dollars."""
    extra = {} if cost_estimate is None else {"cost_estimate": cost_estimate}
    return call(L8B, when, input_tokens=tokens, output_tokens=0, **extra)


def breakdown(when: str = "2025-01-15T23:59:59Z", **fields: Any) -> dict[str, Any]:
    return {"timestamp": when, **fields}


def test_gap_just_above_the_tolerance_is_flagged_and_just_below_is_not(tmp_path: Path) -> None:
    ai, wf, cf, cb = frames(
        tmp_path,
        {
            "worker-ai.jsonl": jsonl(
                dollars_8b("2025-01-15T10:00:00Z", "$1.06"),
                dollars_8b("2025-01-16T10:00:00Z", "$1.04"),
            )
        },
    )
    result = reconcile(ai, wf, cf, cb, "UTC")
    first, second = result.logged_vs_priced
    # 2025-01-15: logged 1.06, priced 1_000_000 * 1.0 / 1e6 = 1.00; gap 0.06;
    # 0.06 / max(1.06, 1.00) = 0.0566 > 0.05: flagged.
    assert (first.model, first.day.isoformat()) == (L8B, "2025-01-15")
    assert first.logged_usd == pytest.approx(1.06)
    assert first.priced_usd == pytest.approx(1.00)
    assert first.gap_usd == pytest.approx(0.06)
    assert first.relative_gap == pytest.approx(0.06 / 1.06)  # 0.0566
    assert first.flagged is True
    assert (first.status, first.calls) == ("compared", 1)
    # 2025-01-16: 1.04 vs 1.00; 0.04 / 1.04 = 0.0385 <= 0.05: not flagged.
    assert second.day.isoformat() == "2025-01-16"
    assert second.relative_gap == pytest.approx(0.04 / 1.04)
    assert second.flagged is False
    # Over the whole period the gaps offset less: 2.10 vs 2.00, 0.10 / 2.10 = 0.0476, not flagged.
    (total,) = result.logged_vs_priced_totals
    assert (total.model, total.day, total.calls) == (L8B, None, 2)
    assert total.logged_usd == pytest.approx(2.10)
    assert total.priced_usd == pytest.approx(2.00)
    assert total.relative_gap == pytest.approx(0.10 / 2.10)
    assert total.flagged is False
    assert result.flagged == (first,)


def test_logged_estimate_thirty_times_the_list_price_is_flagged(tmp_path: Path) -> None:
    calls = jsonl(call(L8B, input_tokens=1200, output_tokens=150, cost_estimate="$0.0135"))
    ai, wf, cf, cb = frames(tmp_path, {"worker-ai.jsonl": calls}, spec=SPEC)
    (row,) = reconcile(ai, wf, cf, cb, "UTC").logged_vs_priced_totals
    # genai-prices: (1200 * 0.282 + 150 * 0.827) / 1e6 = 0.00046245; logged 0.0135 (29x).
    assert row.priced_usd == pytest.approx(0.00046245)
    assert row.gap_usd == pytest.approx(0.01303755)  # 0.0135 - 0.00046245
    assert row.relative_gap == pytest.approx(0.9657444)  # 0.01303755 / 0.0135
    assert row.flagged is True


def test_calls_without_a_real_price_or_a_logged_cost_are_left_out(tmp_path: Path) -> None:
    calls = jsonl(
        dollars_8b("2025-01-15T10:00:00Z", "$1.06"),
        # 8b with no input tokens: cannot be priced, so costed at its logged $5: left out.
        call(L8B, output_tokens=10, cost_estimate="$5"),
        call(L70B, input_tokens=100, output_tokens=10, cost_estimate="$0.08"),  # logged
        call(L70B, input_tokens=100, output_tokens=10),  # unpriced
        call(BGE, input_tokens=500),  # priced, nothing logged
    )
    ai, wf, cf, cb = frames(tmp_path, {"worker-ai.jsonl": calls})
    rows = {row.model: row for row in reconcile(ai, wf, cf, cb, "UTC").logged_vs_priced}
    # 8b: only the first call is compared, 1.06 vs 1.00 (the $5 is neither side).
    assert rows[L8B].logged_usd == pytest.approx(1.06)
    assert rows[L8B].priced_usd == pytest.approx(1.00)
    assert (rows[L8B].calls, rows[L8B].logged_not_priced) == (1, 1)
    # 70b: no price, so nothing to compare; both sides None, never 0.
    seventy = rows[L70B]
    assert (seventy.status, seventy.logged_usd, seventy.priced_usd) == (
        "no priced figure",
        None,
        None,
    )
    assert (seventy.gap_usd, seventy.relative_gap, seventy.flagged) == (None, None, False)
    assert (seventy.calls, seventy.logged_not_priced, seventy.unpriced) == (0, 1, 1)
    # bge: priced at 500 * 0.067 / 1e6, but logs no estimate.
    assert (rows[BGE].status, rows[BGE].logged_usd, rows[BGE].priced_usd) == (
        "no logged figure",
        None,
        None,
    )
    assert (rows[BGE].calls, rows[BGE].priced_not_logged) == (0, 1)


def test_days_are_calendar_days_in_the_time_zone(tmp_path: Path) -> None:
    calls = jsonl(
        dollars_8b("2025-01-14T23:30:00Z", "$1.00"),  # 2025-01-15 00:30 in Berlin (UTC+1)
        dollars_8b("2025-01-15T10:00:00Z", "$1.00"),
    )
    ai, wf, cf, cb = frames(tmp_path, {"worker-ai.jsonl": calls})
    berlin = reconcile(ai, wf, cf, cb, "Europe/Berlin").logged_vs_priced
    assert [(r.day.isoformat(), r.calls) for r in berlin] == [("2025-01-15", 2)]
    utc = reconcile(ai, wf, cf, cb, "UTC").logged_vs_priced
    assert [(r.day.isoformat(), r.calls) for r in utc] == [("2025-01-14", 1), ("2025-01-15", 1)]


def test_breakdown_figures_against_the_raw_logs_of_their_day(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": jsonl(
            dollars_8b("2025-01-15T10:00:00Z", tokens=100_000),  # 100,000 * 1.0 / 1e6 = 0.10
            call(L8B, input_tokens=20_000, output_tokens=10_000),  # (20,000 + 20,000) / 1e6
            call(L8B, output_tokens=10, cost_estimate="$0.01"),  # logged fallback: 0.01
            dollars_8b("2025-01-16T10:00:00Z"),  # another day: not in the sum
        ),
        "workflows.jsonl": jsonl(
            {"timestamp": "2025-01-15T11:00:00Z", "execution_id": "e1", "cpu_ms": 1_000_000}
        ),
        "cloudflare.jsonl": jsonl(
            {"timestamp": "2025-01-15T12:00:00Z", "resource": "kv"},  # no usage, no estimate
            {"timestamp": "2025-01-15T12:00:00Z", "resource": "R2", "class_a_ops": 1000},
        ),
        "cost-breakdown.jsonl": jsonl(
            breakdown(
                worker_ai_cost="$0.30",
                workflows_cost="$0.02",
                d1_cost="$0.00",
                kv_cost="$0.01",
                r2_cost="$0.0045",
                claude_code_cost="$2.00",
            )
        ),
    }
    ai, wf, cf, cb = frames(tmp_path, logs)
    rows = {r.resource: r for r in reconcile(ai, wf, cf, cb, "UTC").breakdown_vs_logs}
    assert list(rows) == ["Worker AI", "Workflows", "D1", "KV", "R2"]  # no Claude Code
    ai_row = rows["Worker AI"]
    # raw: 0.10 + 0.04 + 0.01 = 0.15; 0.30 vs 0.15, gap 0.15, 0.15 / 0.30 = 0.5: flagged.
    assert ai_row.raw_usd == pytest.approx(0.15)
    assert (ai_row.raw_records, ai_row.raw_logged, ai_row.raw_unpriced) == (3, 1, 0)
    assert ai_row.gap_usd == pytest.approx(0.15)
    assert ai_row.relative_gap == pytest.approx(0.5)
    assert (ai_row.flagged, ai_row.line, ai_row.day.isoformat()) == (True, 1, "2025-01-15")
    assert (ai_row.day_from, ai_row.duplicate_day) == ("timestamp", False)
    # Workflows: (0.30 + 1,000,000 * 0.02) / 1e6 = 0.0200003 vs 0.02; 0.0000003 / 0.0200003.
    assert rows["Workflows"].raw_usd == pytest.approx(0.0200003)
    assert rows["Workflows"].relative_gap == pytest.approx(0.0000003 / 0.0200003)
    assert rows["Workflows"].flagged is False
    # D1: the breakdown says $0.00 but no raw record exists: None, not 0.
    d1 = rows["D1"]
    assert (d1.status, d1.raw_usd, d1.gap_usd, d1.flagged) == ("no raw records", None, None, False)
    assert d1.breakdown_usd == 0.0
    # KV: one raw record, unpriced: no raw cost to compare.
    kv = rows["KV"]
    assert (kv.status, kv.raw_usd, kv.raw_records, kv.raw_unpriced) == (
        "raw records unpriced",
        None,
        1,
        1,
    )
    # R2 ("R2" is lower-cased on reading): 1000 * 4.50 / 1e6 = 0.0045, equal to the breakdown.
    assert rows["R2"].raw_usd == pytest.approx(0.0045)
    assert rows["R2"].flagged is False


def test_breakdown_day_is_its_period_date_else_its_timestamp_day(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": jsonl(dollars_8b("2025-01-14T23:30:00Z", tokens=100_000)),  # 0.10
        "cost-breakdown.jsonl": jsonl(
            # 2025-01-15 00:30 in Berlin; "day_1" is not a date.
            breakdown("2025-01-14T23:30:00Z", period="day_1", worker_ai_cost="$0.10"),
            breakdown("2025-01-14T23:30:00Z", period="2025-01-14", worker_ai_cost="$0.10"),
            breakdown("2025-01-15T12:00:00Z", period="2025-01-15", worker_ai_cost="$0.10"),
            # Not a real date: the timestamp's day.
            breakdown("2025-01-16T10:00:00Z", period="2025-13-01", worker_ai_cost="$0.05"),
        ),
    }
    ai, wf, cf, cb = frames(tmp_path, logs)
    rows = reconcile(ai, wf, cf, cb, "Europe/Berlin").breakdown_vs_logs
    got = [(r.line, r.day.isoformat(), r.day_from, r.duplicate_day, r.status) for r in rows]
    assert got == [
        (2, "2025-01-14", "period", False, "no raw records"),
        (1, "2025-01-15", "timestamp", True, "compared"),
        (3, "2025-01-15", "period", True, "compared"),
        (4, "2025-01-16", "timestamp", False, "no raw records"),
    ]
    # Lines 1 and 3 fall on the same day; each is compared with the day's whole raw cost.
    assert [r.raw_usd for r in rows] == [None, pytest.approx(0.10), pytest.approx(0.10), None]


def test_breakdown_total_against_the_sum_of_its_parts(tmp_path: Path) -> None:
    lines = jsonl(
        breakdown(
            worker_ai_cost="$0.95",
            workflows_cost="$0.36",
            claude_code_cost="$2.00",
            total_cost=3.31,
        ),
        breakdown(
            worker_ai_cost="$0.95",
            workflows_cost="$0.33",
            claude_code_cost="$2.00",
            total_cost=3.31,
        ),
    )
    ai, wf, cf, cb = frames(tmp_path, {"cost-breakdown.jsonl": lines})
    exact, off = reconcile(ai, wf, cf, cb, "UTC").breakdown_totals
    # 0.95 + 0.36 + 2.00 = 3.31: no gap (up to float rounding).
    assert exact.parts_usd == pytest.approx(3.31)
    assert exact.gap_usd == pytest.approx(0.0, abs=1e-12)
    assert exact.flagged is False
    assert exact.missing_parts == ("d1_cost", "kv_cost", "r2_cost")
    # 0.95 + 0.33 + 2.00 = 3.28; gap 0.03. Only 0.00906 of 3.31, under a 5% tolerance, but an
    # addition must hold to the cent: three parts rounded to the cent explain 3 × 0.005 = 0.015.
    assert (off.line, off.total_usd) == (2, 3.31)
    assert off.parts_usd == pytest.approx(3.28)
    assert off.gap_usd == pytest.approx(0.03)
    assert off.relative_gap == pytest.approx(0.03 / 3.31)
    assert (off.allowed_usd, off.flagged) == (0.015, True)
    # The tolerance is for estimates against each other, not for one line's addition.
    loose = reconcile(ai, wf, cf, cb, "UTC", tolerance=0.5).breakdown_totals
    assert [row.flagged for row in loose] == [False, True]


def test_a_total_a_dime_off_its_parts_is_flagged_and_rounding_is_not(tmp_path: Path) -> None:
    lines = jsonl(
        # 0.15 + 0.19 + 5.32 = 5.66 against 5.56: $0.10 off, 1.8% of 5.66.
        breakdown(worker_ai_cost=0.15, workflows_cost=0.19, claude_code_cost=5.32, total_cost=5.56),
        # Parts of 0.004, 0.004, 0.004 written rounded as 0.00, 0.00, 0.00 against a total
        # rounded from 0.012 to 0.01: 1 cent off, within the 3 × 0.5 = 1.5 cents of rounding.
        breakdown(worker_ai_cost=0.0, workflows_cost=0.0, claude_code_cost=0.0, total_cost=0.01),
        # Two parts: 1 cent allowed; 0.02 off is not rounding.
        breakdown(worker_ai_cost=0.10, claude_code_cost=0.20, total_cost=0.32),
    )
    ai, wf, cf, cb = frames(tmp_path, {"cost-breakdown.jsonl": lines})
    dime, rounded, two = reconcile(ai, wf, cf, cb, "UTC").breakdown_totals
    assert (dime.gap_usd, dime.flagged) == (pytest.approx(0.10), True)
    assert (rounded.allowed_usd, rounded.flagged) == (0.015, False)
    assert (two.allowed_usd, two.flagged) == (0.01, True)


def test_zeros_are_not_flagged_and_missing_sides_are_none(tmp_path: Path) -> None:
    lines = jsonl(
        breakdown(total_cost="$1.00"),  # no parts
        breakdown(worker_ai_cost="$0.50"),  # no total
        breakdown(worker_ai_cost="$0.00", total_cost="$0.00"),  # both 0
        breakdown(worker_ai_cost="$0.00", total_cost="$0.10"),  # one side 0
    )
    ai, wf, cf, cb = frames(tmp_path, {"cost-breakdown.jsonl": lines})
    no_parts, no_total, zeros, one_zero = reconcile(ai, wf, cf, cb, "UTC").breakdown_totals
    assert (no_parts.status, no_parts.total_usd, no_parts.parts_usd) == ("no parts", 1.0, None)
    assert (no_parts.gap_usd, no_parts.relative_gap, no_parts.flagged) == (None, None, False)
    assert (no_total.status, no_total.total_usd, no_total.parts_usd) == ("no total_cost", None, 0.5)
    assert no_total.flagged is False
    # 0 vs 0: gap 0, relative gap 0 (not 0/0), not flagged.
    assert (zeros.gap_usd, zeros.relative_gap, zeros.flagged) == (0.0, 0.0, False)
    # 0.10 vs 0: gap 0.10 > half a cent for its one part: flagged, relative gap 0.10 / 0.10 = 1.
    assert (one_zero.gap_usd, one_zero.relative_gap, one_zero.flagged) == (0.1, 1.0, True)


def test_to_json_is_plain_sorted_and_has_no_nan(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": jsonl(
            dollars_8b("2025-01-16T10:00:00Z", "$1.06"),
            dollars_8b("2025-01-15T10:00:00Z", "$1.04"),
        ),
        "cost-breakdown.jsonl": jsonl(breakdown(period="2025-01-15", d1_cost="$0.01")),
    }
    ai, wf, cf, cb = frames(tmp_path, logs)
    doc = reconcile(ai, wf, cf, cb, "UTC").to_json()
    text = json.dumps(doc, allow_nan=False)  # raises on NaN
    assert json.loads(text) == doc
    assert list(doc) == [
        "tolerance",
        "flagged",
        "logged_vs_priced",
        "breakdown_vs_logs",
        "breakdown_totals",
    ]
    assert (doc["tolerance"], doc["flagged"]) == (0.05, 1)  # 1.06 vs 1.00 on 2025-01-16
    by_day = doc["logged_vs_priced"]["by_day"]
    assert [row["day"] for row in by_day] == ["2025-01-15", "2025-01-16"]
    assert by_day[1]["gap_usd"] == pytest.approx(0.06)
    assert doc["logged_vs_priced"]["by_model"][0]["day"] is None
    (d1,) = doc["breakdown_vs_logs"]
    assert d1 == {
        "line": 1,
        "day": "2025-01-15",
        "day_from": "period",
        "resource": "D1",
        "breakdown_usd": 0.01,
        "raw_usd": None,
        "gap_usd": None,
        "relative_gap": None,
        "flagged": False,
        "status": "no raw records",
        "raw_records": 0,
        "raw_logged": 0,
        "raw_unpriced": 0,
        "duplicate_day": False,
        "raw_partial": 0,
    }
    (total,) = doc["breakdown_totals"]
    assert (total["status"], total["total_usd"], total["missing_parts"][0]) == (
        "no total_cost",
        None,
        "worker_ai_cost",
    )


def test_no_logs_give_no_rows(tmp_path: Path) -> None:
    ai, wf, cf, cb = frames(tmp_path, {})
    result = reconcile(ai, wf, cf, cb, "UTC")
    assert result.logged_vs_priced == result.logged_vs_priced_totals == ()
    assert result.breakdown_vs_logs == result.breakdown_totals == result.flagged == ()


@pytest.mark.parametrize("tolerance", [-0.01, float("nan"), float("inf")])
def test_a_tolerance_must_be_a_finite_fraction(tmp_path: Path, tolerance: float) -> None:
    ai, wf, cf, cb = frames(tmp_path, {})
    with pytest.raises(ValueError, match="tolerance must be a fraction"):
        reconcile(ai, wf, cf, cb, "UTC", tolerance=tolerance)


def test_the_paper_shows_logged_over_priced_as_a_ratio(tmp_path: Path) -> None:
    # 1M input tokens of 8b at $0.282/M (genai-prices) = $0.282 priced; logged $0.846 = 3.0×.
    call = {
        "timestamp": "2025-01-14T10:00:00Z",
        "model": L8B,
        "input_tokens": 1_000_000,
        "output_tokens": 0,
        "cost_estimate": 0.846,
    }
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(call)})
    assert f"| {L8B} | 1 | $0.8460 | $0.2820 | $0.5640 | 66.7% | 3.0× | ⚠️ gap |" in result.paper


def test_a_raw_workflows_cost_without_cpu_ms_is_counted_as_partial(tmp_path: Path) -> None:
    logs = {
        "workflows.jsonl": jsonl(
            {"timestamp": "2025-01-15T11:00:00Z", "execution_id": "e1", "cpu_ms": 1_000_000},
            {"timestamp": "2025-01-15T12:00:00Z", "execution_id": "e2", "cost_estimate": 0.5},
        ),
        "cost-breakdown.jsonl": jsonl(breakdown(workflows_cost="$0.02")),
    }
    ai, wf, cf, cb = frames(tmp_path, logs)
    (row,) = reconcile(ai, wf, cf, cb, "UTC").breakdown_vs_logs
    # e1: (0.30 + 1,000,000 * 0.02) / 1e6 = 0.0200003; e2: no cpu_ms, its invocation only,
    # 0.30 / 1e6 = 0.0000003 (its logged $0.50 is not used). Raw: 0.0200006, a lower bound.
    assert row.raw_usd == pytest.approx(0.0200006)
    assert (row.raw_records, row.raw_logged, row.raw_unpriced, row.raw_partial) == (2, 0, 0, 1)
