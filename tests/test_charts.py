"""The charts and breakdowns of the paper, checked against the logs and against their own tables.

Expected numbers are counted here from the raw log lines with json and collections (never from
paperkit's output), or worked out by hand in a comment.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from paperkit.measure.series import answer
from paperkit.paper.charts import safe_text
from paperkit.paper.svg import parse
from tests.helpers import BGE, L8B, SPEC, build, jsonl

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / ".claude" / "experiments" / "ai-content-pipeline"
PAPER = (EXAMPLE / "PAPER.md").read_text(encoding="utf-8")


# --- reading a paper back: its blocks, Mermaid charts and details tables ----------------------


def block(paper: str, name: str) -> str:
    """Return the content of generated block ``name``."""
    found = re.search(
        rf"<!-- paperkit:begin {name} -->\n(.*?)<!-- paperkit:end {name} sha=", paper, re.DOTALL
    )
    assert found, f"no block {name}"
    return found[1]


def figures(text: str) -> list[tuple[str, dict[str, list[float]] | None, list[list[str]]]]:
    """Return each figure of a chart block: its title, its Mermaid series by name (categories
    under "x"), and the rows of its details table."""
    out = []
    for part in re.split(r"^#### ", text, flags=re.MULTILINE)[1:]:
        title = part.splitlines()[0]
        chart = None
        if m := re.search(r"```mermaid\n(.*?)```", part, re.DOTALL):
            parsed = parse(m[1])
            assert parsed is not None, f"{title}: the Mermaid block does not parse"
            chart = {"x": list(parsed.categories)} | {n: list(v) for _, n, v in parsed.series}
        rows = []
        if m := re.search(r"<details>.*?\n\n(.*?)\n\n</details>", part, re.DOTALL):
            lines = m[1].splitlines()[2:]  # past the header and the rule
            rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
        out.append((title, chart, rows))
    return out


def number(cell: str) -> float:
    """Read a table cell as a number: "1,198" -> 1198, "$0.006353" -> 0.006353, "77.8%" -> 77.8."""
    return float(cell.replace(",", "").replace("$", "").replace("%", "").replace("≥ ", ""))


def records(name: str) -> list[dict]:
    """Return the example log's records that are JSON objects (the truncated line is left out)."""
    out = []
    for line in (EXAMPLE / name).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def mmdd(day: str) -> str:
    return day[5:10]


# --- the example's charts against its logs -----------------------------------------------------


def test_inferences_per_day_match_the_logs_and_the_table() -> None:
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records("worker-ai.jsonl"):
        per_day[r["timestamp"][:10]][r["model"]] += 1  # the spec's time zone is UTC
    [(title, chart, rows)] = figures(block(PAPER, "chart_inferences"))
    assert title == "Inferences per day"
    assert chart is not None
    days = sorted(per_day)
    assert chart["x"] == [mmdd(d) for d in days]  # 2025-01-14 to 2025-02-02, no day missing
    models = sorted({m for c in per_day.values() for m in c})
    for model in models:
        assert chart[model] == [per_day[d][model] for d in days], model
    assert [row[0] for row in rows] == days
    for row, day in zip(rows, days, strict=True):
        assert [number(c) for c in row[1:]] == [
            *(per_day[day][m] for m in models),
            sum(per_day[day].values()),
        ]
    assert sum(sum(c.values()) for c in per_day.values()) == 346  # the records of Data Quality


def test_workflow_executions_and_success_rate_per_day_match_the_logs() -> None:
    runs: dict[str, list[bool]] = defaultdict(list)
    for r in records("workflows.jsonl"):
        runs[r["timestamp"][:10]].append(r["success"])
    executions, rates, _duration = figures(block(PAPER, "chart_workflows"))
    days = sorted(runs)
    assert executions[1] is not None and rates[1] is not None
    assert executions[1]["executions"] == [len(runs[d]) for d in days]
    expected = [round(100 * sum(runs[d]) / len(runs[d]), 1) for d in days]
    assert rates[1]["success rate"] == expected
    assert rates[1]["success rate"][0] == 77.8  # 2025-01-14: 7 of 9 succeeded
    assert [number(row[1]) for row in rates[2]] == expected
    assert [[number(c) for c in row[1:]] for row in executions[2]] == [
        [len(runs[d]), sum(runs[d]), len(runs[d]) - sum(runs[d])] for d in days
    ]


def test_latency_days_with_fewer_than_five_calls_are_left_out_not_zero() -> None:
    latency: dict[str, list[float]] = defaultdict(list)
    for r in records("worker-ai.jsonl"):
        if r["model"] == L8B:
            latency[r["timestamp"][:10]].append(r["latency_ms"])
    text = block(PAPER, "chart_latency")
    chart = next(c for t, c, _ in figures(text) if t.startswith(L8B))
    assert chart is not None
    thick = sorted(d for d, v in latency.items() if len(v) >= 5)
    assert chart["x"] == [mmdd(d) for d in thick]
    # 2025-01-14: 9 calls; numpy's default (linear) percentile, as the metrics use.
    first = sorted(latency["2025-01-14"])
    position = 0.5 * (len(first) - 1)
    assert chart["p50"][0] == round(first[int(position)])  # 9 values: the 5th, exactly
    thin = sorted(d for d, v in latency.items() if len(v) < 5)
    assert thin  # the example has thin days, so the rule is exercised
    for day in thin:
        assert f"{day} (too thin, n = {len(latency[day])})" in text
    # The 70b model never reaches 5 calls a day: no chart, and the block says why.
    most = max(
        Counter(
            r["timestamp"][:10] for r in records("worker-ai.jsonl") if "70b" in r["model"]
        ).values()
    )
    assert f"@cf/meta/llama-3.1-70b-instruct (at most {most} on one day)" in text


def test_every_chart_agrees_with_its_table() -> None:
    checked = 0
    for name in ("chart_inferences", "chart_latency", "chart_workflows", "chart_costs"):
        for title, chart, rows in figures(block(PAPER, name)):
            if chart is None:
                continue
            by_day = {mmdd(row[0]): row for row in rows}
            series = [k for k in chart if k != "x"]
            for i, category in enumerate(chart["x"]):
                row = by_day[category]
                for k, name_ in enumerate(series):
                    # The series are the table's numeric columns in order, bar the totals and
                    # the latency tables' count of calls.
                    cells = row[2:] if row[1:] and ("p50" in series) else row[1:]
                    value = number(cells[k])
                    # Both are rounded to the same decimals (0 for counts and ms, 1 for rates,
                    # 2 for seconds, 6 for dollars), so they agree exactly.
                    assert chart[name_][i] == pytest.approx(value, abs=1e-9), (
                        title,
                        category,
                        name_,
                    )
                    checked += 1
    assert checked > 250


def test_the_cost_per_day_adds_up_to_the_cost_breakdown() -> None:
    [running, claude] = figures(block(PAPER, "chart_costs"))
    assert running[1] is not None
    total = sum(sum(v) for k, v in running[1].items() if k != "x")
    # The example's running cost is $0.9651 per 1,000 documents over 159 documents (costs
    # block): 0.9651 * 159 / 1000 = $0.1535 over the period.
    assert total == pytest.approx(0.9651 * 159 / 1000, abs=0.0005)
    first: dict[str, dict] = {}
    for r in records("cost-breakdown.jsonl"):
        # The period is "day_N", so the day comes from the timestamp; a day's first record counts.
        first.setdefault(r["timestamp"][:10], r)
    recorded = {
        day: float(r["claude_code_cost"].lstrip("$"))
        for day, r in first.items()
        if r.get("claude_code_cost") is not None
    }
    assert claude[1] is not None
    assert claude[1]["x"] == [mmdd(d) for d in sorted(recorded)]
    assert claude[1]["Claude Code"] == [recorded[d] for d in sorted(recorded)]
    # Days between with no record are "not recorded", never $0.
    assert ["2025-01-17", "not recorded"] in claude[2]


# --- gaps, weeks and turning charts off --------------------------------------------------------


def call(ts: str, model: str = L8B, latency: int = 1000, success: bool = True) -> dict:
    return {
        "timestamp": ts,
        "model": model,
        "input_tokens": 100,
        "output_tokens": 10,
        "latency_ms": latency,
        "success": success,
    }


def test_a_day_without_records_is_a_gap_not_a_zero(tmp_path: Path) -> None:
    calls = [
        call("2025-03-01T10:00:00Z"),
        call("2025-03-01T11:00:00Z"),
        call("2025-03-03T10:00:00Z"),
    ]
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)})
    text = block(result.paper, "chart_inferences")
    [(_, chart, rows)] = figures(text)
    assert chart == {"x": ["03-01", "03-03"], L8B: [2, 1]}
    assert rows == [
        ["2025-03-01", "2", "2"],
        ["2025-03-02", "no records", "no records"],
        ["2025-03-03", "1", "1"],
    ]
    assert "1 day, 2025-03-02 (no records)" in text


def test_a_long_period_is_charted_per_week(tmp_path: Path) -> None:
    # 100 days from Monday 2025-01-06, one call a day, two on Mondays: each of the 14 full weeks
    # has 8 calls; the 15th week (from Monday 2025-04-14) holds 2025-04-14 and -15 only: 3 calls.
    start = date(2025, 1, 6)
    calls = []
    for i in range(100):
        day = start + timedelta(days=i)
        calls.append(call(f"{day.isoformat()}T12:00:00Z"))
        if day.weekday() == 0:
            calls.append(call(f"{day.isoformat()}T13:00:00Z"))
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)})
    text = block(result.paper, "chart_inferences")
    [(title, chart, rows)] = figures(text)
    assert title == "Inferences per week"
    assert chart is not None
    assert chart[L8B] == [8] * 14 + [3]
    assert chart["x"][0] == "01-06" and rows[0][0] == "week of 2025-01-06"
    assert "Per week (Monday to Sunday, UTC)" in text
    assert 'x-axis "week from Monday (UTC)"' in text


def test_a_year_is_charted_per_month(tmp_path: Path) -> None:
    # One call a day from 2024-01-01 to 2024-12-31 (2024 is a leap year): each month's count
    # is its number of days.
    start = date(2024, 1, 1)
    calls = [call(f"{start + timedelta(days=i)}T12:00:00Z") for i in range(366)]
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)})
    text = block(result.paper, "chart_inferences")
    [(title, chart, rows)] = figures(text)
    assert title == "Inferences per month"
    assert chart is not None
    assert chart[L8B] == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert chart["x"][:2] == ["2024-01", "2024-02"] and rows[-1][0] == "2024-12"
    assert "Per calendar month (UTC)" in text


def test_charts_false_leaves_the_chart_blocks_empty(tmp_path: Path) -> None:
    spec = SPEC.replace("exp: {}", "exp: {charts: false}")
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(call("2025-03-01T10:00:00Z"))}, spec)
    for name in ("chart_inferences", "chart_latency", "chart_workflows", "chart_costs"):
        assert block(result.paper, name) == ""
    assert "```mermaid" not in result.paper


def test_charts_must_be_true_or_false(tmp_path: Path) -> None:
    from paperkit.errors import PaperkitError

    with pytest.raises(PaperkitError, match=r"charts: .*true or false"):
        build(tmp_path, {}, SPEC.replace("exp: {}", "exp: {charts: sometimes}"))


def test_log_text_cannot_break_a_chart(tmp_path: Path) -> None:
    evil = 'x"] \n    bar [9999] <script>alert(1)</script> `md` #'
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(call("2025-03-01T10:00:00Z", model=evil))})
    chart_text = re.search(r"```mermaid\n(.*?)```", result.paper, re.DOTALL)
    assert chart_text is not None
    parsed = parse(chart_text[1])
    assert parsed is not None and len(parsed.series) == 1  # no injected series
    assert "<script>" not in chart_text[1]
    assert safe_text(evil) == "x'] bar [9999] ‹script›alert(1)‹/script› 'md' ♯"


# --- breakdowns ----------------------------------------------------------------------------------


def test_inference_failures_are_broken_down_by_error() -> None:
    failed = Counter(r.get("error") for r in records("worker-ai.jsonl") if r["success"] is False)
    text = block(PAPER, "worker_ai")
    assert f"**Failed inferences:** {sum(failed.values())}, by error:" in text
    for error, n in failed.items():
        assert f"- {error}: {n}" in text


def test_errors_by_type_add_up_their_fix_time() -> None:
    text = block(PAPER, "error_types")
    # errors.log: timeout "1h30m", database "45 min", rate_limit "20 min", type_error "10 min",
    # config "5 min"; one error each, most time first.
    assert re.findall(r"^\| (\w+) \| (\d+) \| ([^|]+) \|$", text, re.MULTILINE) == [
        ("timeout", "1", "1 h 30 min"),
        ("database", "1", "45 min"),
        ("rate_limit", "1", "20 min"),
        ("type_error", "1", "10 min"),
        ("config", "1", "5 min"),
    ]


def test_interventions_say_how_many_the_ai_could_have_done() -> None:
    text = block(PAPER, "intervention_answers")
    # interventions.log: "no" (2 hours), "partly" (1 hour), "yes" (30 min).
    assert "The AI could have done 1 of 3 interventions itself (30 min of a person's time)" in text
    assert "| yes | 1 | 30 min |" in text
    assert "| partly | 1 | 1 h 0 min |" in text
    assert "| no | 1 | 2 h 0 min |" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes - if it had checked the D1 limits page", "yes"),
        ("Partly: with the logs", "partly"),
        ("NO", "no"),
        (True, "yes"),
        (False, "no"),
        ("perhaps", "unclear"),
        (None, "not logged"),
        ("", "not logged"),
    ],
)
def test_could_ai_have_done_this_is_read_from_its_first_word(value: object, expected: str) -> None:
    assert answer(value) == expected


def test_an_intervention_without_time_is_counted_and_said(tmp_path: Path) -> None:
    rows = [
        {
            "timestamp": "2025-03-01T10:00:00Z",
            "could_ai_have_done_this": "yes",
            "time_spent": "20 min",
        },
        {"timestamp": "2025-03-01T11:00:00Z", "could_ai_have_done_this": "yes"},
        {"timestamp": "2025-03-01T12:00:00Z", "time_spent": "1 hour"},
    ]
    result = build(
        tmp_path,
        {"interventions.log": jsonl(*rows), "worker-ai.jsonl": jsonl(call("2025-03-01T10:00:00Z"))},
    )
    text = block(result.paper, "intervention_answers")
    assert "| yes | 2 | 20 min (1 not logged) |" in text
    assert "| not logged | 1 | 1 h 0 min |" in text
    assert BGE not in text


def test_results_json_holds_the_charts_numbers() -> None:
    results = json.loads((EXAMPLE / "results.json").read_text(encoding="utf-8"))
    trends = results["trends"]
    assert trends["bucket"] == "day" and trends["buckets"][0] == "2025-01-13"
    for model in results["models"]:
        assert sum(n or 0 for n in trends["inferences"][model["model"]]) == model["calls"]
    # 2.81 + 3.77 + 4.00 + 2.18 + 2.54 + 1.06 = 16.36: the days cost-breakdown.jsonl records.
    recorded = [v for v in trends["claude_code_usd"] if v is not None]
    assert sum(recorded) == pytest.approx(16.36)
    assert results["metrics"]["cost.claude_code_usd"] == pytest.approx(16.36)
    assert results["breakdowns"]["interventions_by_answer"][0] == {
        "answer": "yes",
        "records": 1,
        "timed": 1,
        "minutes": 30.0,
    }


def test_days_are_the_spec_time_zones(tmp_path: Path) -> None:
    # 2025-03-02T03:00Z is 22:00 on 2025-03-01 in New York (UTC-5 until 2025-03-09), so both
    # calls fall on 2025-03-01 there, though on two UTC days.
    spec = SPEC.replace("root: runs", "root: runs\ntimezone: America/New_York")
    calls = [call("2025-03-01T15:00:00Z"), call("2025-03-02T03:00:00Z")]
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)}, spec)
    [(title, chart, rows)] = figures(block(result.paper, "chart_inferences"))
    assert chart == {"x": ["03-01"], L8B: [2]}
    assert rows == [["2025-03-01", "2", "2"]]
    assert "Per day (America/New_York)." in block(result.paper, "chart_inferences")
