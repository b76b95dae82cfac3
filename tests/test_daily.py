"""Costs per day and resource (paperkit.tracking.daily): days in the spec's time zone, the paper's
prices, how each cost was obtained, Claude Code as recorded, lower bounds. Expected values are
worked out by hand in the comments (genai-prices: llama-3.1-8b $0.282/M in, $0.827/M out)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from paperkit.build import render_experiment
from paperkit.errors import PaperkitError
from paperkit.measure.costs import resource_cost
from paperkit.spec.load import load_spec
from paperkit.tracking.daily import DailyCosts, daily_costs, record_days
from tests.helpers import L8B, L70B, SPEC, jsonl, write_tree

NEW_YORK = SPEC.replace("root: runs\n", "root: runs\ntimezone: America/New_York\n")
REPO = Path(__file__).resolve().parent.parent


def costs_of(tmp_path: Path, logs: dict[str, str], spec: str = SPEC) -> DailyCosts:
    """Write ``spec`` and experiment ``exp``'s logs under tmp_path; return its daily costs."""
    (tmp_path / "runs" / "exp").mkdir(parents=True, exist_ok=True)
    write_tree(tmp_path, {"experiments.yaml": spec})
    write_tree(tmp_path / "runs" / "exp", logs)
    return daily_costs(load_spec(tmp_path / "experiments.yaml"), "exp")


def call(timestamp: str, model: str = L8B, tokens: tuple[int, int] = (1000, 100), **extra: object):
    return {
        "timestamp": timestamp,
        "model": model,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        **extra,
    }


# Four records on either side of midnight in New York (UTC-5 in January).
BOUNDARY = {
    # 2025-01-14 22:30 local: 1,000 x 0.282/M + 100 x 0.827/M = 0.000282 + 0.0000827 = 0.0003647
    # 2025-01-15 00:30 local: 2,000 x 0.282/M + 200 x 0.827/M = 0.000564 + 0.0001654 = 0.0007294
    "worker-ai.jsonl": jsonl(
        call("2025-01-15T03:30:00Z"), call("2025-01-15T05:30:00Z", tokens=(2000, 200))
    ),
    # 2025-01-14 23:59:59 local: (0.30 + 1,000 CPU-ms x 0.02) / 1M = 0.0000203
    "workflows.jsonl": jsonl(
        {"timestamp": "2025-01-15T04:59:59Z", "execution_id": "e1", "cpu_ms": 1000}
    ),
    # 2025-01-15 00:00 local: 1,000 rows read x 0.001/M + 10 written x 1.00/M = 0.000011
    "cloudflare.jsonl": jsonl(
        {"timestamp": "2025-01-15T05:00:00Z", "resource": "d1", "rows_read": 1000}
        | {"rows_written": 10}
    ),
    # period (a date) wins over the timestamp, which is 2025-01-15 07:00 local
    "cost-breakdown.jsonl": jsonl(
        {"timestamp": "2025-01-15T12:00:00Z", "period": "2025-01-14", "claude_code_cost": "$1.50"}
    ),
}


def test_days_are_calendar_days_in_the_spec_time_zone(tmp_path: Path) -> None:
    costs = costs_of(tmp_path, BOUNDARY, NEW_YORK)
    first, second = costs.days
    assert (first.day, second.day) == (date(2025, 1, 14), date(2025, 1, 15))
    cells = first.cells
    assert cells["worker_ai"].usd == pytest.approx(0.0003647)
    assert cells["workflows"].usd == pytest.approx(0.0000203)
    assert (cells["d1"].usd, cells["d1"].how) == (None, "no records")
    assert (cells["claude_code"].usd, cells["claude_code"].how) == (1.50, "as recorded")
    # 0.0003647 + 0.0000203 + 1.50 = 1.500385, every part known
    assert first.total == pytest.approx(1.500385)
    assert first.lower_bound is False
    assert second.cells["worker_ai"].usd == pytest.approx(0.0007294)
    assert second.cells["d1"].usd == pytest.approx(0.000011)
    # Claude Code unknown on the 15th: the total 0.0007294 + 0.000011 = 0.0007404 is a lower bound
    assert (second.cells["claude_code"].usd, second.cells["claude_code"].how) == (
        None,
        "not recorded",
    )
    assert second.total == pytest.approx(0.0007404)
    assert second.lower_bound is True
    assert first.cells["worker_ai"].how == "priced"
    assert first.cells["worker_ai"].basis.priced == 1


def test_an_unpriced_model_makes_the_cell_and_the_total_a_lower_bound(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "worker-ai.jsonl": jsonl(
                call("2025-01-14T10:00:00Z"),  # 0.0003647, priced
                call("2025-01-14T11:00:00Z", model=L70B),  # no price, no estimate: unpriced
                # no price: its logged "$0.0135" (the spelling the bash script choked on)
                call("2025-01-14T12:00:00Z", model=L70B, cost_estimate="$0.0135"),
                call("2025-01-15T10:00:00Z", model=L70B),  # the 15th: nothing known
            ),
            "cost-breakdown.jsonl": jsonl(
                {"timestamp": "2025-01-14T23:59:59Z", "claude_code_cost": 2},
                {"timestamp": "2025-01-15T23:59:59Z", "claude_code_cost": 2},
            ),
        },
    )
    first, second = costs.days
    ai = first.cells["worker_ai"]
    assert ai.usd == pytest.approx(0.0138647)  # 0.0003647 + 0.0135; the unpriced call adds nothing
    assert (ai.basis.priced, ai.basis.logged, ai.basis.unpriced) == (1, 1, 1)
    assert (ai.how, ai.lower_bound) == ("mixed", True)
    assert first.total == pytest.approx(2.0138647)  # with Claude Code's 2
    assert first.lower_bound is True
    assert (second.cells["worker_ai"].usd, second.cells["worker_ai"].how) == (None, "unpriced")
    assert second.total == 2.0
    assert second.lower_bound is True


def test_the_record_written_for_a_day(tmp_path: Path) -> None:
    costs = costs_of(tmp_path, BOUNDARY, NEW_YORK)
    record = costs.record(costs.days[1])
    assert list(record) == [
        "timestamp",
        "period",
        "worker_ai_cost",
        "workflows_cost",
        "d1_cost",
        "kv_cost",
        "r2_cost",
        "claude_code_cost",
        "total_cost",
        "total_is_lower_bound",
        "source",
    ]
    assert record["timestamp"] == "2025-01-15T00:00:00-05:00"  # the day's start, local
    assert record["period"] == "2025-01-15"
    assert record["worker_ai_cost"] == pytest.approx(0.0007294)
    assert (record["workflows_cost"], record["kv_cost"], record["claude_code_cost"]) == (
        None,
        None,
        None,
    )
    assert record["total_cost"] == pytest.approx(0.0007404)
    assert record["total_is_lower_bound"] is True
    assert record["source"] == "paperkit costs"


def test_a_day_is_its_period_when_a_date_else_its_local_timestamp_day() -> None:
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(
                ["2025-01-14T23:59:59Z", "2025-01-15T03:00:00Z", "2025-01-15T03:00:00Z"], utc=True
            ),
            "period": ["2025-01-20", "day_2", None],
        }
    )
    # New York is 5 hours behind: 03:00 UTC on the 15th is the evening of the 14th there.
    assert list(record_days(frame, "America/New_York")) == [
        date(2025, 1, 20),
        date(2025, 1, 14),
        date(2025, 1, 14),
    ]


def test_claude_code_comes_from_the_first_record_of_the_day(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "cost-breakdown.jsonl": jsonl(
                {"timestamp": "2025-01-14T23:59:59Z", "period": "day_1", "claude_code_cost": "$3"},
                {"timestamp": "2025-01-14T20:00:00Z", "claude_code_cost": "$5"},
            )
        },
    )
    (day,) = costs.days
    assert day.cells["claude_code"].usd == 3.0
    assert day.total == 3.0 and day.lower_bound is False
    (warning,) = costs.warnings
    assert (warning.path, warning.line) == ("runs/exp/cost-breakdown.jsonl", 2)
    assert warning.message.startswith("another record for 2025-01-14 (the first is line 1)")


def test_other_resources_get_their_own_cell(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "cloudflare.jsonl": jsonl(
                {"timestamp": "2025-01-14T10:00:00Z", "resource": "vectorize"}
                | {"cost_estimate": 0.2},
                # not costed from cloudflare.jsonl: worker-ai.jsonl is its source
                {"timestamp": "2025-01-14T10:00:00Z", "resource": "workers_ai", "cost_estimate": 9},
            )
        },
    )
    (day,) = costs.days
    assert (day.cells["other"].usd, day.cells["other"].how) == (0.2, "logged")
    assert day.total == 0.2
    assert costs.has_other
    assert costs.record(day)["other_cost"] == 0.2


def test_a_day_without_records_is_all_unknown(tmp_path: Path) -> None:
    costs = costs_of(tmp_path, BOUNDARY, NEW_YORK)
    day = costs.on(date(2025, 2, 1))
    assert day.has_records is False
    assert day.total is None
    assert {cell.usd for cell in day.cells.values()} == {None}
    assert costs.on(date(2025, 1, 14)) is costs.days[0]


def test_unknown_experiment_is_an_error(tmp_path: Path) -> None:
    costs_of(tmp_path, BOUNDARY)
    with pytest.raises(PaperkitError) as raised:
        daily_costs(load_spec(tmp_path / "experiments.yaml"), "exq")
    assert raised.value.message == (
        "no experiment 'exq': not in the spec and no folder runs/exq; did you mean 'exp'?"
    )
    assert raised.value.path == (tmp_path / "experiments.yaml").resolve().as_posix()


def test_days_add_up_to_the_paper_costs() -> None:
    spec = load_spec(REPO / "experiments.yaml")
    costs = daily_costs(spec, "ai-content-pipeline")
    lines = render_experiment(spec, "ai-content-pipeline").metrics.cost_lines
    for resource, label in [("worker_ai", "Worker AI"), ("workflows", "Workflows"), ("d1", "D1")]:
        daily = sum(d.cells[resource].usd or 0.0 for d in costs.days)
        assert daily == pytest.approx(resource_cost(lines, label))
    claude = sum(d.cells["claude_code"].usd or 0.0 for d in costs.days)
    assert claude == pytest.approx(resource_cost(lines, "Claude Code"))
