"""The metrics catalogue on small fixtures whose every expected number is worked out by hand.

Percentiles interpolate linearly (pandas' default): for n sorted values x[0..n-1] the q-th
quantile sits at position p = (n - 1) * q, i = floor(p), and is x[i] + (p - i) * (x[i+1] - x[i]).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import BGE, L8B, SPEC, build, jsonl

# The catalogue as the contract states it (not imported from paperkit).
CATALOGUE = """
ai.calls ai.succeeded ai.failed ai.success_rate ai.input_tokens ai.output_tokens
ai.latency_ms.mean ai.latency_ms.p50 ai.latency_ms.p95 ai.latency_ms.p99 ai.cost_usd
ai.cost_logged_usd ai.logged_cost_calls ai.unpriced_calls workflows.executions
workflows.succeeded workflows.failed workflows.success_rate workflows.duration_s.mean
workflows.duration_s.p50 workflows.duration_s.p95 workflows.steps.mean workflows.steps_failed
workflows.cost_usd units.count units.per_day.mean units.per_day.min days cost.worker_ai_usd
cost.workflows_usd cost.d1_usd cost.kv_usd cost.r2_usd cost.claude_code_usd cost.total_usd
cost.per_unit_usd cost.per_1k_units_usd cost.running_per_unit_usd dev.iterations dev.errors
dev.interventions
dev.intervention_minutes dev.error_fix_minutes dev.sessions dev.session_minutes
dev.claude_code.requests dev.claude_code.input_tokens dev.claude_code.output_tokens
dev.claude_code.cache_write_tokens dev.claude_code.cache_read_tokens dev.claude_code.cost_usd
dev.claude_code.unpriced_requests dev.claude_code.sessions dev.claude_code.prompts
dev.claude_code.api_errors dev.claude_code.tool_calls dev.claude_code.active_minutes
dev.claude_code.cache_read_share dev.claude_code.subagent_cost_share
dev.claude_code.cost_per_session_usd
quality.judgements quality.items quality.win_rate quality.not_worse_rate quality.score.mean
quality.score.n
comparison.cost_reduction comparison.latency_ratio analytics.ai.calls analytics.ai.input_tokens
analytics.ai.output_tokens analytics.ai.neurons analytics.ai.cost_usd
analytics.workflows.executions analytics.workflows.failed
""".split()

NEW_YORK = SPEC.replace("root: runs\n", "root: runs\ntimezone: America/New_York\n")


def call(**fields: Any) -> dict[str, Any]:
    """A worker-ai record: an 8b call on 2025-01-14 unless the fields say otherwise."""
    return {"timestamp": "2025-01-14T10:00:00Z", "model": L8B, **fields}


def execution(execution_id: str, **fields: Any) -> dict[str, Any]:
    """A workflows record on 2025-01-14 unless the fields say otherwise."""
    return {"timestamp": "2025-01-14T11:00:00Z", "execution_id": execution_id, **fields}


# Six calls. Latencies 300, 100, 1000, 700, 200 (the sixth call has none): sorted
# [100, 200, 300, 700, 1000], an odd set of n = 5. Call 4 has no known outcome.
AI_CALLS = jsonl(
    call(input_tokens=1000, output_tokens=100, latency_ms=300, success=True),
    call(input_tokens=2000, output_tokens=200, latency_ms=100, success=True),
    "",
    call(model=BGE, input_tokens=500, latency_ms=1000, success=False),
    call(input_tokens=100, output_tokens=10, latency_ms=700),
    "   ",
    call(input_tokens=400, output_tokens=40, latency_ms=200, success=True),
    call(input_tokens=50, output_tokens=5, success=True),
)

# Five executions. Durations 1, 2, 3, 7 s (the fifth has none): an even set of n = 4.
# Execution 5 has no known outcome, no steps and no steps_failed.
EXECUTIONS = jsonl(
    execution("e1", duration_ms=1000, steps=4, steps_failed=0, success=True),
    execution("e2", duration_ms=2000, steps=4, steps_failed=0, success=True),
    execution("e3", duration_ms=3000, steps=5, steps_failed=1, success=False, error="timeout"),
    execution("e4", duration_ms=7000, steps=4, steps_failed=0, success=True),
    execution("e5"),
)


def values_of(tmp_path: Path, logs: dict[str, str], spec: str = SPEC) -> dict[str, Any]:
    return build(tmp_path, logs, spec).metrics.values


def test_values_hold_exactly_the_catalogue_names(tmp_path: Path) -> None:
    assert sorted(values_of(tmp_path, {})) == sorted(CATALOGUE)
    assert len(CATALOGUE) == 75  # 60, and 15 dev.claude_code.* from claude-code.jsonl


def test_absent_files_give_null_for_every_metric(tmp_path: Path) -> None:
    result = build(tmp_path, {})
    assert result.metrics.values == dict.fromkeys(CATALOGUE)
    assert json.loads(result.results)["metrics"] == dict.fromkeys(CATALOGUE)


def test_empty_files_give_zero_counts_and_null_statistics(tmp_path: Path) -> None:
    names = "worker-ai.jsonl workflows.jsonl cloudflare.jsonl cost-breakdown.jsonl prompts.jsonl"
    empty = dict.fromkeys([*names.split(), "errors.log", "interventions.log", "log.md"], "")
    values = values_of(tmp_path, empty)
    zero = {
        "ai.calls": 0,
        "ai.succeeded": 0,
        "ai.failed": 0,
        "ai.input_tokens": 0,
        "ai.output_tokens": 0,
        "ai.logged_cost_calls": 0,
        "ai.unpriced_calls": 0,
        "workflows.executions": 0,
        "workflows.succeeded": 0,
        "workflows.failed": 0,
        "units.count": 0,  # workflows.executions, the default unit
        "dev.iterations": 0,
        "dev.errors": 0,
        "dev.interventions": 0,
        "dev.sessions": 0,
    }
    # workflows.steps_failed is checked on its own below.
    null = set(CATALOGUE) - set(zero) - {"workflows.steps_failed"}
    assert {name: values[name] for name in zero} == zero
    assert {name: values[name] for name in null} == dict.fromkeys(null)


def test_empty_workflows_file_gives_zero_failed_steps(tmp_path: Path) -> None:
    assert values_of(tmp_path, {"workflows.jsonl": ""})["workflows.steps_failed"] == 0


def test_ai_counts_tokens_and_success_rate(tmp_path: Path) -> None:
    result = build(tmp_path, {"worker-ai.jsonl": AI_CALLS})
    values = result.metrics.values
    assert result.warnings == ()  # blank lines are neither records nor skips
    assert values["ai.calls"] == 6
    assert values["ai.succeeded"] == 4  # calls 1, 2, 5, 6
    assert values["ai.failed"] == 1  # call 3
    # Call 4's outcome is unknown, so it is in neither count: 4 / (4 + 1)
    assert values["ai.success_rate"] == pytest.approx(0.8)
    assert values["ai.input_tokens"] == 4050  # 1000 + 2000 + 500 + 100 + 400 + 50
    assert values["ai.output_tokens"] == 355  # 100 + 200 + 10 + 40 + 5 (the embedding has none)


def test_token_total_with_no_token_counts_logged_is_null(tmp_path: Path) -> None:
    calls = jsonl(call(latency_ms=500, success=True), call(latency_ms=700, success=True))
    assert values_of(tmp_path, {"worker-ai.jsonl": calls})["ai.input_tokens"] is None


def test_ai_cost_of_the_fixture(tmp_path: Path) -> None:
    values = values_of(tmp_path, {"worker-ai.jsonl": AI_CALLS})
    # 8b: 3550 tokens in (1000+2000+100+400+50) at $0.282/M, 355 out at $0.827/M;
    # bge: 500 in at $0.067/M.  (1001.1 + 293.585 + 33.5) / 1e6 = 0.001328185
    assert values["ai.cost_usd"] == pytest.approx((3550 * 0.282 + 355 * 0.827 + 500 * 0.067) / 1e6)
    assert values["cost.worker_ai_usd"] == pytest.approx(0.001328185)
    assert values["ai.cost_logged_usd"] is None  # no call logged a cost_estimate
    assert values["ai.logged_cost_calls"] == 0
    assert values["ai.unpriced_calls"] == 0


def test_ai_latency_on_an_odd_set(tmp_path: Path) -> None:
    values = values_of(tmp_path, {"worker-ai.jsonl": AI_CALLS})
    # sorted [100, 200, 300, 700, 1000], n = 5
    assert values["ai.latency_ms.mean"] == pytest.approx(460.0)  # 2300 / 5
    assert values["ai.latency_ms.p50"] == pytest.approx(300.0)  # p = 4 * 0.5 = 2 -> x[2]
    # p = 4 * 0.95 = 3.8 -> 700 + 0.8 * (1000 - 700) = 940
    assert values["ai.latency_ms.p95"] == pytest.approx(940.0)
    # p = 4 * 0.99 = 3.96 -> 700 + 0.96 * 300 = 988
    assert values["ai.latency_ms.p99"] == pytest.approx(988.0)


def test_ai_latency_on_an_even_set(tmp_path: Path) -> None:
    calls = jsonl(*(call(latency_ms=ms) for ms in (700, 100, 300, 200)))
    values = values_of(tmp_path, {"worker-ai.jsonl": calls})
    # sorted [100, 200, 300, 700], n = 4
    assert values["ai.latency_ms.mean"] == pytest.approx(325.0)  # 1300 / 4
    assert values["ai.latency_ms.p50"] == pytest.approx(250.0)  # p = 1.5 -> 200 + 0.5 * 100
    # p = 3 * 0.95 = 2.85 -> 300 + 0.85 * (700 - 300) = 640
    assert values["ai.latency_ms.p95"] == pytest.approx(640.0)
    # p = 3 * 0.99 = 2.97 -> 300 + 0.97 * 400 = 688
    assert values["ai.latency_ms.p99"] == pytest.approx(688.0)


def test_workflow_metrics(tmp_path: Path) -> None:
    values = values_of(tmp_path, {"workflows.jsonl": EXECUTIONS})
    assert values["workflows.executions"] == 5
    assert values["workflows.succeeded"] == 3  # e1, e2, e4
    assert values["workflows.failed"] == 1  # e3
    assert values["workflows.success_rate"] == pytest.approx(0.75)  # 3 / (3 + 1); e5 unknown
    # durations in seconds, sorted [1, 2, 3, 7], n = 4
    assert values["workflows.duration_s.mean"] == pytest.approx(3.25)  # 13 / 4
    assert values["workflows.duration_s.p50"] == pytest.approx(2.5)  # p = 1.5 -> 2 + 0.5 * 1
    # p = 3 * 0.95 = 2.85 -> 3 + 0.85 * (7 - 3) = 6.4
    assert values["workflows.duration_s.p95"] == pytest.approx(6.4)
    assert values["workflows.steps.mean"] == pytest.approx(4.25)  # (4 + 4 + 5 + 4) / 4
    assert values["workflows.steps_failed"] == 1  # 0 + 0 + 1 + 0
    # No cpu_ms anywhere: each of the 5 executions is charged its invocation only,
    # 5 * 0.30 / 1e6 = 0.0000015, a lower bound.
    assert values["workflows.cost_usd"] == pytest.approx(0.0000015)


def test_units_and_days_on_one_day(tmp_path: Path) -> None:
    values = values_of(tmp_path, {"workflows.jsonl": EXECUTIONS})
    assert values["units.count"] == 5  # workflows.executions
    assert values["days"] == 1
    assert values["units.per_day.mean"] == pytest.approx(5.0)
    assert values["units.per_day.min"] == 5


def test_days_span_the_usage_records_of_all_three_files(tmp_path: Path) -> None:
    logs = {
        "workflows.jsonl": jsonl(execution("e1", timestamp="2025-01-14T12:00:00Z")),
        "worker-ai.jsonl": jsonl(call(timestamp="2025-01-16T12:00:00Z")),
        "cloudflare.jsonl": jsonl(
            {"timestamp": "2025-01-18T12:00:00Z", "resource": "d1", "rows_read": 1}
        ),
        # Development records are not usage: they do not stretch the period.
        "prompts.jsonl": jsonl({"timestamp": "2025-01-10T12:00:00Z", "prompt": "start"}),
    }
    result = build(tmp_path, logs)
    values = result.metrics.values
    assert values["days"] == 5  # 14, 15, 16, 17, 18 January
    assert values["units.count"] == 1
    # Per day [1, 0, 0, 0, 0]: empty days count as 0.
    assert values["units.per_day.min"] == 0
    assert values["units.per_day.mean"] == pytest.approx(0.2)  # 1 / 5
    assert "2025-01-14 to 2025-01-18, 5 days" in result.paper


def test_units_per_day_follow_the_unit_metric(tmp_path: Path) -> None:
    spec = SPEC.replace("exp: {}", "exp: {unit: {name: summary, count: ai.succeeded}}")
    calls = jsonl(
        call(timestamp="2025-01-14T10:00:00Z", success=True),
        call(timestamp="2025-01-14T11:00:00Z", success=False),
        call(timestamp="2025-01-15T10:00:00Z"),
        call(timestamp="2025-01-16T10:00:00Z", success=True),
        call(timestamp="2025-01-16T11:00:00Z", success=True),
    )
    values = values_of(tmp_path, {"worker-ai.jsonl": calls}, spec)
    assert values["units.count"] == 3  # the succeeded calls
    assert values["days"] == 3
    # Succeeded calls per day [1, 0, 2]: the 15th has a call, but not a succeeded one.
    assert values["units.per_day.min"] == 0
    assert values["units.per_day.mean"] == pytest.approx(1.0)  # 3 / 3


# 03:00 UTC on the 15th is 22:00 on the 14th in New York (UTC-5 in January); 12:00 UTC on
# the 16th is 07:00 on the 16th there.
TWO_EXECUTIONS = jsonl(
    execution("e1", timestamp="2025-01-15T03:00:00Z"),
    execution("e2", timestamp="2025-01-16T12:00:00Z"),
)


def test_days_in_utc(tmp_path: Path) -> None:
    result = build(tmp_path, {"workflows.jsonl": TWO_EXECUTIONS})
    values = result.metrics.values
    assert values["days"] == 2  # 15 and 16 January
    assert values["units.per_day.min"] == 1  # per day [1, 1]
    assert values["units.per_day.mean"] == pytest.approx(1.0)
    assert "2025-01-15 to 2025-01-16, 2 days" in result.paper


def test_time_zone_moves_a_record_to_the_day_before(tmp_path: Path) -> None:
    result = build(tmp_path, {"workflows.jsonl": TWO_EXECUTIONS}, NEW_YORK)
    values = result.metrics.values
    assert values["days"] == 3  # 14, 15 and 16 January, New York time
    assert values["units.per_day.min"] == 0  # per day [1, 0, 1]
    assert values["units.per_day.mean"] == pytest.approx(2 / 3)
    assert "2025-01-14 to 2025-01-16, 3 days" in result.paper


LOG_MD = """\
    # Experiment: test

    ## Session Log
    ### Session 1: 2025-01-13
    **Duration:** 2 hours
    **Goal:** Scaffold

    ### Session 2: 2025-01-14 - Workflows
    **Duration:** 1h 15m
    **Goal:** Orchestrate
"""


def test_dev_metrics(tmp_path: Path) -> None:
    logs = {
        "prompts.jsonl": jsonl(
            *(
                {"timestamp": f"2025-01-13T0{i}:00:00Z", "iteration": i, "prompt": "p"}
                for i in (1, 2, 3)
            )
        ),
        "errors.log": jsonl(
            {"timestamp": "2025-01-13T09:00:00Z", "error_type": "config", "fix_time": "5 min"},
            {"timestamp": "2025-01-13T10:00:00Z", "error_type": "timeout", "fix_time": "1h30m"},
            {"timestamp": "2025-01-13T11:00:00Z", "error_type": "other", "fix_time": "a while"},
        ),
        "interventions.log": jsonl(
            {"timestamp": "2025-01-13T09:30:00Z", "reason": "quality", "time_spent": "2 hours"},
            {"timestamp": "2025-01-14T09:30:00Z", "reason": "limits", "time_spent": "30 min"},
        ),
        "log.md": LOG_MD,
    }
    result = build(tmp_path, logs)
    values = result.metrics.values
    assert values["dev.iterations"] == 3
    assert values["dev.errors"] == 3
    # "a while" is no duration: left out (with a warning), the error itself still counts.
    assert values["dev.error_fix_minutes"] == pytest.approx(95.0)  # 5 + 90
    assert [str(w) for w in result.warnings] == [
        "runs/exp/errors.log:3: fix_time: cannot read 'a while' as a duration; treated as missing"
    ]
    assert values["dev.interventions"] == 2
    assert values["dev.intervention_minutes"] == pytest.approx(150.0)  # 120 + 30
    assert values["dev.sessions"] == 2
    assert values["dev.session_minutes"] == pytest.approx(195.0)  # 120 + 75


COMPARED = """\
version: 1
root: runs
experiments:
  exp:
    comparison: {name: Other, cost_per_1k_units_usd: 8.0, latency_s: 2.0}
"""


def test_comparison_cost_reduction_and_latency_ratio(tmp_path: Path) -> None:
    executions = jsonl(
        *(
            execution(f"e{i}", duration_ms=ms, cpu_ms=99_985)
            for i, ms in enumerate((1000, 2000, 3000, 6000))
        )
    )
    values = values_of(tmp_path, {"workflows.jsonl": executions}, COMPARED)
    # Each: (0.30 + 99,985 * 0.02) / 1e6 = (0.30 + 1,999.70) / 1e6 = 0.002 at list price.
    assert values["cost.workflows_usd"] == pytest.approx(0.008)  # 4 * 0.002
    assert values["cost.total_usd"] == pytest.approx(0.008)
    assert values["cost.per_unit_usd"] == pytest.approx(0.002)  # 0.008 / 4 executions
    assert values["cost.per_1k_units_usd"] == pytest.approx(2.0)  # 0.002 * 1000
    assert values["comparison.cost_reduction"] == pytest.approx(0.75)  # 1 - 2.0 / 8.0
    # workflows.duration_s.mean = (1 + 2 + 3 + 6) / 4 = 3 s; 3 / 2.0 = 1.5
    assert values["comparison.latency_ratio"] == pytest.approx(1.5)


def test_comparison_latency_metric_in_ms_is_taken_in_seconds(tmp_path: Path) -> None:
    spec = COMPARED.replace(
        "latency_s: 2.0}", "latency_s: 2.0, latency_metric: ai.latency_ms.mean}"
    )
    calls = jsonl(call(latency_ms=500), call(latency_ms=1500))
    values = values_of(tmp_path, {"worker-ai.jsonl": calls}, spec)
    # mean 1000 ms = 1.0 s; 1.0 / 2.0 = 0.5
    assert values["comparison.latency_ratio"] == pytest.approx(0.5)
    # No workflows.jsonl, so no units (workflows.executions) and no cost per 1K units.
    assert values["units.count"] is None
    assert values["comparison.cost_reduction"] is None


def test_skipped_worker_ai_records_are_in_no_number(tmp_path: Path) -> None:
    calls = jsonl(
        call(input_tokens=100, output_tokens=10, latency_ms=500, success=True),
        '{"timestamp": "2025-01-14T10:00:00Z", "model": ',
        "[1, 2]",
        call(timestamp="yesterday", input_tokens=1000, latency_ms=9000, success=False),
        {"timestamp": "2025-01-20T10:00:00Z", "input_tokens": 1000, "success": False},
        call(input_tokens=-5, latency_ms=9000, success=False),
        call(input_tokens=300, output_tokens=30, latency_ms=700, success=True),
    )
    result = build(tmp_path, {"worker-ai.jsonl": calls})
    values = result.metrics.values
    assert values["ai.calls"] == 2  # lines 1 and 7
    assert values["ai.failed"] == 0
    assert values["ai.success_rate"] == pytest.approx(1.0)
    assert values["ai.input_tokens"] == 400  # 100 + 300
    assert values["ai.output_tokens"] == 40  # 10 + 30
    assert values["ai.latency_ms.mean"] == pytest.approx(600.0)  # (500 + 700) / 2
    assert values["days"] == 1  # the skipped record of the 20th does not stretch the period
    warnings = [str(w) for w in result.warnings]
    assert [w.split(": ")[0] for w in warnings] == [
        f"runs/exp/worker-ai.jsonl:{line}" for line in (2, 3, 4, 5, 6)
    ]
    assert "not valid JSON" in warnings[0]
    assert "not a JSON object" in warnings[1]
    assert "timestamp" in warnings[2]
    assert "missing model" in warnings[3]
    assert "negative" in warnings[4]
    quality = json.loads(result.results)["data_quality"]
    assert quality["files"]["worker-ai.jsonl"] == {
        "lines": 7,
        "records": 2,
        "skipped": 5,
        "repeated": 0,
        "duplicates": 0,
    }


def test_skipped_workflow_records_are_in_no_number(tmp_path: Path) -> None:
    executions = jsonl(
        execution("e1", duration_ms=1000, success=True),
        {"timestamp": "2025-01-14T11:00:00Z", "duration_ms": 50000, "success": False},
        execution("e3", duration_ms=-1, success=False),
    )
    result = build(tmp_path, {"workflows.jsonl": executions})
    values = result.metrics.values
    assert values["workflows.executions"] == 1
    assert values["workflows.success_rate"] == pytest.approx(1.0)
    assert values["workflows.duration_s.mean"] == pytest.approx(1.0)
    assert values["units.count"] == 1
    warnings = [str(w) for w in result.warnings]
    assert warnings[0].startswith("runs/exp/workflows.jsonl:2: missing execution_id")
    assert warnings[1].startswith("runs/exp/workflows.jsonl:3: ")
    assert "negative" in warnings[1]
    assert len(warnings) == 2
