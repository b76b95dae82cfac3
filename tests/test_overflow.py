"""Numbers that cannot be represented: no sum overflows, and results.json stays valid JSON.

A logged cost of 1e308 is a finite float, but two of them add up to Infinity, which JSON cannot
hold and no paper can show. Such a value is reported at its line and left out; a log.md heading
with a session number thousands of digits long is a skipped line, not a crash (issue 9).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import L70B, build, jsonl

from paperkit.logs.durations import parse_minutes


def strict_json(text: str) -> Any:
    """Parse JSON as the standard defines it: Infinity and NaN are not numbers there."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def call(minute: int, cost: object) -> dict[str, Any]:
    # The 70b model has no price, so each call costs its logged estimate.
    stamp = f"2025-01-14T10:{minute:02d}:00Z"
    return {"timestamp": stamp, "model": L70B, "input_tokens": 10, "cost_estimate": cost}


def test_costs_too_large_to_add_up_are_reported_and_left_out(tmp_path: Path) -> None:
    calls = jsonl(call(0, 1e308), call(1, 1e308), call(2, 0.5))
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    where = "runs/exp/worker-ai.jsonl"
    message = (
        "cost_estimate: 1e+308 is too large to add up (a sum would overflow); treated as missing"
    )
    assert [str(w) for w in result.warnings] == [f"{where}:1: {message}", f"{where}:2: {message}"]
    doc = strict_json(result.results)
    # 1e308 + 1e308 overflows; left out, the two calls are unpriced and the third costs $0.50.
    assert doc["metrics"]["ai.cost_usd"] == 0.5
    assert doc["metrics"]["ai.unpriced_calls"] == 2
    assert doc["bounds"]["cost.total_usd"] == {"side": "lower", "why": "2 records unpriced"}
    assert "inf" not in result.paper.lower().replace("infer", "")


def test_a_value_within_the_limit_is_kept(tmp_path: Path) -> None:
    # Three values: the limit is max_float / (1,024 × 3) ≈ 5.85e304; 1e304 is under it, and
    # 3 × 1e304 = 3e304 is finite.
    assert sys.float_info.max / (1024 * 3) > 1e304
    calls = jsonl(call(0, 1e304), call(1, 1e304), call(2, 1e304))
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    assert result.warnings == ()
    assert strict_json(result.results)["metrics"]["ai.cost_usd"] == pytest.approx(3e304)


def test_a_huge_count_skips_its_line(tmp_path: Path) -> None:
    calls = jsonl(
        {"timestamp": "2025-01-14T10:00:00Z", "model": L70B, "input_tokens": 1e308},
        {"timestamp": "2025-01-14T10:01:00Z", "model": L70B, "input_tokens": 10},
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    assert [str(w) for w in result.warnings] == [
        "runs/exp/worker-ai.jsonl:1: input_tokens: 1e+308 is too large to add up "
        "(a sum would overflow)"
    ]
    doc = strict_json(result.results)
    assert (doc["metrics"]["ai.calls"], doc["metrics"]["ai.input_tokens"]) == (1, 10)
    assert doc["data_quality"]["files"]["worker-ai.jsonl"]["skipped"] == 1


LOG_MD = """\
# Experiment: exp

### Session 1: 2025-01-14 - first
**Duration:** 2 hours

### Session {digits}: 2025-01-15 - absurd
**Duration:** 1 hour

### Session 2: 2025-01-16 - endless
**Duration:** 1{zeros} hours
"""


def test_a_session_number_thousands_of_digits_long_is_a_skipped_line(tmp_path: Path) -> None:
    # 5,000 digits: past Python's 4,300-digit limit for turning text into an int. The duration
    # "1" and 400 zeros hours is more than a float holds, so it cannot be read.
    text = LOG_MD.format(digits="7" * 5000, zeros="0" * 400)
    result = build(tmp_path, {"log.md": text})
    assert [str(w) for w in result.warnings] == [
        "runs/exp/log.md:6: session number of 5,000 digits; heading skipped",
        "runs/exp/log.md:9: Duration: cannot read '1"
        + "0" * 400
        + " hours' as a duration; treated as missing",
    ]
    doc = strict_json(result.results)
    assert doc["metrics"]["dev.sessions"] == 2
    assert doc["metrics"]["dev.session_minutes"] == 120.0  # session 1 only: 2 hours
    assert doc["data_quality"]["files"]["log.md"]["skipped"] == 1


@pytest.mark.parametrize("text", ["1" + "0" * 400, "1" + "0" * 400 + " minutes", "9" * 400 + "h"])
def test_a_duration_too_long_for_a_float_is_no_duration(text: str) -> None:
    assert parse_minutes(text) is None
