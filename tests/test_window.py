"""The experiment's window (``start``/``end``) and the spec's time zone, through a build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import L70B, build, jsonl

from paperkit.errors import PaperkitError
from paperkit.spec.load import load_spec


def spec_of(
    timezone: str = "UTC", start: str | None = None, end: str | None = None, **more: str
) -> str:
    """A spec for ``exp`` in ``timezone`` with an optional window and extra experiment keys."""
    lines = ["version: 1", "root: runs", f"timezone: {timezone}", "experiments:", "  exp:"]
    if start is not None:
        lines.append(f"    start: {start}")
    if end is not None:
        lines.append(f"    end: {end}")
    lines.extend(f"    {key}: {value}" for key, value in more.items())
    if len(lines) == 5:
        lines[-1] = "  exp: {}"
    return "\n".join(lines) + "\n"


def call(timestamp: str, cost: str = "$0.01") -> dict[str, Any]:
    # The 70b model has no price in genai-prices, so each call costs its logged estimate.
    return {"timestamp": timestamp, "model": L70B, "input_tokens": 10, "cost_estimate": cost}


# Around a window of 2025-01-14 to 2025-01-15 inclusive (UTC). Records outside cost $1.00 (or
# $3.00) so that leaving one in by mistake shows in every total.
WORKER_AI = jsonl(
    call("2025-01-13T12:00:00Z", "$1.00"),  # out: the day before
    call("2025-01-14T00:00:00Z", "$0.01"),  # in: the first instant of the start date
    call("2025-01-15T23:59:59Z", "$0.02"),  # in: the end date counts as a whole day
    call("2025-01-16T00:00:00Z", "$1.00"),  # out: the first instant after it
)
WORKFLOWS = jsonl(
    # List price (0.30 + cpu_ms * 0.02) / 1e6: 49,999,985 CPU-ms cost $1.00, 4,999,985 $0.10.
    {"timestamp": "2025-01-13T23:59:59Z", "execution_id": "e0", "cpu_ms": 49_999_985},
    {"timestamp": "2025-01-14T10:00:00Z", "execution_id": "e1", "cpu_ms": 4_999_985},
    {"timestamp": "2025-01-16T00:00:00Z", "execution_id": "e2", "cpu_ms": 49_999_985},
)
# "queues" has no list price, so each record costs its logged estimate.
CLOUDFLARE = jsonl(
    {"timestamp": "2025-01-15T12:00:00Z", "resource": "queues", "cost_estimate": "$0.005"},
    {"timestamp": "2025-01-17T12:00:00Z", "resource": "queues", "cost_estimate": "$1.00"},
)
BREAKDOWN = jsonl(
    {"timestamp": "2025-01-13T23:00:00Z", "claude_code_cost": "$3.00"},
    {"timestamp": "2025-01-14T23:00:00Z", "claude_code_cost": "$2.00"},
)
PROMPTS = jsonl(
    {"timestamp": "2025-01-12T09:00:00Z", "prompt": "before"},
    {"timestamp": "2025-01-15T09:00:00Z", "prompt": "during"},
)
LOGS = {
    "worker-ai.jsonl": WORKER_AI,
    "workflows.jsonl": WORKFLOWS,
    "cloudflare.jsonl": CLOUDFLARE,
    "cost-breakdown.jsonl": BREAKDOWN,
    "prompts.jsonl": PROMPTS,
}


def results(tmp_path: Path, logs: dict[str, str], spec: str) -> dict[str, Any]:
    return json.loads(build(tmp_path, logs, spec).results)


EMPTY = "7: experiments.exp.end: is before start (the window would be empty)"


def test_without_a_window_every_record_counts(tmp_path: Path) -> None:
    m = results(tmp_path, LOGS, spec_of())["metrics"]
    assert (m["ai.calls"], m["workflows.executions"], m["dev.iterations"]) == (4, 3, 2)


def test_date_window_leaves_records_out_of_every_number(tmp_path: Path) -> None:
    doc = results(tmp_path, LOGS, spec_of(start="2025-01-14", end="2025-01-15"))
    m = doc["metrics"]
    assert m["ai.calls"] == 2  # 00:00:00 on the 14th and 23:59:59 on the 15th
    assert m["workflows.executions"] == 1  # e1
    assert m["units.count"] == 1  # unit: workflows.executions
    assert m["dev.iterations"] == 1  # the prompt of the 15th
    assert m["ai.cost_usd"] == pytest.approx(0.03)  # 0.01 + 0.02
    assert m["cost.workflows_usd"] == pytest.approx(0.10)
    assert m["cost.claude_code_usd"] == pytest.approx(2.00)  # the 14th's, not the 13th's 3.00
    # 0.03 (Worker AI) + 0.10 (Workflows) + 0.005 (queues) + 2.00 (Claude Code)
    assert m["cost.total_usd"] == pytest.approx(2.135)
    assert m["days"] == 2  # the 14th and the 15th
    assert (doc["provenance"]["first_day"], doc["provenance"]["last_day"]) == (
        "2025-01-14",
        "2025-01-15",
    )
    # 2 calls, e0 and e2, 1 queues record, 1 breakdown day, 1 prompt
    assert doc["data_quality"]["left_out_of_window"] == {
        "cloudflare.jsonl": 1,
        "cost-breakdown.jsonl": 1,
        "prompts.jsonl": 1,
        "worker-ai.jsonl": 2,
        "workflows.jsonl": 2,
    }


def test_paper_states_the_window_and_what_it_left_out(tmp_path: Path) -> None:
    paper = build(tmp_path, LOGS, spec_of(start="2025-01-14", end="2025-01-15")).paper
    window = "window from 2025-01-14 to 2025-01-15 inclusive (UTC)"
    assert (
        "- **Period:** 2025-01-14 to 2025-01-15, 2 days; days are calendar days in UTC; " + window
    ) in paper
    assert (
        "- **Left out (outside the window):** cloudflare.jsonl 1, cost-breakdown.jsonl 1, "
        "prompts.jsonl 1, worker-ai.jsonl 2, workflows.jsonl 2"
    ) in paper
    # 1 + 1 + 1 + 2 + 2 = 7 records
    assert (
        "❌ Anything outside the window: 7 records left out "
        "(from 2025-01-14 to 2025-01-15 inclusive (UTC))"
    ) in paper


def test_no_left_out_line_when_nothing_is_outside(tmp_path: Path) -> None:
    logs = {"worker-ai.jsonl": jsonl(call("2025-01-14T12:00:00Z"))}
    doc = results(tmp_path, logs, spec_of(start="2025-01-14", end="2025-01-14"))
    assert doc["metrics"]["ai.calls"] == 1
    assert doc["data_quality"]["left_out_of_window"] == {}
    paper = build(tmp_path, logs, spec_of(start="2025-01-14", end="2025-01-14")).paper
    assert "Left out (outside the window)" not in paper
    assert "Anything outside the window" not in paper


def test_datetime_window_is_start_inclusive_end_exclusive(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": jsonl(
            call("2025-01-14T05:59:59Z"),  # out
            call("2025-01-14T06:00:00Z"),  # in: start is inclusive
            call("2025-01-14T17:59:59Z"),  # in
            call("2025-01-14T18:00:00Z"),  # out: a time as end is exclusive ([start, end))
        )
    }
    spec = spec_of(start="2025-01-14T06:00:00Z", end="2025-01-14T18:00:00Z")
    result = build(tmp_path, logs, spec)
    doc = json.loads(result.results)
    assert doc["metrics"]["ai.calls"] == 2
    assert doc["data_quality"]["left_out_of_window"] == {"worker-ai.jsonl": 2}
    assert "window from 2025-01-14T06:00:00+00:00 to 2025-01-14T18:00:00+00:00 (UTC)" in (
        result.paper
    )


def test_naive_datetime_is_read_in_the_spec_time_zone(tmp_path: Path) -> None:
    # 09:00 in Berlin in January (UTC+1) is 08:00Z.
    logs = {"worker-ai.jsonl": jsonl(call("2025-01-14T07:59:00Z"), call("2025-01-14T08:00:00Z"))}
    result = build(tmp_path, logs, spec_of("Europe/Berlin", start="2025-01-14T09:00:00"))
    assert json.loads(result.results)["metrics"]["ai.calls"] == 1
    assert "window from 2025-01-14T09:00:00 (Europe/Berlin)" in result.paper


def test_datetime_with_an_offset_keeps_its_offset(tmp_path: Path) -> None:
    # 09:00Z is 09:00Z whatever the spec's zone: 08:30Z is out (it would be in if the time
    # were read as Berlin's 09:00, i.e. 08:00Z).
    logs = {"worker-ai.jsonl": jsonl(call("2025-01-14T08:30:00Z"), call("2025-01-14T09:00:00Z"))}
    doc = results(tmp_path, logs, spec_of("Europe/Berlin", start="2025-01-14T09:00:00Z"))
    assert doc["metrics"]["ai.calls"] == 1


# 23:30Z on the 14th is 00:30 on the 15th in Berlin (UTC+1 in January).
LATE = {
    "worker-ai.jsonl": jsonl(call("2025-01-14T23:30:00Z"), call("2025-01-15T12:00:00Z")),
}
PER_CALL = "{name: call, count: ai.calls}"


def test_a_late_call_counts_on_the_next_day_in_berlin(tmp_path: Path) -> None:
    doc = results(tmp_path, LATE, spec_of("Europe/Berlin", unit=PER_CALL))
    m = doc["metrics"]
    # Both calls on the 15th: one day with 2 calls.
    assert (m["days"], m["units.per_day.min"], m["units.per_day.mean"]) == (1, 2, 2.0)
    assert (doc["provenance"]["first_day"], doc["provenance"]["last_day"]) == (
        "2025-01-15",
        "2025-01-15",
    )
    assert doc["provenance"]["timezone"] == "Europe/Berlin"


def test_the_same_call_counts_on_its_own_day_in_utc(tmp_path: Path) -> None:
    doc = results(tmp_path, LATE, spec_of("UTC", unit=PER_CALL))
    m = doc["metrics"]
    # One call on the 14th, one on the 15th.
    assert (m["days"], m["units.per_day.min"], m["units.per_day.mean"]) == (2, 1, 1.0)
    assert doc["provenance"]["first_day"] == "2025-01-14"


@pytest.mark.parametrize(
    ("timezone", "start", "end", "calls"),
    [
        # end 2025-01-14 in Berlin ends at 23:00Z: the 23:30Z call is on the 15th there
        ("Europe/Berlin", None, "2025-01-14", 0),
        ("UTC", None, "2025-01-14", 1),
        # start 2025-01-15 in Berlin begins at 2025-01-14T23:00Z
        ("Europe/Berlin", "2025-01-15", None, 2),
        ("UTC", "2025-01-15", None, 1),
    ],
)
def test_date_window_follows_the_spec_time_zone(
    tmp_path: Path, timezone: str, start: str | None, end: str | None, calls: int
) -> None:
    doc = results(tmp_path, LATE, spec_of(timezone, start=start, end=end))
    assert doc["metrics"]["ai.calls"] == calls
    left_out = 2 - calls
    assert doc["data_quality"]["left_out_of_window"] == (
        {"worker-ai.jsonl": left_out} if left_out else {}
    )


def load_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "experiments.yaml"
    path.write_text(text)
    with pytest.raises(PaperkitError) as err:
        load_spec(path)
    return str(err.value).removeprefix(f"{path}:")


def test_end_before_start_is_a_spec_error(tmp_path: Path) -> None:
    # line 6: start, line 7: end
    text = spec_of(start="2025-01-15", end="2025-01-14")
    assert (
        load_error(tmp_path, text)
        == "7: experiments.exp.end: is before start (the window would be empty)"
    )


def test_end_time_before_start_time_on_one_day_is_a_spec_error(tmp_path: Path) -> None:
    text = spec_of(start="2025-01-14T10:00:00", end="2025-01-14T09:00:00")
    assert (
        load_error(tmp_path, text)
        == "7: experiments.exp.end: is before start (the window would be empty)"
    )


def test_same_start_and_end_date_is_one_whole_day(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(spec_of(start="2025-01-14", end="2025-01-14"))
    (exp,) = load_spec(path).experiments
    assert (exp.start.isoformat(), exp.end.isoformat()) == ("2025-01-14", "2025-01-14")


def test_end_date_on_the_day_of_a_start_time_is_valid(tmp_path: Path) -> None:
    spec = spec_of(start="2025-01-14T09:00:00", end="2025-01-14")
    path = tmp_path / "experiments.yaml"
    path.write_text(spec)
    try:
        load_spec(path)
    except PaperkitError as e:
        raise AssertionError(f"a valid window was refused: {e}") from e
    logs = {"worker-ai.jsonl": jsonl(call("2025-01-14T08:00:00Z"), call("2025-01-14T20:00:00Z"))}
    doc = results(tmp_path, logs, spec)
    assert doc["metrics"]["ai.calls"] == 1  # 20:00 is within the 14th; 08:00 is before 09:00


def test_end_before_start_across_offsets_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(spec_of(start="2025-01-14T23:00:00-05:00", end="2025-01-15T02:00:00Z"))
    try:
        load_spec(path)
    except PaperkitError as e:
        assert (
            str(e) == f"{path}:7: experiments.exp.end: is before start (the window would be empty)"
        )
    else:
        raise AssertionError("an end before the start was accepted")


def test_a_date_not_written_as_yyyy_mm_dd_is_an_error(tmp_path: Path) -> None:
    text = spec_of(start="2025-01-14", end="20250115")
    message = load_error(tmp_path, text)
    assert message.startswith("7: experiments.exp.end: expected a date such as 2025-01-14")
