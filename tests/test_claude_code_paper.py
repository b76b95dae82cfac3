"""The paper with claude-code.jsonl: development cost, metrics, reconciliation and criteria.

The experiment is ``cases/claude-code``: its claude-code.jsonl was imported from the
transcripts of ``fixtures/claude-code/-home-dev-demo`` (see test_claude_code_import.py for
what they hold), two Workflows executions and one cost-breakdown line claiming $0.05 of Claude
Code on 2025-06-14. The spec's window (2025-06-14 to 2025-06-15) leaves out msg_D of
2025-06-16. Inside it, by hand (prices in test_claude_code_prices.py):

  requests  msg_A 0.006159, msg_B 0.03793, msg_S 0.002535 (subagent), msg_F 0.000018,
            msg_E (<synthetic>) and msg_C (claude-future-9) unpriced
  cost      0.006159 + 0.03793 + 0.002535 + 0.000018 = 0.046642
  tokens    input 3+10+0+100+20+1 = 134, output 120+200+0+50+40+1 = 411,
            cache writes 1000+4000+500 = 5500, cache reads 2000+3000 = 5000
  active    s1: 10:00:00 10:00:06 10:02:00 10:03:00 10:05:00 | 10:20:00 10:20:10
            = 6+114+60+120+10 s (the 15-minute gap is idle); s2: 3 s; 313 s in all
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkit.build import BuildResult, priced_logs, render_experiment
from paperkit.cli import cli
from paperkit.measure.reconcile import Reconciliation, reconcile
from paperkit.spec.load import load_spec
from paperkit.tracking.daily import daily_costs

CASE = Path(__file__).parent / "cases" / "claude-code"
COST = 0.046642


@pytest.fixture
def case(tmp_path: Path) -> Path:
    shutil.copytree(CASE / ".claude", tmp_path / ".claude")
    shutil.copy(CASE / "experiments.yaml", tmp_path / "experiments.yaml")
    return tmp_path


def build(case: Path, spec: str | None = None) -> BuildResult:
    if spec is not None:
        (case / "experiments.yaml").write_text(spec, encoding="utf-8")
    return render_experiment(load_spec(case / "experiments.yaml"), "dev")


def test_the_development_metrics_come_from_the_transcripts(case: Path) -> None:
    v = build(case).metrics.values
    assert v["dev.claude_code.requests"] == 6
    assert v["dev.claude_code.input_tokens"] == 134
    assert v["dev.claude_code.output_tokens"] == 411
    assert v["dev.claude_code.cache_write_tokens"] == 5500
    assert v["dev.claude_code.cache_read_tokens"] == 5000
    assert v["dev.claude_code.cost_usd"] == pytest.approx(COST, abs=1e-12)
    assert v["dev.claude_code.unpriced_requests"] == 2
    assert (v["dev.claude_code.sessions"], v["dev.claude_code.prompts"]) == (2, 3)
    assert (v["dev.claude_code.api_errors"], v["dev.claude_code.tool_calls"]) == (1, 3)
    assert v["dev.claude_code.active_minutes"] == pytest.approx(313 / 60)
    assert v["dev.claude_code.cache_read_share"] == pytest.approx(5000 / (134 + 5500 + 5000))
    assert v["dev.claude_code.subagent_cost_share"] == pytest.approx(0.002535 / COST)
    assert v["dev.claude_code.cost_per_session_usd"] == pytest.approx(COST / 2)
    assert v["dev.iterations"] == 1  # the hand-logged count stays beside them


def test_the_development_cost_line_is_priced_from_the_transcripts(case: Path) -> None:
    result = build(case)
    v = result.metrics.values
    assert v["cost.claude_code_usd"] == pytest.approx(COST, abs=1e-12)  # not the logged $0.05
    # Workflows: (0.30 + 30 x 0.02) + (0.30 + 40 x 0.02) per million = 0.000002
    assert v["cost.total_usd"] == pytest.approx(COST + 0.000002, abs=1e-12)
    assert (
        "| Claude Code (development) | ≥ $23.3210 | >99% | 4 Claude Code requests priced, "
        "2 unpriced |" in result.paper
    )
    assert "| **Total** | **≥ $23.3220** |" in result.paper
    assert "2 unpriced Claude Code requests (their models have no known price)" in result.paper


def test_the_logged_claude_code_cost_is_reconciled_per_day(case: Path) -> None:
    result = build(case)
    rows = [r for r in result_reconciliation(case).breakdown_vs_logs if r.resource == "Claude Code"]
    assert len(rows) == 1
    row = rows[0]
    assert (str(row.day), row.breakdown_usd) == ("2025-06-14", 0.05)
    assert row.raw_usd == pytest.approx(COST, abs=1e-12)
    assert row.raw_unpriced == 2
    assert row.relative_gap == pytest.approx((0.05 - COST) / 0.05)  # 6.7% > 5%
    assert row.flagged
    assert "Every day with Claude Code requests has a cost-breakdown.jsonl line." in result.paper


def test_days_of_work_without_a_breakdown_line_are_listed(case: Path) -> None:
    text = (case / "experiments.yaml").read_text(encoding="utf-8")
    result = build(case, text.replace("    end: 2025-06-15\n", ""))
    assert (
        "1 day with Claude Code requests but no cost-breakdown.jsonl line: 2025-06-16."
        in result.paper
    )


def test_a_cost_criterion_on_a_lower_bound_is_not_passed(case: Path) -> None:
    text = (case / "experiments.yaml").read_text(encoding="utf-8")
    # The cost is at least $0.0466: under $0.10 cannot be known, over $0.01 is certain.
    extra = (
        '      - {text: "Over a cent", metric: dev.claude_code.cost_usd, op: ">", target: 0.01}\n'
    )
    result = build(case, text + extra)
    bound = "lower bound: 2 Claude Code requests unpriced"
    row = f"| Development cost under $0.10 | < $0.1000 | ≥ $0.0466 | {bound} | 6 |"
    assert row + " ⚠️ inconclusive |" in result.paper
    assert f"| Over a cent | > $0.0100 | ≥ $0.0466 | {bound} | 6 | ✅ pass |" in result.paper


def test_without_the_file_the_logged_cost_is_used(case: Path) -> None:
    (case / ".claude/experiments/dev/claude-code.jsonl").unlink()
    result = build(case)
    assert result.metrics.values["cost.claude_code_usd"] == 0.05
    assert result.metrics.values["dev.claude_code.requests"] is None
    assert "claude-code.jsonl" not in result.paper


def result_reconciliation(case: Path) -> Reconciliation:
    spec = load_spec(case / "experiments.yaml")
    p = priced_logs(spec, "dev")
    cb, tz, tolerance = p.logs.cost_breakdown, spec.timezone, spec.reconcile_tolerance
    return reconcile(p.ai, p.wf, p.cf, cb, tz, tolerance, claude=p.claude)


def test_costs_per_day_price_claude_code_from_the_transcripts(case: Path) -> None:
    report = daily_costs(load_spec(case / "experiments.yaml"), "dev")
    assert report.transcripts
    (day,) = report.days
    cell = day.cells["claude_code"]
    assert str(day.day) == "2025-06-14"
    assert cell.usd == pytest.approx(COST, abs=1e-12)  # not the $0.05 recorded
    assert (cell.basis.priced, cell.basis.unpriced, cell.lower_bound) == (4, 2, True)


def test_costs_write_records_the_transcripts_cost(case: Path) -> None:
    spec = case / "experiments.yaml"
    result = CliRunner().invoke(cli, ["costs", "dev", "--write", "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    path = case / ".claude/experiments/dev/cost-breakdown.jsonl"
    (line,) = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["period"] == "2025-06-14"
    assert record["claude_code_cost"] == pytest.approx(COST, abs=1e-12)
    assert record["total_is_lower_bound"] is True
    # Written from the transcripts, the day now reconciles.
    rows = [r for r in result_reconciliation(case).breakdown_vs_logs if r.resource == "Claude Code"]
    assert [r.flagged for r in rows] == [False]


def test_a_bad_line_of_claude_code_jsonl_is_reported_and_skipped(case: Path) -> None:
    path = case / ".claude/experiments/dev/claude-code.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"type":"request","key":"k","timestamp":"2025-06-14T12:00:00Z"}\n')
        handle.write("{cut off\n")
    result = build(case)
    where = ".claude/experiments/dev/claude-code.jsonl"
    assert [str(w) for w in result.warnings if w.path == where] == [
        f"{where}:11: missing model",
        f"{where}:12: not valid JSON: Expecting property name enclosed in double quotes"
        " at column 2",
    ]
    assert result.metrics.values["dev.claude_code.requests"] == 6  # the same as without them
