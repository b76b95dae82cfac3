"""Verdicts at the edges: Wilson's exact 0 and 1, bounds judged on their side only, min_n.

Each case is one a user met (issue 9); every expected number is worked out by hand below.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from helpers import L8B, L70B, build, jsonl

from paperkit.errors import PaperkitError
from paperkit.measure.costs import Bound
from paperkit.measure.criteria import judge
from paperkit.measure.evidence import EXACT, RATE, Measurement
from paperkit.measure.intervals import wilson
from paperkit.paper.render import pct, usd
from paperkit.paper.summary import summary
from paperkit.spec.load import load_spec
from paperkit.spec.types import Criterion

Z95 = 1.959963984540054  # the standard normal quantile at 0.975 (tables: 1.95996)


def test_wilson_is_exactly_one_at_n_of_n_and_zero_at_none() -> None:
    # At x = n, p = 1: centre = (1 + z²/2n) / (1 + z²/n), half = (z²/2n) / (1 + z²/n), so
    # high = centre + half = 1 and low = 1 / (1 + z²/n) = n / (n + z²) = 30 / 33.8415 = 0.88649.
    interval = wilson(30, 30, 0.95)
    assert interval is not None
    assert interval.high == 1.0  # exactly: 0.9999999999999999 flipped a verdict
    assert interval.low == pytest.approx(30 / (30 + Z95**2), rel=1e-12)
    # At x = 0 the interval mirrors it: low exactly 0, high = z² / (n + z²) = 3.8415 / 103.8415.
    none = wilson(0, 100, 0.95)
    assert none is not None
    assert none.low == 0.0
    assert none.high == pytest.approx(Z95**2 / (100 + Z95**2), rel=1e-12)


def rate_criterion(op: str, target: float) -> Criterion:
    return Criterion(
        text="workflows succeed", metric="workflows.success_rate", op=op, target=target
    )


@pytest.mark.parametrize(
    ("successes", "n", "op", "target", "verdict"),
    [
        # [0.886, 1] against ">= 1": not wholly at 1 (no pass), not wholly below 1 (no fail).
        (30, 30, ">=", 1.0, "inconclusive"),
        # [0.886, 1] against "< 1": 1 is in the interval and is not < 1.
        (30, 30, "<", 1.0, "inconclusive"),
        # [0, 0.037] against "> 0": 0 is in the interval and is not > 0.
        (0, 100, ">", 0.0, "inconclusive"),
        # [0, 0.037] against "<= 0.05": the whole interval is at or below 0.05.
        (0, 100, "<=", 0.05, "pass"),
    ],
)
def test_verdicts_at_the_wilson_extremes(
    successes: int, n: int, op: str, target: float, verdict: str
) -> None:
    interval = wilson(successes, n, 0.95)
    measured = Measurement("workflows.success_rate", successes / n, RATE, n, interval)
    assert judge(rate_criterion(op, target), measured, 0.95).verdict == verdict


def cost_criterion(op: str, target: float) -> Criterion:
    return Criterion(text="cheap", metric="cost.per_unit_usd", op=op, target=target)


@pytest.mark.parametrize(
    ("op", "target", "verdict", "reason"),
    [
        # The true cost is at least 0.0603: below 0.1 cannot be shown, above 0.001 can.
        ("<", 0.1, "inconclusive", "lower bound: 15 records unpriced"),
        ("<=", 0.1, "inconclusive", "lower bound: 15 records unpriced"),
        (
            "<",
            0.001,
            "fail",
            "cost.per_unit_usd is 0.0603, not < 0.001 (lower bound: 15 records unpriced)",
        ),
        (
            ">",
            0.001,
            "pass",
            "cost.per_unit_usd is 0.0603 > 0.001 (lower bound: 15 records unpriced)",
        ),
        (">=", 0.1, "inconclusive", "lower bound: 15 records unpriced"),
    ],
)
def test_a_lower_bound_is_judged_only_on_the_side_it_bounds(
    op: str, target: float, verdict: str, reason: str
) -> None:
    bound = Bound("lower", "15 records unpriced")
    measured = Measurement("cost.per_unit_usd", 0.0603, EXACT, 159, None, bound=bound)
    result = judge(cost_criterion(op, target), measured, 0.95)
    assert (result.verdict, result.reason) == (verdict, reason)


def test_an_upper_bound_is_judged_only_on_the_side_it_bounds() -> None:
    # A cost reduction of at most 0.40: "< 0.5" holds whatever the truth, ">= 0.3" is unknown.
    bound = Bound("upper", "3 records unpriced")
    measured = Measurement("comparison.cost_reduction", 0.4, EXACT, 10, None, bound=bound)
    at_most = Criterion(text="r", metric="comparison.cost_reduction", op="<", target=0.5)
    at_least = Criterion(text="r", metric="comparison.cost_reduction", op=">=", target=0.3)
    assert judge(at_most, measured, 0.95).verdict == "pass"
    assert judge(at_least, measured, 0.95).reason == "upper bound: 3 records unpriced"


def call(model: str, i: int, day: str = "2025-01-14", **fields: Any) -> dict[str, Any]:
    """A successful call at 10:MM (minute ``i``), so no two lines repeat byte for byte."""
    stamp = f"{day}T10:{i:02d}:00Z"
    return {"timestamp": stamp, "model": model, "success": True, **fields}


# 10 priced 8b calls of 1,000 tokens in and 1,000 out: 1,000 × $0.282/M + 1,000 × $0.827/M =
# $0.001109 each, $0.01109 in all. 15 calls of the 70b model, which has no price and no logged
# estimate: unpriced. 25 calls in all, so the known cost per call is 0.01109 / 25 = 0.0004436.
UNPRICED_CALLS = jsonl(
    *(call(L8B, i, input_tokens=1000, output_tokens=1000) for i in range(10)),
    *(call(L70B, i, input_tokens=1000, output_tokens=1000) for i in range(15)),
)


def spec_with(*criteria: str, extra: str = "") -> str:
    lines = "".join(f"      - {c}\n" for c in criteria)
    return (
        "version: 1\nroot: runs\nexperiments:\n  exp:\n"
        f"    unit: {{name: call, count: ai.calls}}\n{extra}    criteria:\n{lines}"
    )


def table_row(paper: str, text: str) -> list[str]:
    """Return the cells of the Success Criteria Results row of criterion ``text``."""
    line = next(line for line in paper.splitlines() if line.startswith(f"| {text} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_a_cost_with_unpriced_calls_cannot_pass_below_a_target(tmp_path: Path) -> None:
    spec = spec_with(
        '{text: Under a dime, metric: cost.per_unit_usd, op: "<", target: 0.1}',
        '{text: Under a cent per 100, metric: cost.per_unit_usd, op: "<", target: 0.0001}',
    )
    result = build(tmp_path, {"worker-ai.jsonl": UNPRICED_CALLS}, spec)
    dime, tiny = json.loads(result.results)["criteria"]
    assert dime["value"] == pytest.approx(0.0004436, rel=1e-9)
    assert (dime["verdict"], dime["reason"]) == ("inconclusive", "lower bound: 15 records unpriced")
    assert dime["bound"] == {"side": "lower", "why": "15 records unpriced"}
    assert (tiny["verdict"], tiny["reason"]) == (
        "fail",
        "cost.per_unit_usd is 0.0004436, not < 0.0001 (lower bound: 15 records unpriced)",
    )
    # The table says it is a lower bound, not "exact"; and nothing about it is "proved".
    cells = table_row(result.paper, "Under a dime")
    assert cells[2:] == ["≥ $0.0004", "lower bound: 15 records unpriced", "25", "⚠️ inconclusive"]
    assert "✅ Under a dime" not in result.paper
    assert (
        "⚠️ Under a dime: inconclusive, lower bound (lower bound: 15 records unpriced)"
        in result.paper
    )
    # paperkit summary shows the same cells as the paper.
    text = summary(json.loads(result.results), "exp", unit="call")
    assert (
        "| Under a dime | < $0.1000 | ≥ $0.0004 | lower bound: 15 records unpriced | 25 |" in text
    )


def test_a_day_without_claude_code_cost_makes_the_totals_lower_bounds(tmp_path: Path) -> None:
    # Usage on 14 and 15 January; Claude Code cost recorded on the 14th only. The 15th's
    # development cost is unknown, so every total that includes development is a lower bound.
    calls = jsonl(
        call(L8B, 0, input_tokens=1000, output_tokens=1000),
        call(L8B, 0, day="2025-01-15", input_tokens=1000, output_tokens=1000),
    )
    breakdown = jsonl({"timestamp": "2025-01-14T23:59:59Z", "claude_code_cost": 2.0})
    spec = spec_with(
        '{text: Total under a dollar, metric: cost.total_usd, op: "<", target: 1}',
        '{text: Total over a dollar, metric: cost.total_usd, op: ">", target: 1}',
        '{text: Running cheap, metric: cost.running_per_unit_usd, op: "<", target: 0.01}',
    )
    files = {"worker-ai.jsonl": calls, "cost-breakdown.jsonl": breakdown}
    result = build(tmp_path, files, spec)
    doc = json.loads(result.results)
    why = "1 day without Claude Code cost"
    for name in ("cost.total_usd", "cost.per_unit_usd", "cost.per_1k_units_usd"):
        assert doc["bounds"][name] == {"side": "lower", "why": why}
    # 2 × $0.001109 + $2.00 = $2.002218; running, per call: 0.002218 / 2 = 0.001109.
    assert doc["metrics"]["cost.total_usd"] == pytest.approx(2.002218, rel=1e-9)
    assert doc["metrics"]["cost.running_per_unit_usd"] == pytest.approx(0.001109, rel=1e-9)
    under, over, running = doc["criteria"]
    assert under["verdict"] == "fail"  # at least $2.00, so never under $1
    assert (over["verdict"], over["reason"]) == (
        "pass",
        f"cost.total_usd is 2.002 > 1 (lower bound: {why})",
    )
    assert (running["verdict"], running["bound"]) == ("pass", None)
    assert "**Total** | **≥ $1,001.1090**" in result.paper  # 2.002218 / 2 × 1,000
    assert "no Claude Code cost is recorded in cost-breakdown.jsonl for 1 day with usage" in (
        result.paper
    )
    assert "≥ $1,001.1090 per 1,000 calls; ≥ $2.0022 in total." in summary(doc, "exp", unit="call")


# 20 executions: 10 of 2.93 s and 10 of 3.13 s. Mean 3.03 s; s = √(20 × 0.1² / 19) = 0.102598;
# se = s / √20 = 0.0229416; t(0.975, 19) = 2.093024 (tables), so 3.03 ± 0.048017:
# 2.98198 s to 3.07802 s, wholly above 1 s although n = 20 is below the default min_n of 30.
EXECUTIONS = jsonl(
    *(
        {
            "timestamp": "2025-01-14T11:00:00Z",
            "execution_id": f"e{i}",
            "duration_ms": 2930 if i % 2 else 3130,
            "success": True,
        }
        for i in range(20)
    )
)


def test_a_mean_wholly_on_the_failing_side_fails_below_min_n(tmp_path: Path) -> None:
    spec = spec_with(
        '{text: Under a second, metric: workflows.duration_s.mean, op: "<", target: 1}',
        '{text: Under five seconds, metric: workflows.duration_s.mean, op: "<", target: 5}',
    )
    result = build(tmp_path, {"workflows.jsonl": EXECUTIONS}, spec)
    fails, passes = json.loads(result.results)["criteria"]
    assert fails["interval"]["low"] == pytest.approx(3.03 - 0.048017, abs=1e-6)
    assert fails["interval"]["high"] == pytest.approx(3.03 + 0.048017, abs=1e-6)
    assert fails["verdict"] == "fail"
    assert fails["reason"] == (
        "workflows.duration_s.mean is 3.03, not < 1: the whole 95% interval fails, "
        "even from n = 20 (below min_n 30)"
    )
    # min_n still stops a pass on too little data.
    assert (passes["verdict"], passes["reason"]) == (
        "inconclusive",
        "n = 20 is below min_n 30; too few to judge",
    )
    assert math.isclose(passes["value"], 3.03, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "$0.0000"),  # zero is zero
        (0.00004, "<$0.0001"),  # rounds to $0.0000 at four decimals, but is not nothing
        (0.00005, "$0.0001"),  # 0.00005 rounds half up here: 0.0001
        (0.0123, "$0.0123"),
        (-0.00003, "> -$0.0001"),
        (-0.5, "-$0.5000"),
    ],
)
def test_a_tiny_cost_never_reads_as_zero(value: float, shown: str) -> None:
    assert usd(value) == shown


@pytest.mark.parametrize(
    ("fraction", "digits", "shown"),
    [
        (0.0, 0, "0%"),
        (0.004, 0, "<1%"),  # 0.4% at no decimals would be "0%"
        (0.0004, 1, "<0.1%"),
        (0.0183, 0, "2%"),
        (0.9996, 1, ">99.9%"),  # 99.96% at one decimal would be "100.0%"
        (1.0, 1, "100.0%"),
    ],
)
def test_a_share_strictly_between_0_and_1_never_reads_as_0_or_100(
    fraction: float, digits: int, shown: str
) -> None:
    assert pct(fraction, digits) == shown


def spec_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "experiments.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperkitError) as caught:
        load_spec(path)
    return str(caught.value).replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize(
    ("metric", "target", "message"),
    [
        (
            "workflows.success_rate",
            "95",
            "workflows.success_rate is a fraction from 0 to 1: write 0.95 for 95%, not 95",
        ),
        (
            "ai.success_rate",
            "-0.1",
            "ai.success_rate is a fraction from 0 to 1: write 0.95 for 95%, not -0.1",
        ),
        (
            "comparison.cost_reduction",
            "50",
            "comparison.cost_reduction is a fraction of at most 1: write 0.5 for 50%, not 50",
        ),
    ],
)
def test_a_rate_target_outside_0_to_1_is_an_error(
    tmp_path: Path, metric: str, target: str, message: str
) -> None:
    text = spec_with(f'{{text: t, metric: {metric}, op: ">=", target: {target}}}')
    # Line 7 holds the criterion: version, root, experiments, exp, unit, criteria, then it.
    assert spec_error(tmp_path, text) == (
        f"experiments.yaml:7: experiments.exp.criteria[0].target: {message}"
    )


def test_rate_targets_at_0_and_1_and_a_negative_reduction_are_fine(tmp_path: Path) -> None:
    text = spec_with(
        '{text: a, metric: workflows.success_rate, op: ">=", target: 1}',
        '{text: b, metric: ai.success_rate, op: ">", target: 0}',
        '{text: c, metric: comparison.cost_reduction, op: ">", target: -2}',
    )
    (tmp_path / "experiments.yaml").write_text(text, encoding="utf-8")
    targets = [c.target for c in load_spec(tmp_path / "experiments.yaml").experiments[0].criteria]
    assert targets == [1.0, 0.0, -2.0]


def test_a_tolerance_written_as_a_percentage_is_an_error(tmp_path: Path) -> None:
    text = "version: 1\nreconcile_tolerance: 5\nexperiments: {}\n"
    assert spec_error(tmp_path, text) == (
        "experiments.yaml:2: reconcile_tolerance: is a fraction from 0 to 1: write 0.05 for 5%, "
        "not 5"
    )


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        (
            "version: 1\nexperiments:\n  e:\n    criteria:\n"
            "      - {text: a, metric: ai.calls, op: >=, target: 1}\n",
            5,
            'quote the operator: write op: ">=" (an unquoted >= means something else in YAML)',
        ),
        (
            "version: 1\nexperiments:\n  e:\n    criteria:\n      - text: a\n        op: >=\n",
            6,
            'quote the operator: write op: ">=" (an unquoted >= means something else in YAML)',
        ),
        (
            "version: 1\nexperiments:\n\te: {}\n",
            3,
            "a tab: YAML indents with spaces only; replace the tab with spaces",
        ),
        (
            "version: 1\nexperiments:\n  e:\n    title: x\n   hypothesis: y\n",
            5,
            "the indentation is off: the keys of one mapping must start in the same column",
        ),
        (
            "version: 1\nexperiments:\n  e:\n    title: Cost: a study\n",
            4,
            'a value holding ": " must be quoted, as in title: "Cost: a study"',
        ),
    ],
)
def test_a_yaml_slip_is_explained_at_its_line(
    tmp_path: Path, text: str, line: int, hint: str
) -> None:
    message = spec_error(tmp_path, text)
    assert message.startswith(f"experiments.yaml:{line}: {hint} (YAML syntax error: ")
