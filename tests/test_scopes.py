"""Scoped criteria (``where:``): a metric computed over the matching records only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import BGE, L8B, build, jsonl, wilson_by_hand

from paperkit.errors import PaperkitError
from paperkit.spec.load import load_spec

Z95 = 1.959964  # standard normal quantile at 0.975, from a table

# worker-ai.jsonl, all on 2025-01-14:
#   L8B: summarize ok (100 ms), summarize ok (200 ms), embed FAILED (300 ms) -> 3 calls, 2 ok
#   BGE: embed ok x4 (10, 20, 30, 40 ms)                                     -> 4 calls, 4 ok
# So: all models 7 calls; operation embed = 1 (L8B) + 4 (BGE) = 5 calls;
# model L8B and operation embed = 1 call (0 ok); model L8B or BGE = 7.
CALLS = [
    (L8B, "summarize", True, 100),
    (L8B, "summarize", True, 200),
    (L8B, "embed", False, 300),
    (BGE, "embed", True, 10),
    (BGE, "embed", True, 20),
    (BGE, "embed", True, 30),
    (BGE, "embed", True, 40),
]
WORKER_AI = jsonl(
    *(
        {
            "timestamp": f"2025-01-14T10:0{i}:00Z",
            "model": model,
            "operation": op,
            "input_tokens": 1000,
            "output_tokens": 100,
            "latency_ms": ms,
            "success": ok,
        }
        for i, (model, op, ok, ms) in enumerate(CALLS)
    )
)
# workflows.jsonl: ingest: ok, ok, FAILED, ok (1, 2, 3, 4 s) -> 4 executions, 3 ok, mean 2.5 s;
# publish: ok, ok (0.5 s each) -> 2 executions, 2 ok. All workflows: 6 executions, 5 ok.
EXECUTIONS = [
    ("ingest", True, 1000),
    ("ingest", True, 2000),
    ("ingest", False, 3000),
    ("ingest", True, 4000),
    ("publish", True, 500),
    ("publish", True, 500),
]
WORKFLOWS = jsonl(
    *(
        {
            "timestamp": f"2025-01-14T11:0{i}:00Z",
            "workflow_name": name,
            "execution_id": f"e{i}",
            "duration_ms": ms,
            "success": ok,
        }
        for i, (name, ok, ms) in enumerate(EXECUTIONS)
    )
)
LOGS = {"worker-ai.jsonl": WORKER_AI, "workflows.jsonl": WORKFLOWS}

# Criterion i is on line 6 + i of the spec below.
HEADER = "version: 1\nroot: runs\nexperiments:\n  exp:\n    criteria:\n"


def spec_of(*criteria: str) -> str:
    """Return a spec whose experiment ``exp`` has these flow-style criteria, one a line."""
    return HEADER + "".join(f"      - {c}\n" for c in criteria)


def q(name: str) -> str:
    """Quote a model name for a YAML flow mapping (``@`` cannot start a plain scalar)."""
    return json.dumps(name)


def criteria_of(tmp_path: Path, *criteria: str) -> list[dict[str, Any]]:
    return json.loads(build(tmp_path, LOGS, spec_of(*criteria)).results)["criteria"]


def test_ai_calls_counts_only_the_scoped_model(tmp_path: Path) -> None:
    rows = criteria_of(
        tmp_path,
        f"{{text: A, metric: ai.calls, target: 3, where: {{model: {q(L8B)}}}}}",
        # 3 L8B calls < 4: a fail, although all 7 calls would pass
        f"{{text: B, metric: ai.calls, target: 4, where: {{model: {q(L8B)}}}}}",
        f"{{text: C, metric: ai.calls, target: 4, where: {{model: {q(BGE)}}}}}",
        "{text: D, metric: ai.calls, target: 4}",
    )
    assert [(r["value"], r["n"], r["verdict"]) for r in rows] == [
        (3, 3, "pass"),
        (3, 3, "fail"),
        (4, 4, "pass"),
        (7, 7, "pass"),
    ]


def test_succeeded_and_latency_per_model(tmp_path: Path) -> None:
    rows = criteria_of(
        tmp_path,
        f"{{text: A, metric: ai.succeeded, target: 3, where: {{model: {q(L8B)}}}}}",
        # BGE latencies 10, 20, 30, 40 ms: mean 25 ms (all 7 calls: 700 / 7 = 100 ms)
        f"{{text: B, metric: ai.latency_ms.mean, op: '<', target: 50, min_n: 2, "
        f"interval: false, where: {{model: {q(BGE)}}}}}",
    )
    assert (rows[0]["value"], rows[0]["verdict"]) == (2, "fail")  # 2 ok L8B calls < 3
    assert (rows[1]["value"], rows[1]["n"], rows[1]["verdict"]) == (25.0, 4, "pass")


def test_success_rate_per_model_with_its_own_interval(tmp_path: Path) -> None:
    rows = criteria_of(
        tmp_path,
        # L8B 2 of 3; Wilson at 95% (worked below) is about [0.2077, 0.9385], wholly < 0.95
        f"{{text: A, metric: ai.success_rate, target: 0.95, min_n: 3, where: {{model: {q(L8B)}}}}}",
        # BGE 4 of 4: low = 4 / (4 + 1.96^2) = 4 / 7.8415 = 0.5101, straddles 0.95
        f"{{text: B, metric: ai.success_rate, target: 0.95, min_n: 3, where: {{model: {q(BGE)}}}}}",
    )
    l8b, bge = rows
    assert l8b["value"] == pytest.approx(2 / 3)
    assert (l8b["n"], l8b["verdict"]) == (3, "fail")
    low, high = wilson_by_hand(2, 3, Z95)
    # by hand: shrink = 1 + 3.8415 / 3 = 2.2805; centre = (0.6667 + 0.6402) / 2.2805 = 0.5731;
    # half = 0.8595 * sqrt(0.07407 + 0.10671) = 0.3654
    assert (low, high) == pytest.approx((0.2077, 0.9385), abs=1e-4)
    assert l8b["interval"]["low"] == pytest.approx(low, abs=1e-6)
    assert l8b["interval"]["high"] == pytest.approx(high, abs=1e-6)
    assert l8b["interval"]["method"] == "Wilson"
    assert (bge["value"], bge["n"], bge["verdict"]) == (1.0, 4, "inconclusive")
    assert bge["interval"]["low"] == pytest.approx(4 / (4 + Z95**2), abs=1e-6)


def test_list_values_match_either(tmp_path: Path) -> None:
    rows = criteria_of(
        tmp_path,
        f"{{text: A, metric: ai.calls, target: 1, where: {{model: [{q(L8B)}, {q(BGE)}]}}}}",
        "{text: B, metric: ai.calls, target: 1, where: {operation: embed}}",
        "{text: C, metric: ai.calls, target: 1, where: {operation: [summarize, embed]}}",
        "{text: D, metric: workflows.executions, target: 1, "
        "where: {workflow_name: [ingest, publish]}}",
    )
    assert [r["value"] for r in rows] == [7, 5, 7, 6]


def test_keys_of_one_scope_must_all_match(tmp_path: Path) -> None:
    # model L8B and operation embed: only the one failed L8B embed call (OR would give 7)
    rows = criteria_of(
        tmp_path,
        f"{{text: A, metric: ai.calls, target: 1, where: {{model: {q(L8B)}, operation: embed}}}}",
        f"{{text: B, metric: ai.failed, target: 1, where: {{model: {q(L8B)}, operation: embed}}}}",
    )
    assert [r["value"] for r in rows] == [1, 1]


def test_workflow_success_rate_per_workflow_name(tmp_path: Path) -> None:
    rows = criteria_of(
        tmp_path,
        # ingest 3 of 4 = 0.75 (all six: 5 / 6 = 0.833 would pass 0.8)
        "{text: A, metric: workflows.success_rate, target: 0.8, min_n: 4, interval: false, "
        "where: {workflow_name: ingest}}",
        # publish 2 of 2 = 1.0
        "{text: B, metric: workflows.success_rate, target: 0.8, min_n: 2, interval: false, "
        "where: {workflow_name: publish}}",
        # ingest durations 1, 2, 3, 4 s: mean 2.5 s
        "{text: C, metric: workflows.duration_s.mean, op: '<', target: 3, min_n: 4, "
        "interval: false, where: {workflow_name: ingest}}",
    )
    assert [(r["value"], r["n"], r["verdict"]) for r in rows] == [
        (0.75, 4, "fail"),
        (1.0, 2, "pass"),
        (2.5, 4, "pass"),
    ]


def test_results_json_carries_where_n_and_interval(tmp_path: Path) -> None:
    (row,) = criteria_of(
        tmp_path,
        "{text: A, metric: workflows.success_rate, target: 0.5, min_n: 2, "
        "where: {workflow_name: [publish]}}",
    )
    assert row["where"] == {"workflow_name": ["publish"]}
    assert row["n"] == 2
    low, high = wilson_by_hand(2, 2, Z95)  # low = 2 / (2 + 3.8415) = 0.3424
    assert row["interval"] == {
        "low": pytest.approx(low, abs=1e-6),
        "high": pytest.approx(high, abs=1e-6),
        "method": "Wilson",
        "confidence": 0.95,
    }
    assert row["verdict"] == "inconclusive"  # 0.3424 < 0.5 <= 1: straddles


def test_unscoped_criterion_has_null_where(tmp_path: Path) -> None:
    (row,) = criteria_of(tmp_path, "{text: A, metric: ai.calls, target: 1}")
    assert row["where"] is None


def test_paper_names_the_scope(tmp_path: Path) -> None:
    spec = spec_of(
        f"{{text: Calls of 8b, metric: ai.calls, target: 3, where: {{model: {q(L8B)}}}}}",
        "{text: Embeds, metric: ai.calls, target: 1, where: {operation: [summarize, embed]}}",
    )
    paper = build(tmp_path, LOGS, spec).paper
    assert f"| Calls of 8b (where model = {L8B}) | >= 3 | 3 | exact | 3 | ✅ pass |" in paper
    assert "| Embeds (where operation = summarize or embed) | >= 1 | 7 | exact | 7 |" in paper


def test_unknown_model_names_the_models_that_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the error's path is shown relative to the working directory
    spec = spec_of(
        "{text: A, metric: ai.calls, target: 1}",
        "{text: B, metric: ai.calls, target: 1, where: {model: '@cf/meta/llama-3-8b'}}",
    )
    with pytest.raises(PaperkitError) as err:
        build(tmp_path, LOGS, spec)
    assert err.value.path == "experiments.yaml"
    assert err.value.line == 7  # the second criterion, whose where mapping is on its line
    assert err.value.message == (
        f"where.model: no record has model '@cf/meta/llama-3-8b'; the logs have '{BGE}', '{L8B}'"
        f"; did you mean '{L8B}'?"
    )


def test_one_unknown_value_in_a_list_is_an_error(tmp_path: Path) -> None:
    spec = spec_of(
        "{text: A, metric: workflows.executions, target: 1, "
        "where: {workflow_name: [ingest, pubish]}}",
    )
    with pytest.raises(PaperkitError) as err:
        build(tmp_path, LOGS, spec)
    assert err.value.line == 6
    assert err.value.message == (
        "where.workflow_name: no record has workflow_name 'pubish'; "
        "the logs have 'ingest', 'publish'; did you mean 'publish'?"
    )


def test_a_scope_before_any_record_is_logged_is_a_warning_not_an_error(tmp_path: Path) -> None:
    # A new experiment: no Workers AI call is logged yet, so no operation can match. The
    # scope is not wrong, only early: the build warns and judges the criterion "no data".
    spec = spec_of("{text: A, metric: ai.success_rate, target: 0.9, where: {operation: embed}}")
    result = build(tmp_path, {"workflows.jsonl": WORKFLOWS}, spec)
    assert [(w.line, w.message) for w in result.warnings] == [
        (6, "where.operation: no records in worker-ai.jsonl yet, so none matches 'embed'")
    ]
    (criterion,) = json.loads(result.results)["criteria"]
    assert criterion["verdict"] == "inconclusive"


def test_a_scope_value_no_record_has_while_some_have_none_says_none_logged(
    tmp_path: Path,
) -> None:
    calls = jsonl({"timestamp": "2025-01-14T10:00:00Z", "model": L8B})  # no operation logged
    spec = spec_of("{text: A, metric: ai.calls, target: 1, where: {operation: embed}}")
    with pytest.raises(PaperkitError) as err:
        build(tmp_path, {"worker-ai.jsonl": calls}, spec)
    assert err.value.message == (
        "where.operation: no record has operation 'embed'; no record has any operation "
        "(none logged)"
    )


def test_workflow_name_on_an_ai_metric_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(
        spec_of("{text: A, metric: ai.calls, target: 1, where: {workflow_name: ingest}}")
    )
    with pytest.raises(PaperkitError) as err:
        load_spec(path)
    assert str(err.value) == (
        f"{path}:6: experiments.exp.criteria[0].where: "
        "where.workflow_name applies to workflows.* metrics only, not to ai.calls"
    )


def test_model_on_a_workflows_metric_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(
        HEADER + "      - text: A\n"
        "        metric: workflows.success_rate\n"
        "        target: 0.9\n"
        "        where:\n"  # line 9: the error points at the where key
        f"          model: {q(L8B)}\n"
    )
    with pytest.raises(PaperkitError) as err:
        load_spec(path)
    assert str(err.value) == (
        f"{path}:9: experiments.exp.criteria[0].where: "
        "where.model applies to ai.* and quality.* metrics only, not to workflows.success_rate"
    )
