"""The metrics catalogue computed from priced logs: the numbers every table and criterion uses.

Rules (docs/metrics.md): rates are fractions; percentiles interpolate linearly; ``days`` counts
calendar days in the spec's time zone from the first to the last usage record inclusive; a
metric with no data is None, never 0. Counts are None when their file is absent and 0 when
it is present but holds no records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from paperkit.logs.load import Logs
from paperkit.measure import quality
from paperkit.measure.costs import (
    Basis,
    Bound,
    CostLine,
    basis_of,
    cost_bounds,
    cost_lines,
    days_without_claude_code,
    resource_cost,
    source_label,
)
from paperkit.measure.dev import ClaudeCodeActivity, activity
from paperkit.measure.stats import count_total, mean, outcomes, quantile, sum_known
from paperkit.prices.pricing import LOGGED, UNPRICED
from paperkit.spec.catalogue import METRIC_NAMES
from paperkit.spec.types import Experiment

Number = float | int | None


@dataclass(frozen=True)
class ModelRow:
    """One model's line in the Worker AI table (``model`` is "Total" for the total row)."""

    model: str
    calls: int
    input_tokens_mean: float | None
    output_tokens_mean: float | None
    latency_ms_mean: float | None
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    success_rate: float | None
    cost_usd: float | None
    basis: Basis
    cost_source: str


@dataclass(frozen=True)
class Metrics:
    """Every catalogue value, plus the per-model, per-failure and per-resource breakdowns.

    ``bounds`` names the values that are only bounds (a cost leaving records out) and why;
    ``dev_days_missing`` lists the days with usage but no Claude Code cost recorded.
    """

    values: dict[str, Number]
    models: tuple[ModelRow, ...]
    ai_total: ModelRow | None
    workflow_failures: tuple[tuple[str, int], ...]
    cost_lines: tuple[CostLine, ...]
    first_day: date | None
    last_day: date | None
    units_per_day: tuple[tuple[date, int], ...]
    claude: ClaudeCodeActivity | None = None  # from claude-code.jsonl, when there is one
    bounds: dict[str, Bound] = field(default_factory=dict)
    dev_days_missing: tuple[date, ...] = ()

    def __getitem__(self, name: str) -> Number:
        return self.values[name]


_MODEL_ROW_COLUMNS = (
    "cost_source",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "success",
    "cost_usd",
)


def _model_row(name: str, calls: pd.DataFrame) -> ModelRow:
    basis = basis_of(calls["cost_source"])
    return ModelRow(
        model=name,
        calls=len(calls),
        input_tokens_mean=mean(calls["input_tokens"]),
        output_tokens_mean=mean(calls["output_tokens"]),
        latency_ms_mean=mean(calls["latency_ms"]),
        latency_ms_p50=quantile(calls["latency_ms"], 0.5),
        latency_ms_p95=quantile(calls["latency_ms"], 0.95),
        success_rate=outcomes(calls["success"])[2],
        cost_usd=sum_known(calls["cost_usd"]),
        basis=basis,
        cost_source=source_label(basis, "priced"),
    )


def ai_values(ai: pd.DataFrame) -> dict[str, Number]:
    """Return the ``ai.*`` metrics of some worker-ai records (all of them, or a scope's)."""
    ok, bad, rate = outcomes(ai["success"])
    latency = ai["latency_ms"]
    return {
        "ai.calls": len(ai),
        "ai.succeeded": ok,
        "ai.failed": bad,
        "ai.success_rate": rate,
        "ai.input_tokens": count_total(ai["input_tokens"]),
        "ai.output_tokens": count_total(ai["output_tokens"]),
        "ai.latency_ms.mean": mean(latency),
        "ai.latency_ms.p50": quantile(latency, 0.5),
        "ai.latency_ms.p95": quantile(latency, 0.95),
        "ai.latency_ms.p99": quantile(latency, 0.99),
        "ai.cost_usd": sum_known(ai["cost_usd"]),
        "ai.cost_logged_usd": sum_known(ai["cost_logged"]),
        "ai.logged_cost_calls": int((ai["cost_source"] == LOGGED).sum()),
        "ai.unpriced_calls": int((ai["cost_source"] == UNPRICED).sum()),
    }


def workflow_values(wf: pd.DataFrame) -> dict[str, Number]:
    """Return the ``workflows.*`` metrics of some workflows records (all, or a scope's)."""
    ok, bad, rate = outcomes(wf["success"])
    seconds = wf["duration_ms"] / 1000.0
    return {
        "workflows.executions": len(wf),
        "workflows.succeeded": ok,
        "workflows.failed": bad,
        "workflows.success_rate": rate,
        "workflows.duration_s.mean": mean(seconds),
        "workflows.duration_s.p50": quantile(seconds, 0.5),
        "workflows.duration_s.p95": quantile(seconds, 0.95),
        "workflows.steps.mean": mean(wf["steps"]),
        "workflows.steps_failed": count_total(wf["steps_failed"]),
        "workflows.cost_usd": sum_known(wf["cost_usd"]),
    }


def _unit_mask(logs_ai: pd.DataFrame, logs_wf: pd.DataFrame, count: str) -> pd.Series:
    """Return the timestamps of the records that each count as one unit."""
    frame = logs_wf if count.startswith("workflows.") else logs_ai
    if count.endswith(".succeeded"):
        frame = frame[frame["success"] == True]  # noqa: E712
    return frame["timestamp"]


def _days(stamps: list[pd.Series], tz: str) -> tuple[date | None, date | None]:
    local = [s.dt.tz_convert(tz) for s in stamps if len(s)]
    if not local:
        return None, None
    first = min(s.min() for s in local)
    last = max(s.max() for s in local)
    return first.date(), last.date()


def _unit_values(
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    exp: Experiment,
    tz: str,
    count_value: Number,
) -> tuple[dict[str, Number], date | None, date | None, tuple[tuple[date, int], ...]]:
    first, last = _days([ai["timestamp"], wf["timestamp"], cf["timestamp"]], tz)
    values: dict[str, Number] = {"units.count": count_value}
    if first is None or last is None:
        return values, None, None, ()
    span = pd.date_range(first, last, freq="D").date
    values["days"] = len(span)
    if count_value is None:
        return values, first, last, ()
    stamps = _unit_mask(ai, wf, exp.unit.count).dt.tz_convert(tz)
    per_day = stamps.dt.date.value_counts().reindex(span, fill_value=0)
    values["units.per_day.mean"] = float(per_day.mean())
    values["units.per_day.min"] = int(per_day.min())
    return values, first, last, tuple((d, int(n)) for d, n in per_day.items())


def _dev_values(logs: Logs) -> dict[str, Number]:
    files = logs.files
    values: dict[str, Number] = {}
    if files["prompts.jsonl"].present:
        values["dev.iterations"] = len(logs.prompts)
    if files["errors.log"].present:
        values["dev.errors"] = len(logs.errors)
        values["dev.error_fix_minutes"] = sum_known(logs.errors["fix_time_min"])
    if files["interventions.log"].present:
        values["dev.interventions"] = len(logs.interventions)
        values["dev.intervention_minutes"] = sum_known(logs.interventions["time_spent_min"])
    if files["log.md"].present:
        values["dev.sessions"] = len(logs.sessions)
        minutes = [s.duration_min for s in logs.sessions if s.duration_min is not None]
        values["dev.session_minutes"] = float(sum(minutes)) if minutes else None
    return values


def latency_seconds(values: dict[str, Number], metric: str) -> float | None:
    """Return the value of a latency metric in seconds (``*_ms.*`` metrics are converted)."""
    value = values.get(metric)
    if value is None:
        return None
    return float(value) / 1000.0 if "_ms." in metric or metric.endswith("_ms") else float(value)


def compute(
    logs: Logs,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    exp: Experiment,
    timezone: str,
    *,
    claude: pd.DataFrame | None = None,
    prompts: pd.DataFrame | None = None,
) -> Metrics:
    """Return every catalogue metric for one experiment, from its priced frames.

    ``ai``, ``wf`` and ``cf`` are the worker-ai, workflows and cloudflare frames with the
    ``cost_usd``/``cost_source`` columns added by :mod:`paperkit.prices.pricing`; ``claude`` and
    ``prompts`` the priced requests and the prompts of claude-code.jsonl, when it exists
    (then the Claude Code cost comes from them, not from cost-breakdown.jsonl).
    """
    present = {name: stats.present for name, stats in logs.files.items()}
    values: dict[str, Number] = dict.fromkeys(METRIC_NAMES)
    if present["worker-ai.jsonl"]:
        values.update(ai_values(ai))
    if present["workflows.jsonl"]:
        values.update(workflow_values(wf))
    values.update(_dev_values(logs))
    dev = None
    if claude is not None and prompts is not None:
        dev = activity(claude, prompts)
        values.update(dev.values)
    if present["quality.jsonl"]:
        values.update(quality.values(quality.scoped(logs.quality, None)))

    count_value = values.get(exp.unit.count)
    unit_values, first, last, per_day = _unit_values(ai, wf, cf, exp, timezone, count_value)
    values.update(unit_values)

    lines = cost_lines(ai, wf, cf, logs.cost_breakdown, present, claude=claude)
    values["cost.worker_ai_usd"] = resource_cost(lines, "Worker AI")
    values["cost.workflows_usd"] = resource_cost(lines, "Workflows")
    values["cost.d1_usd"] = resource_cost(lines, "D1")
    values["cost.kv_usd"] = resource_cost(lines, "KV")
    values["cost.r2_usd"] = resource_cost(lines, "R2")
    values["cost.claude_code_usd"] = resource_cost(lines, "Claude Code")
    known = [line.usd for line in lines if line.usd is not None]
    total = float(sum(known)) if known else None
    values["cost.total_usd"] = total
    units = values["units.count"]
    if total is not None and units:
        values["cost.per_unit_usd"] = total / float(units)
        values["cost.per_1k_units_usd"] = total / float(units) * 1000.0
    running = [line.usd for line in lines if line.usd is not None and not line.development]
    if running and units:
        values["cost.running_per_unit_usd"] = float(sum(running)) / float(units)

    comparison = exp.comparison
    if comparison is not None:
        ours = values["cost.per_1k_units_usd"]
        theirs = comparison.cost_per_1k_units_usd
        if ours is not None and theirs:
            values["comparison.cost_reduction"] = 1.0 - float(ours) / theirs
        latency = latency_seconds(values, comparison.latency_metric)
        if latency is not None and comparison.latency_s:
            values["comparison.latency_ratio"] = latency / comparison.latency_s

    # Only the columns a row reads: each group is a copy of its records.
    needed = ai[[*dict.fromkeys(["model", *_MODEL_ROW_COLUMNS])]]
    models = tuple(
        _model_row(str(name), group) for name, group in needed.groupby("model", sort=True)
    )
    ai_total = _model_row("Total", ai) if present["worker-ai.jsonl"] and len(ai) else None
    failures = wf.loc[wf["success"] == False, "error"].fillna("(no error logged)")  # noqa: E712
    counts = failures.value_counts()
    workflow_failures = tuple(
        sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    )
    # With claude-code.jsonl, development cost comes from the transcripts, not from the days
    # of cost-breakdown.jsonl; its unpriced requests make it a lower bound instead.
    missing = (
        ()
        if claude is not None
        else days_without_claude_code(ai, wf, cf, logs.cost_breakdown, timezone)
    )
    bounds = {
        name: bound
        for name, bound in cost_bounds(lines, len(missing)).items()
        if values.get(name) is not None
    }
    return Metrics(
        values,
        models,
        ai_total,
        workflow_failures,
        lines,
        first,
        last,
        per_day,
        dev,
        bounds,
        missing,
    )
