"""Verdicts on criteria and the outcome they add up to, as unit tests and through a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import build, jsonl

from paperkit.criteria import judge, outcome
from paperkit.spec_types import Criterion


def measured(metric: str, op: str, target: float) -> Criterion:
    return Criterion(text=f"{metric} {op} {target}", metric=metric, op=op, target=target)


def manual(verdict: str | None) -> Criterion:
    return Criterion(text="judged by a person", manual=True, verdict=verdict)


@pytest.mark.parametrize(
    ("op", "target", "verdict"),
    [
        (">=", 0.99, "pass"),
        (">=", 0.992, "pass"),  # equal to the target
        (">=", 0.995, "fail"),
        (">", 0.99, "pass"),
        (">", 0.992, "fail"),  # equal is not greater
        ("<=", 0.992, "pass"),
        ("<=", 0.9, "fail"),
        ("<", 1.0, "pass"),
        ("<", 0.992, "fail"),
        ("==", 0.992, "pass"),
        ("==", 0.99, "fail"),
    ],
)
def test_measured_criterion_holds_or_not(op: str, target: float, verdict: str) -> None:
    result = judge(
        measured("workflows.success_rate", op, target), {"workflows.success_rate": 0.992}
    )
    assert result.verdict == verdict
    assert result.value == 0.992


def test_measured_criterion_without_data_is_inconclusive() -> None:
    result = judge(measured("workflows.success_rate", ">=", 0.99), {"workflows.success_rate": None})
    assert result.verdict == "inconclusive"
    assert result.value is None


def test_zero_is_data_not_missing() -> None:
    result = judge(measured("units.per_day.min", ">=", 1), {"units.per_day.min": 0})
    assert result.verdict == "fail"


@pytest.mark.parametrize("verdict", ["pass", "fail", "inconclusive"])
def test_manual_criterion_takes_its_verdict(verdict: str) -> None:
    assert judge(manual(verdict), {}).verdict == verdict


def test_manual_criterion_without_verdict_is_inconclusive() -> None:
    assert judge(manual(None), {}).verdict == "inconclusive"


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
    assert outcome([judge(manual(v), {}) for v in verdicts]) == expected


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
      - {text: Reliable, metric: workflows.success_rate, op: ">=", target: 0.75}
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
    assert result.outcome == doc["outcome"] == "Partially validated"
    assert "**Hypothesis outcome:** Partially validated" in result.paper
    assert "Computed from 5 criteria: 2 passed, 1 failed, 2 inconclusive." in result.paper


def test_validated_with_caveats_through_a_build(tmp_path: Path) -> None:
    spec = "\n".join(line for line in SPEC.splitlines() if "Volume" not in line) + "\n"
    result = build(tmp_path, {"workflows.jsonl": EXECUTIONS}, spec)
    assert result.outcome == "Validated with caveats"
