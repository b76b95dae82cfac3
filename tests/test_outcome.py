"""The declared outcome beside the computed one, and verdicts with intervals through a build."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import L8B, build, jsonl, wilson_by_hand

from paperkit.cli import cli
from paperkit.errors import DataWarning

# --- declared against computed ----------------------------------------------------------------

# Two calls: ai.calls = 2 passes ">= 1" and fails ">= 5" (exact counts, no interval).
CALLS = jsonl(
    *(
        {"timestamp": f"2025-01-14T10:0{i}:00Z", "model": L8B, "input_tokens": 100, "success": True}
        for i in range(2)
    )
)
# Line 6: first criterion, line 7: second, line 8: the outcome.
DECLARED = """\
version: 1
root: runs
experiments:
  exp:
    criteria:
      - {text: Some calls, metric: ai.calls, target: 1}
      - {text: Enough calls, metric: ai.calls, target: 5}
    outcome: {verdict: VERDICT, reason: It worked on the demo}
"""


def declared(verdict: str) -> str:
    return DECLARED.replace("VERDICT", verdict)


def test_declared_validated_against_a_failing_criterion(tmp_path: Path) -> None:
    # pass + fail -> computed "Partially validated"; "Validated" is contradicted by the fail only
    result = build(tmp_path, {"worker-ai.jsonl": CALLS}, declared("Validated"))
    assert result.outcome == "Partially validated"
    assert json.loads(result.results)["outcome"] == {
        "computed": "Partially validated",
        "declared": "Validated",
        "reason": "It worked on the demo",
    }
    assert "**Hypothesis outcome:** Partially validated" in result.paper
    assert (
        "The authors declared **Validated** (It worked on the demo), but the criteria give "
        "**Partially validated**.\n"
        "\n"
        "The criteria that disagree with the declared outcome:\n"
        "\n"
        "- Enough calls: fail (ai.calls is 2, not >= 5 (exact))\n"
    ) in result.paper
    assert "- Some calls: pass" not in result.paper


def test_declared_refuted_lists_the_passing_criterion(tmp_path: Path) -> None:
    result = build(tmp_path, {"worker-ai.jsonl": CALLS}, declared("Refuted"))
    assert "- Some calls: pass (ai.calls is 2 >= 1 (exact))\n" in result.paper
    assert "- Enough calls: fail" not in result.paper


def test_disagreement_is_a_warning_at_the_outcome_line(tmp_path: Path) -> None:
    result = build(tmp_path, {"worker-ai.jsonl": CALLS}, declared("Validated"))
    assert result.warnings == (
        DataWarning(
            "experiments.yaml",
            8,
            "experiments.exp.outcome: declared 'Validated' but the criteria give "
            "'Partially validated'",
        ),
    )


def test_matching_declared_outcome_gives_no_warning(tmp_path: Path) -> None:
    result = build(tmp_path, {"worker-ai.jsonl": CALLS}, declared("Partially validated"))
    assert result.warnings == ()
    assert "The authors declared the same outcome (It worked on the demo)." in result.paper
    assert "but the criteria give" not in result.paper
    assert json.loads(result.results)["outcome"]["declared"] == "Partially validated"


def test_no_declared_outcome(tmp_path: Path) -> None:
    spec = "\n".join(DECLARED.splitlines()[:-1]) + "\n"
    result = build(tmp_path, {"worker-ai.jsonl": CALLS}, spec)
    assert result.warnings == ()
    assert json.loads(result.results)["outcome"] == {
        "computed": "Partially validated",
        "declared": None,
        "reason": None,
    }
    assert "The authors declared" not in result.paper


# The CLI: the spec in the working directory, so the warning reads experiments.yaml:LINE.
CLI_SPEC = """\
version: 1
experiments:
  demo:
    criteria:
      - {text: Enough calls, metric: ai.calls, target: 5}
    outcome: {verdict: Validated}
"""
CLI_WARNING = (
    "warning: experiments.yaml:6: experiments.demo.outcome: declared 'Validated' but the "
    "criteria give 'Refuted'\n"
)


def cli_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments.yaml").write_text(CLI_SPEC)
    folder = tmp_path / ".claude/experiments/demo"
    folder.mkdir(parents=True)
    (folder / "worker-ai.jsonl").write_text(CALLS)
    return folder


def test_strict_build_refuses_a_contradicted_declared_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cli_project(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["build", "demo", "--strict"])
    assert result.exit_code == 1
    assert result.stderr.startswith(CLI_WARNING)
    assert "--strict accepts none (see the warnings above)\n" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["worker-ai.jsonl"]


def test_lenient_build_prints_the_warning_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cli_project(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["build", "demo"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(CLI_WARNING)
    assert result.stderr.count("warning: ") == 1
    assert json.loads((folder / "results.json").read_text())["outcome"]["declared"] == "Validated"


def test_strict_build_accepts_a_matching_declared_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cli_project(tmp_path, monkeypatch)
    (tmp_path / "experiments.yaml").write_text(CLI_SPEC.replace("Validated", "Refuted"))
    result = CliRunner().invoke(cli, ["build", "demo", "--strict"])
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert (folder / "PAPER.md").is_file()


# --- intervals through a build -----------------------------------------------------------------

Z95 = 1.959964  # standard normal quantiles from a table: at 0.975 ...
Z99 = 2.575829  # ... and at 0.995


def executions(succeeded: int, failed: int = 0) -> str:
    outcomes = [True] * succeeded + [False] * failed
    return jsonl(
        *(
            {"timestamp": "2025-01-14T10:00:00Z", "execution_id": f"e{i}", "success": ok}
            for i, ok in enumerate(outcomes)
        )
    )


def one_criterion(criterion: str, top: str = "") -> str:
    header = f"version: 1\nroot: runs\n{top}experiments:\n  exp:\n    criteria:\n"
    return header + f"      - {criterion}\n"


RELIABLE = "{text: Reliable, metric: workflows.success_rate, target: 0.99"


def judged(tmp_path: Path, logs: dict[str, str], spec: str) -> tuple[dict[str, Any], str]:
    result = build(tmp_path, logs, spec)
    (row,) = json.loads(result.results)["criteria"]
    return row, result.paper


def test_twenty_of_twenty_is_too_few(tmp_path: Path) -> None:
    row, paper = judged(
        tmp_path, {"workflows.jsonl": executions(20)}, one_criterion(RELIABLE + "}")
    )
    assert (row["value"], row["n"], row["verdict"]) == (1.0, 20, "inconclusive")
    assert row["reason"] == "n = 20 is below min_n 30; too few to judge"
    assert "- Reliable: inconclusive, n too small (n = 20 is below min_n 30; too few to judge)" in (
        paper
    )


def test_forty_of_forty_straddles_the_target(tmp_path: Path) -> None:
    row, paper = judged(
        tmp_path, {"workflows.jsonl": executions(40)}, one_criterion(RELIABLE + "}")
    )
    # Wilson low at 40 of 40 = 40 / (40 + 1.96^2) = 40 / 43.8415 = 0.9124 < 0.99 <= 1
    assert row["interval"]["low"] == pytest.approx(40 / (40 + Z95**2), abs=1e-6)
    assert row["interval"]["low"] == pytest.approx(0.9124, abs=1e-4)
    assert row["interval"]["high"] == 1.0
    assert (row["n"], row["verdict"]) == (40, "inconclusive")
    assert row["reason"] == "the 95% interval straddles the target 0.99"
    assert "| Reliable | >= 99.0% | 100.0% | 91.2% to 100.0% (95% Wilson) | 40 |" in paper


def test_interval_false_judges_the_point_value(tmp_path: Path) -> None:
    criterion = RELIABLE + ", interval: false, min_n: 20}"
    row, paper = judged(tmp_path, {"workflows.jsonl": executions(20)}, one_criterion(criterion))
    assert (row["value"], row["verdict"]) == (1.0, "pass")  # 20 / 20 = 1.0 >= 0.99
    assert "not used (interval: false)" in paper


def test_interval_false_still_needs_min_n(tmp_path: Path) -> None:
    criterion = RELIABLE + ", interval: false, min_n: 21}"
    row, _ = judged(tmp_path, {"workflows.jsonl": executions(20)}, one_criterion(criterion))
    assert row["verdict"] == "inconclusive"  # 20 < 21


# 95 of 100 against >= 0.88. At 95%: z^2 = 3.8415, low = 0.8882 (test_criteria works it out),
# wholly above 0.88: pass. At 99%: z = 2.5758, z^2 = 6.6349; centre = (0.95 + 6.6349/200) /
# (1 + 6.6349/100) = 0.98317 / 1.06635 = 0.92200; half = 2.5758 / 1.06635 * sqrt(0.0475/100 +
# 6.6349/40000) = 2.41553 * 0.025316 = 0.06115: [0.8609, 0.9831], which straddles 0.88.
NINETY_FIVE = {"workflows.jsonl": executions(95, 5)}
NEAR = "{text: Reliable, metric: workflows.success_rate, target: 0.88"


def test_default_confidence_passes_95_of_100(tmp_path: Path) -> None:
    row, _ = judged(tmp_path, NINETY_FIVE, one_criterion(NEAR + "}"))
    assert row["verdict"] == "pass"
    assert row["interval"]["confidence"] == 0.95
    assert row["interval"]["low"] == pytest.approx(wilson_by_hand(95, 100, Z95)[0], abs=1e-6)


def test_top_level_confidence_widens_the_interval(tmp_path: Path) -> None:
    row, paper = judged(tmp_path, NINETY_FIVE, one_criterion(NEAR + "}", "confidence: 0.99\n"))
    low, high = wilson_by_hand(95, 100, Z99)
    assert (low, high) == pytest.approx((0.8609, 0.9831), abs=1e-4)
    assert row["interval"]["low"] == pytest.approx(low, abs=1e-6)
    assert row["interval"]["high"] == pytest.approx(high, abs=1e-6)
    assert row["interval"]["confidence"] == 0.99
    assert row["verdict"] == "inconclusive"
    assert row["reason"] == "the 99% interval straddles the target 0.88"
    assert "passes only when its whole 99% interval is on the passing side" in paper
    assert "86.1% to 98.3% (99% Wilson)" in paper


def test_criterion_confidence_overrides_the_top_level_one(tmp_path: Path) -> None:
    spec = one_criterion(NEAR + ", confidence: 0.95}", "confidence: 0.99\n")
    row, _ = judged(tmp_path, NINETY_FIVE, spec)
    assert (row["interval"]["confidence"], row["verdict"]) == (0.95, "pass")


# Latencies 100, 200, 300, 400, 500 ms: mean 300; deviations -200..200, squares sum to
# 100,000; s = sqrt(100,000 / 4) = 158.11; t(0.975, 4 df) = 2.776 (table);
# half = 2.776 * 158.11 / sqrt(5) = 2.776 * 70.711 = 196.29: [103.7, 496.3].
LATENCIES = (100, 200, 300, 400, 500)
LATENCY_LOGS = {
    "worker-ai.jsonl": jsonl(
        *({"timestamp": "2025-01-14T10:00:00Z", "model": L8B, "latency_ms": ms} for ms in LATENCIES)
    )
}
T_975_4 = 2.776


def test_mean_latency_wholly_below_its_target_passes(tmp_path: Path) -> None:
    spec = one_criterion("{text: Fast, metric: ai.latency_ms.mean, op: '<', target: 600, min_n: 5}")
    row, _ = judged(tmp_path, LATENCY_LOGS, spec)
    mean = statistics.fmean(LATENCIES)
    half = T_975_4 * statistics.stdev(LATENCIES) / math.sqrt(len(LATENCIES))
    assert (mean, half) == pytest.approx((300.0, 196.29), abs=0.01)
    assert row["value"] == 300.0
    assert row["interval"]["method"] == "t"
    assert row["interval"]["low"] == pytest.approx(mean - half, abs=0.05)  # t rounded to 3 places
    assert row["interval"]["high"] == pytest.approx(mean + half, abs=0.05)
    assert (row["n"], row["verdict"]) == (5, "pass")  # 496.3 < 600


def test_mean_latency_straddling_its_target_is_inconclusive(tmp_path: Path) -> None:
    # The point value 300 < 400 passes, but the interval [103.7, 496.3] reaches past 400.
    spec = one_criterion("{text: Fast, metric: ai.latency_ms.mean, op: '<', target: 400, min_n: 5}")
    row, _ = judged(tmp_path, LATENCY_LOGS, spec)
    assert row["verdict"] == "inconclusive"


def test_mean_latency_wholly_above_its_target_fails(tmp_path: Path) -> None:
    spec = one_criterion("{text: Fast, metric: ai.latency_ms.mean, op: '<', target: 100, min_n: 5}")
    row, _ = judged(tmp_path, LATENCY_LOGS, spec)
    assert row["verdict"] == "fail"  # 103.7 >= 100
