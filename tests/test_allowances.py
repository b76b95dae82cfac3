"""Free allowances (paperkit.prices.allowances) as ``paperkit costs`` applies them: the figures of
the data file, Workers AI's daily Neurons as dollars, monthly inclusions used up in time order, the
Free plan's daily limits. Expected values are worked out by hand in the comments (llama-3.1-8b:
$0.282 per M input tokens; Workflows: $0.30 per M requests, $0.02 per M CPU-ms; KV writes $5.00 per
M)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import paperkit.tracking.daily
from paperkit.prices.allowances import Allowance, Plan, describe, load_plan
from tests.helpers import L8B, SPEC, jsonl
from tests.test_daily import costs_of

PAID = SPEC.replace("root: runs\n", "root: runs\nbilling: {plan: paid, apply_allowances: true}\n")
FREE = PAID.replace("plan: paid", "plan: free")
PAID_NEW_YORK = PAID.replace("root: runs\n", "root: runs\ntimezone: America/New_York\n")


def tokens(timestamp: str, n: int) -> dict[str, object]:
    """A llama-3.1-8b call of ``n`` input tokens and no output: n x 0.282 / 1M dollars."""
    return {"timestamp": timestamp, "model": L8B, "input_tokens": n, "output_tokens": 0}


def run(timestamp: str, name: str, **extra: object) -> dict[str, object]:
    return {"timestamp": timestamp, "execution_id": name, **extra}


def test_the_paid_plan_figures_and_their_sources() -> None:
    plan = load_plan("paid")
    assert plan.usd_per_neuron * 1000 == pytest.approx(0.011)
    neurons = plan.get("workers_ai", "neurons")
    assert neurons is not None and (neurons.amount, neurons.per) == (10_000, "day")
    assert "workers-ai/platform/pricing" in neurons.source
    requests = plan.get("workflows", "invocation")
    cpu = plan.get("workflows", "cpu_ms")
    assert requests is not None and (requests.amount, requests.per) == (10_000_000, "month")
    assert cpu is not None and (cpu.amount, cpu.per) == (30_000_000, "month")
    assert "workers/platform/pricing" in requests.source
    rows_read = plan.get("d1", "rows_read")
    assert rows_read is not None and rows_read.amount == 25_000_000_000
    class_a = plan.get("r2", "class_a_ops")
    assert class_a is not None and class_a.amount == 1_000_000
    assert all(a.beyond == "billed" and "cloudflare-docs" in a.source for a in plan.allowances)
    # 10,000 Neurons x $0.011 / 1,000 = $0.11 a day
    assert describe(plan)[0] == (
        "Workers AI: 10,000 Neurons per UTC day ($0.11 at $0.011 per 1,000 Neurons)"
    )


def test_the_free_plan_has_daily_limits() -> None:
    plan = load_plan("free")
    writes = plan.get("kv", "writes")
    assert writes is not None
    assert (writes.amount, writes.per, writes.beyond) == (1000, "day", "fails")
    cpu = plan.get("workflows", "cpu_ms")
    assert cpu is not None and (cpu.amount, cpu.per) == (10, "invocation")
    class_b = plan.get("r2", "class_b_ops")
    assert class_b is not None and (class_b.per, class_b.beyond) == ("month", "billed")


def test_ten_thousand_neurons_a_day_come_off_as_eleven_cents(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "worker-ai.jsonl": jsonl(
                tokens("2025-01-14T10:00:00Z", 100_000),  # 0.0282
                tokens("2025-01-14T09:00:00Z", 400_000),  # 0.1128
                tokens("2025-01-15T10:00:00Z", 100_000),  # 0.0282
            )
        },
        PAID,
    )
    first, second = costs.days
    # The 14th: 0.1128 + 0.0282 = 0.141 at list price; less the $0.11 credit: 0.031.
    assert first.cells["worker_ai"].usd == pytest.approx(0.141)
    assert first.cells["worker_ai"].after == pytest.approx(0.031)
    # The 15th: 0.0282 is inside that day's credit: 0, not -0.0818.
    assert second.cells["worker_ai"].after == 0.0
    assert second.total_after == 0.0
    assert second.after_lower_bound is True  # Claude Code is still not recorded


def test_the_neuron_credit_follows_the_utc_day_across_local_days(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "worker-ai.jsonl": jsonl(
                tokens("2025-01-15T06:00:00Z", 400_000),  # local 15th 01:00: 0.1128
                tokens("2025-01-15T03:00:00Z", 100_000),  # local 14th 22:00: 0.0282
            )
        },
        PAID_NEW_YORK,
    )
    first, second = costs.days
    # One UTC day (the 15th), used in time order: the 22:00 call takes 0.0282 of the 0.11,
    # so the later call pays 0.1128 - (0.11 - 0.0282) = 0.031.
    assert (first.day, first.cells["worker_ai"].after) == (date(2025, 1, 14), 0.0)
    assert second.cells["worker_ai"].after == pytest.approx(0.031)


def test_monthly_inclusions_are_used_up_in_time_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = Plan(
        "paid",
        (
            Allowance("workflows", "invocation", 2, "month", "billed", "test"),
            Allowance("workflows", "cpu_ms", 1500, "month", "billed", "test"),
        ),
        usd_per_neuron=0.011 / 1000,
        neuron_source="test",
    )
    monkeypatch.setattr(paperkit.tracking.daily, "load_plan", lambda name: small)
    costs = costs_of(
        tmp_path,
        {
            # Each run lists at (0.30 + 1,000 x 0.02) / 1M = 0.0000203. Not in time order.
            "workflows.jsonl": jsonl(
                run("2025-01-31T12:00:00Z", "w3", cpu_ms=1000),
                run("2025-01-30T10:00:00Z", "w1", cpu_ms=1000),
                run("2025-02-01T00:30:00Z", "w4", cpu_ms=1000),
                run("2025-01-31T10:00:00Z", "w2", cpu_ms=1000),
            )
        },
        PAID,
    )
    jan30, jan31, feb1 = (d.cells["workflows"] for d in costs.days)
    # w1: request 1 of 2, CPU 1,000 of 1,500: free.
    assert (jan30.usd, jan30.after) == (pytest.approx(0.0000203), 0.0)
    # w2: request 2 of 2 free; CPU 2,000 is 500 past: 500 x 0.02 / 1M = 0.00001.
    # w3: request 3 is 1 past: 0.30 / 1M; its 1,000 CPU-ms all past: 0.00002. Sum 0.0000303.
    assert jan31.usd == pytest.approx(0.0000406)
    assert jan31.after == pytest.approx(0.0000303)
    # w4: a new month, a new allowance.
    assert feb1.after == 0.0


def test_the_free_plan_daily_limit_and_what_goes_past_it(tmp_path: Path) -> None:
    kv = [
        {"timestamp": "2025-01-14T10:00:00Z", "resource": "kv", "writes": 1500},
        {"timestamp": "2025-01-14T20:00:00Z", "resource": "kv", "writes": 600},
        {"timestamp": "2025-01-15T01:00:00Z", "resource": "kv", "writes": 200},
    ]
    costs = costs_of(tmp_path, {"cloudflare.jsonl": jsonl(*kv)}, FREE)
    first, second = (d.cells["kv"] for d in costs.days)
    # 1,000 free writes a UTC day: 500 + 600 past on the 14th: 1,100 x 5.00 / 1M = 0.0055,
    # of a list price of 2,100 x 5.00 / 1M = 0.0105. Both records went past the limit.
    assert (first.usd, first.after) == (pytest.approx(0.0105), pytest.approx(0.0055))
    assert first.over_limit == 2
    assert (second.after, second.over_limit) == (0.0, 0)


def test_unknown_usage_makes_the_rest_of_its_month_a_lower_bound(tmp_path: Path) -> None:
    costs = costs_of(
        tmp_path,
        {
            "workflows.jsonl": jsonl(
                run("2025-01-13T10:00:00Z", "w1", cpu_ms=100),
                run("2025-01-14T10:00:00Z", "w2"),  # no cpu_ms: invocation only, CPU unknown
                run("2025-01-15T10:00:00Z", "w3", cpu_ms=100),
                run("2025-01-15T11:00:00Z", "w4", cost_estimate="$0.05"),  # no cpu_ms either
            )
        },
        PAID,
    )
    before, unknown, after = (d.cells["workflows"] for d in costs.days)
    assert (before.after, before.after_lower_bound) == (0.0, False)
    assert unknown.lower_bound is True
    # w2's CPU time used some of January's allowance, by an unknown amount.
    assert after.after_lower_bound is True
    # w3 and w4's invocations and w3's 100 CPU-ms are within the paid plan's monthly
    # allowances: nothing is owed after them, and w4's logged $0.05 is not used.
    assert after.after == 0.0


def test_list_price_only_unless_the_spec_opts_in(tmp_path: Path) -> None:
    costs = costs_of(tmp_path, {"worker-ai.jsonl": jsonl(tokens("2025-01-14T10:00:00Z", 1000))})
    (day,) = costs.days
    assert costs.plan is None
    assert day.cells["worker_ai"].after is None
    assert day.total_after is None
    assert "total_after_allowances" not in costs.record(day)
