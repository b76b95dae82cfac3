"""Verdicts on criteria and the outcome they add up to, as unit tests and through a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import build, jsonl

from paperkit.measure.criteria import judge, outcome
from paperkit.measure.evidence import EXACT, QUANTILE, RATE, Measurement
from paperkit.measure.intervals import wilson
from paperkit.spec.types import Criterion


def measured(metric: str, op: str, target: float) -> Criterion:
    return Criterion(text=f"{metric} {op} {target}", metric=metric, op=op, target=target)


def manual(verdict: str | None) -> Criterion:
    return Criterion(text="judged by a person", manual=True, verdict=verdict)


def exact(metric: str, value: float | None) -> Measurement:
    """A measurement of an exact metric (no interval), as ``evidence.measure`` returns it."""
    return Measurement(metric, value, EXACT, 10, None)


def rate(successes: int, n: int) -> Measurement:
    """A success-rate measurement with its Wilson interval at 95%."""
    return Measurement("workflows.success_rate", successes / n, RATE, n, wilson(successes, n, 0.95))


@pytest.mark.parametrize(
    ("op", "target", "verdict"),
    [
        (">=", 4, "pass"),
        (">=", 4.5, "pass"),  # equal to the target
        (">=", 5, "fail"),
        (">", 4, "pass"),
        (">", 4.5, "fail"),  # equal is not greater
        ("<=", 4.5, "pass"),
        ("<=", 4, "fail"),
        ("<", 5, "pass"),
        ("<", 4.5, "fail"),
        ("==", 4.5, "pass"),
        ("==", 4, "fail"),
    ],
)
def test_exact_metric_is_judged_on_its_value(op: str, target: float, verdict: str) -> None:
    result = judge(measured("units.per_day.min", op, target), exact("units.per_day.min", 4.5), 0.95)
    assert result.verdict == verdict
    assert result.value == 4.5
    assert result.interval is None


def test_measured_criterion_without_data_is_inconclusive() -> None:
    result = judge(measured("units.per_day.min", ">=", 1), exact("units.per_day.min", None), 0.95)
    assert (result.verdict, result.why) == ("inconclusive", "no data")
    assert result.value is None


def test_zero_is_data_not_missing() -> None:
    result = judge(measured("units.per_day.min", ">=", 1), exact("units.per_day.min", 0), 0.95)
    assert result.verdict == "fail"


def test_twenty_of_twenty_is_inconclusive_not_pass() -> None:
    # 20/20 at 95%: Wilson low = n / (n + z^2) = 20 / (20 + 1.96^2) = 20 / 23.84 = 0.839, so the
    # interval [0.839, 1] straddles 0.99; n = 20 is below the default min_n of 30 as well.
    result = judge(measured("workflows.success_rate", ">=", 0.99), rate(20, 20), 0.95)
    assert (result.verdict, result.why) == ("inconclusive", "n too small")
    relaxed = Criterion(text="t", metric="workflows.success_rate", op=">=", target=0.99, min_n=10)
    result = judge(relaxed, rate(20, 20), 0.95)
    assert (result.verdict, result.why) == ("inconclusive", "interval straddles")
    assert result.reason == "the 95% interval straddles the target 0.99"


def test_interval_near_its_target() -> None:
    # 95/100 at 95%: p = 0.95, z^2 = 3.8415; centre = (0.95 + 3.8415/200) / (1 + 3.8415/100)
    # = 0.969207 / 1.038415 = 0.933352; half = 1.96 / 1.038415 * sqrt(0.0475/100 + 3.8415/40000)
    # = 1.887500 * sqrt(0.000475 + 0.0000960) = 1.887500 * 0.023896 = 0.045104:
    # [0.888248, 0.978456]. The point 0.95 passes >= 0.90, but the low end does not.
    criterion = measured("workflows.success_rate", ">=", 0.90)
    result = judge(criterion, rate(95, 100), 0.95)
    assert result.verdict == "inconclusive"
    assert result.interval is not None
    assert result.interval.low == pytest.approx(0.888248, abs=1e-5)
    assert judge(measured("workflows.success_rate", ">=", 0.88), rate(95, 100), 0.95).verdict == (
        "pass"
    )
    # Wholly below: high 0.978456 < 0.98.
    assert judge(measured("workflows.success_rate", ">=", 0.98), rate(95, 100), 0.95).verdict == (
        "fail"
    )


def test_interval_false_judges_the_point_value() -> None:
    criterion = Criterion(
        text="t", metric="workflows.success_rate", op=">=", target=0.90, interval=False
    )
    result = judge(criterion, rate(95, 100), 0.95)
    assert result.verdict == "pass"  # 0.95 >= 0.90, the interval is not consulted
    assert "interval: false" in result.reason


def test_sampled_metric_without_an_interval_is_inconclusive() -> None:
    measurement = Measurement("ai.latency_ms.p99", 900.0, QUANTILE, 50, None)
    criterion = Criterion(text="t", metric="ai.latency_ms.p99", op="<", target=1000, min_n=10)
    result = judge(criterion, measurement, 0.95)
    assert (result.verdict, result.why) == ("inconclusive", "no interval")
    assert result.reason == "too few records for a 95% interval on ai.latency_ms.p99"


@pytest.mark.parametrize("verdict", ["pass", "fail", "inconclusive"])
def test_manual_criterion_takes_its_verdict(verdict: str) -> None:
    assert judge(manual(verdict), None, 0.95).verdict == verdict


def test_manual_criterion_without_verdict_is_inconclusive() -> None:
    assert judge(manual(None), None, 0.95).verdict == "inconclusive"


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (["pass"], "Validated"),
        (["pass", "pass"], "Validated"),
        (["pass", "inconclusive"], "Validated with caveats"),
        (["pass", "fail"], "Partially validated"),
        (["pass", "fail", "inconclusive"], "Partially validated"),
        (["fail"], "Refuted"),
        (["fail", "inconclusive"], "Refuted"),
        (["inconclusive", "inconclusive"], "Inconclusive"),
        ([], "Inconclusive"),
    ],
)
def test_outcome(verdicts: list[str], expected: str) -> None:
    assert outcome([judge(manual(v), None, 0.95) for v in verdicts]) == expected


# Workflows: 3 succeeded, 1 failed -> success rate 3 / 4 = 0.75; all on one day, so
# units.per_day.min = 4. No worker-ai.jsonl, so ai.success_rate is null.
EXECUTIONS = jsonl(
    *(
        {"timestamp": "2025-01-14T11:00:00Z", "execution_id": f"e{i}", "success": ok}
        for i, ok in enumerate((True, True, False, True))
    )
)
SPEC = """\
version: 1
root: runs
experiments:
  exp:
    criteria:
      - text: Reliable
        metric: workflows.success_rate
        target: 0.75
        interval: false  # judge the point value: 3 / 4 = 0.75 >= 0.75
        min_n: 4
      - {text: Volume, metric: units.per_day.min, op: ">=", target: 1000}
      - {text: Inferences succeed, metric: ai.success_rate, op: ">=", target: 0.99}
      - {text: Readable summaries, manual: true, verdict: pass, evidence: Read 20.}
      - {text: Comparable to GPT-4o, manual: true}
"""


def test_verdicts_and_outcome_through_a_build(tmp_path: Path) -> None:
    result = build(tmp_path, {"workflows.jsonl": EXECUTIONS}, SPEC)
    doc = json.loads(result.results)
    assert [(c["text"], c["value"], c["verdict"]) for c in doc["criteria"]] == [
        ("Reliable", 0.75, "pass"),  # 0.75 >= 0.75
        ("Volume", 4.0, "fail"),  # 4 < 1000
        ("Inferences succeed", None, "inconclusive"),  # no worker-ai.jsonl
        ("Readable summaries", None, "pass"),
        ("Comparable to GPT-4o", None, "inconclusive"),  # no verdict written
    ]
    assert result.outcome == doc["outcome"]["computed"] == "Partially validated"
    assert "**Hypothesis outcome:** Partially validated" in result.paper
    assert "Computed from 5 criteria: 2 passed, 1 failed, 2 inconclusive." in result.paper


def test_validated_with_caveats_through_a_build(tmp_path: Path) -> None:
    spec = "\n".join(line for line in SPEC.splitlines() if "Volume" not in line) + "\n"
    result = build(tmp_path, {"workflows.jsonl": EXECUTIONS}, spec)
    assert result.outcome == "Validated with caveats"
