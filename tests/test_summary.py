"""The step summary: exact Markdown for a hand-made results.json, and GitHub's size limit."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from paperkit.errors import PaperkitError
from paperkit.paper.summary import LIMIT, summary

RESULTS: dict[str, Any] = {
    "experiment": "demo",
    "metrics": {"cost.per_1k_units_usd": 12.5, "cost.total_usd": 2.0, "ai.unpriced_calls": 3},
    "bounds": {
        "cost.total_usd": {"side": "lower", "why": "3 records unpriced"},
        "cost.per_1k_units_usd": {"side": "lower", "why": "3 records unpriced"},
    },
    "criteria": [
        {
            "text": "99%+ workflows succeed",
            "metric": "workflows.success_rate",
            "where": None,
            "op": ">=",
            "target": 0.99,
            "value": 0.9634,
            "n": 1600,
            "interval": {"low": 0.92, "high": 0.98, "method": "Wilson", "confidence": 0.95},
            "kind": "rate",
            "interval_used": True,
            "bound": None,
            "verdict": "fail",
            "reason": "workflows.success_rate >= 0.99: the whole 95% interval fails",
        },
        {
            "text": "p95 | under 2 s",
            "metric": "ai.latency_ms.p95",
            "where": {"model": ["a", "b"], "operation": ["summarization"]},
            "op": "<",
            "target": 2000.0,
            "value": 1436.2,
            "n": 159,
            "interval": None,
            "kind": "quantile",
            "interval_used": False,
            "bound": None,
            "verdict": "pass",
            "reason": "ai.latency_ms.p95 < 2000 (interval: false)",
        },
        {
            "text": "At least 100 calls",
            "metric": "ai.calls",
            "where": None,
            "op": ">=",
            "target": 100.0,
            "value": None,
            "n": None,
            "interval": None,
            "kind": "exact",
            "interval_used": True,
            "bound": None,
            "verdict": "inconclusive",
            "reason": "no data for ai.calls",
        },
        {
            "text": "Reads well",
            "metric": None,
            "where": None,
            "op": None,
            "target": None,
            "value": None,
            "n": None,
            "interval": None,
            "verdict": "pass",
            "reason": "read 20 outputs",
        },
    ],
    "outcome": {"computed": "Partially validated", "declared": "Validated", "reason": "gut"},
    "data_quality": {
        "files": {
            "worker-ai.jsonl": {"lines": 10, "records": 8, "skipped": 2},
            "workflows.jsonl": {"lines": 5, "records": 5, "skipped": 0},
            "errors.log": {"lines": 4, "records": 3, "skipped": 1},
        },
        "warnings": ["w:1: a", "w:2: b", "e:3: c", "w:9: d"],
        "left_out_of_window": {},
    },
}

# Worked out by hand: 0.9634 is 96.3%; 1436.2 ms rounds to 1,436 ms; a pipe in a cell is
# escaped; 3 unpriced calls make both costs lower bounds; 3 of the 4 warnings are skipped lines.
EXPECTED = """\
## demo: Partially validated (declared: Validated)

Criteria: 2 pass, 1 fail, 1 inconclusive (of 4).

| Criterion | Target | Measured | Interval | n | Verdict |
|---|---|---|---|---|---|
| 99%+ workflows succeed | >= 99.0% | 96.3% | 92.0% to 98.0% (95% Wilson) | 1,600 | ❌ fail |
| p95 \\| under 2 s (where model = a or b, operation = summarization) | < 2,000 ms | 1,436 ms \
| not used (interval: false) | 159 | ✅ pass |
| At least 100 calls | >= 100 | no data | n/a | n/a | ⚠️ inconclusive |
| Reads well | judged by hand | judged by hand | n/a | n/a | ✅ pass |

**Cost:** ≥ $12.5000 per 1,000 pages; ≥ $2.0000 in total. Lower bounds: 3 records unpriced.

**Data problems:** 4 log warnings, including 3 skipped lines (worker-ai.jsonl 2, errors.log 1); \
see the paper's Data Quality section.
"""


def test_summary_of_a_small_results_json() -> None:
    assert summary(RESULTS, "demo", unit="page") == EXPECTED


def test_same_declared_outcome_no_criteria_unknown_cost_and_clean_data() -> None:
    results = copy.deepcopy(RESULTS)
    results["outcome"] = {"computed": "Inconclusive", "declared": "Inconclusive", "reason": None}
    results["criteria"] = []
    results["metrics"] = {"cost.per_1k_units_usd": None, "cost.total_usd": None}
    results["bounds"] = {}
    results["data_quality"] = {"files": {}, "warnings": [], "left_out_of_window": {}}
    assert summary(results, "bare") == (
        "## bare: Inconclusive\n"
        "\n"
        "No success criteria are stated.\n"
        "\n"
        "**Cost:** n/a per 1,000 units; n/a in total.\n"
        "\n"
        "**Data problems:** none.\n"
    )


def test_a_zero_cost_is_shown_as_zero_and_a_missing_one_never_is() -> None:
    results = copy.deepcopy(RESULTS)
    results["metrics"] = {"cost.per_1k_units_usd": None, "cost.total_usd": 0.0}
    results["bounds"] = {}
    text = summary(results, "demo", unit="page")
    assert "**Cost:** n/a per 1,000 pages; $0.0000 in total.\n" in text


def test_the_example_experiment(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    path = root / ".claude" / "experiments" / "ai-content-pipeline" / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    text = summary(results, "ai-content-pipeline", unit="document")
    assert text.startswith(f"## ai-content-pipeline: {results['outcome']['computed']}")
    assert text.count("\n| ") == len(results["criteria"]) + 1  # the header and one per row
    assert summary(results, "ai-content-pipeline", unit="document") == text


def _many(count: int, text: str) -> dict[str, Any]:
    """Returns RESULTS with ``count`` criteria whose texts all have the same length."""
    results = copy.deepcopy(RESULTS)
    first = results["criteria"][0]
    results["criteria"] = [{**first, "text": f"{i:05d} {text}"} for i in range(count)]
    return results


@pytest.mark.parametrize(
    "text", ["criterion " + "x" * 300, "測試" * 150], ids=["ascii", "three-byte characters"]
)
def test_a_long_table_loses_rows_from_the_end_to_fit_the_limit(text: str) -> None:
    out = summary(_many(5_000, text), "demo", unit="page")
    size = len(out.encode("utf-8"))
    assert len(out) <= size <= LIMIT
    rows = [line for line in out.splitlines() if line.startswith("| 0")]
    kept = len(rows)
    assert 0 < kept < 5_000
    assert [row[2:7] for row in rows] == [f"{i:05d}" for i in range(kept)]
    # As many rows as fit: one more (every row has the same size) would not.
    assert size + len(rows[-1].encode("utf-8")) + 1 > LIMIT
    note = (
        f"_{5_000 - kept:,} more criteria left out to keep this summary within 65,536 "
        "characters; see results.json._"
    )
    assert f"{rows[-1]}\n\n{note}\n\n**Cost:**" in out
    assert out.endswith("see the paper's Data Quality section.\n")
    assert out.startswith(
        "## demo: Partially validated (declared: Validated)\n\nCriteria: 5,000 fail"
    )


def test_a_table_that_fits_keeps_every_row() -> None:
    out = summary(_many(100, "short"), "demo")
    assert out.count("\n| 0") == 100
    assert "left out to keep this" not in out


def test_the_first_table_too_long_for_the_limit_says_what_it_left_out() -> None:
    # Rows of 2,000 characters: about 30 fill the limit. Find the first count that overflows.
    total = 1
    while "to keep this summary within" not in (out := summary(_many(total, "y" * 2_000), "demo")):
        total += 1
    kept = out.count("\n| 0")
    assert kept in (total - 1, total - 2)  # the row that overflowed, and maybe one for the note
    what = "criterion" if total - kept == 1 else "criteria"
    assert f"\n_{total - kept} more {what} left out to keep this" in out
    assert len(out.encode("utf-8")) <= LIMIT


def test_a_results_json_missing_a_section_is_a_paperkit_error() -> None:
    results = copy.deepcopy(RESULTS)
    del results["outcome"]
    with pytest.raises(PaperkitError) as err:
        summary(results, "demo")
    assert str(err.value) == "demo: not a results.json paperkit wrote (KeyError: 'outcome')"
