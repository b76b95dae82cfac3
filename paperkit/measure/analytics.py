"""The logs against Cloudflare's analytics, and Workers AI priced from Cloudflare's neurons.

Per model and day: logged calls and tokens against Cloudflare's ``count`` and token sums. Per
workflow and day: logged executions against ``WORKFLOW_START`` events, logged failures against
``WORKFLOW_FAILURE`` events, the mean logged duration against the mean ``wallTime`` of the
events that end an instance (``WORKFLOW_SUCCESS`` and ``WORKFLOW_FAILURE``). Days are calendar
days in the spec's time zone; Cloudflare's periods are whole UTC hours, so a zone whose offset
is not a whole number of hours splits some hours between two days.

A gap is flagged by the rule of :mod:`paperkit.measure.reconcile`: ``|a - b| > tolerance * max(|a|,
|b|)``. Cloudflare's figures are sampled estimates, so a small gap is expected.

Workers AI bills neurons: Cloudflare's ``totalNeurons`` times $0.011 per 1,000 neurons (the
rate in ``cloudflare-rates.yaml``) is the neuron-priced cost, beside the token-priced cost of
the logged calls. With ``billing.apply_allowances`` the plan's free neurons of each UTC day
(10,000) are taken off first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from paperkit.logs.analytics_log import AI, WORKFLOWS, AnalyticsLog
from paperkit.measure.neurons import ModelCost, after_allowance, model_costs
from paperkit.measure.stats import sum_known
from paperkit.prices.allowances import load_plan
from paperkit.spec.types import Billing

ENDS = ("WORKFLOW_SUCCESS", "WORKFLOW_FAILURE")
NO_NAME = "(no workflow_name)"


@dataclass(frozen=True)
class Pair:
    """A logged figure and Cloudflare's, and whether their gap is past the tolerance."""

    logged: float | None
    cloudflare: float | None
    flagged: bool

    def to_json(self) -> dict[str, Any]:
        return {"logged": self.logged, "cloudflare": self.cloudflare, "flagged": self.flagged}


@dataclass(frozen=True)
class AiDay:
    model: str
    day: date
    calls: Pair
    input_tokens: Pair
    output_tokens: Pair
    neurons: float | None


@dataclass(frozen=True)
class WorkflowDay:
    workflow: str
    day: date
    executions: Pair
    failed: Pair
    duration_s: Pair


@dataclass(frozen=True)
class Analytics:
    """The comparison, the neuron-priced cost and the ``analytics.*`` metrics of one paper."""

    datasets: dict[str, dict[str, Any]]
    tolerance: float
    usd_per_1000_neurons: float
    rate_source: str
    ai_days: tuple[AiDay, ...]
    workflow_days: tuple[WorkflowDay, ...]
    model_costs: tuple[ModelCost, ...]
    values: dict[str, float | int | None]
    allowances: bool
    free_neurons_per_day: float | None
    cost_after_allowance_usd: float | None
    over_limit_neurons: float | None

    def to_json(self) -> dict[str, Any]:
        """Every figure, unformatted, for results.json's ``analytics``."""
        return {
            "datasets": {
                name: {k: v for k, v in header.items() if k not in ("record", "dataset")}
                for name, header in sorted(self.datasets.items())
            },
            "sampled": True,
            "tolerance": self.tolerance,
            "usd_per_1000_neurons": self.usd_per_1000_neurons,
            "rate_source": self.rate_source,
            "ai_by_model_day": [
                {
                    "model": r.model,
                    "day": r.day.isoformat(),
                    "calls": r.calls.to_json(),
                    "input_tokens": r.input_tokens.to_json(),
                    "output_tokens": r.output_tokens.to_json(),
                    "neurons": r.neurons,
                }
                for r in self.ai_days
            ],
            "workflows_by_day": [
                {
                    "workflow": r.workflow,
                    "day": r.day.isoformat(),
                    "executions": r.executions.to_json(),
                    "failed": r.failed.to_json(),
                    "duration_s_mean": r.duration_s.to_json(),
                }
                for r in self.workflow_days
            ],
            "ai_cost_by_model": [
                {
                    "model": c.model,
                    "neurons": c.neurons,
                    "neuron_cost_usd": _round(c.neuron_usd),
                    "token_cost_usd": _round(c.token_usd),
                    "calls_not_token_priced": c.not_token_priced,
                }
                for c in self.model_costs
            ],
            "allowances_applied": self.allowances,
            "free_neurons_per_day": self.free_neurons_per_day,
            "cost_after_allowance_usd": _round(self.cost_after_allowance_usd),
            "over_limit_neurons": self.over_limit_neurons,
        }


def compare(
    log: AnalyticsLog,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    *,
    ai_logged: bool,
    wf_logged: bool,
    timezone: str,
    tolerance: float,
    billing: Billing,
) -> Analytics:
    """Return the comparison of the priced logs ``ai``/``wf`` with the imported analytics.

    ``ai_logged``/``wf_logged`` say whether worker-ai.jsonl/workflows.jsonl exist: without the
    file a logged figure is unknown (None), with it a day with no record is a real 0.
    """
    plan = load_plan(billing.plan)
    rate = plan.usd_per_neuron
    has_ai, has_wf = AI in log.datasets, WORKFLOWS in log.datasets
    neurons_known = has_ai and "sum.totalNeurons" in log.datasets[AI].get("fields", [])
    cf_ai = log.ai.assign(day=_local_day(log.ai["period"], timezone))
    ai_days = _ai_days(ai, cf_ai, ai_logged, neurons_known, timezone, tolerance) if has_ai else ()
    wf_days = _workflow_days(log.workflows, wf, wf_logged, timezone, tolerance) if has_wf else ()

    neurons = sum_known(log.ai["neurons"]) if neurons_known else None
    if neurons_known and neurons is None:
        neurons = 0.0  # the field exists and no group was returned: nothing ran
    starts = log.workflows.loc[log.workflows["event_type"] == "WORKFLOW_START", "count"]
    failures = log.workflows.loc[log.workflows["event_type"] == "WORKFLOW_FAILURE", "count"]
    values: dict[str, float | int | None] = {
        "analytics.ai.calls": _int(log.ai["count"].sum()) if has_ai else None,
        "analytics.ai.input_tokens": _int(log.ai["input_tokens"].sum()) if has_ai else None,
        "analytics.ai.output_tokens": _int(log.ai["output_tokens"].sum()) if has_ai else None,
        "analytics.ai.neurons": neurons,
        "analytics.ai.cost_usd": None if neurons is None else neurons * rate,
        "analytics.workflows.executions": _int(starts.sum()) if has_wf else None,
        "analytics.workflows.failed": _int(failures.sum()) if has_wf else None,
    }
    allowance = plan.get("workers_ai", "neurons")
    after = over = None
    if billing.apply_allowances and neurons is not None and allowance is not None:
        after, over = after_allowance(log.ai, allowance, rate)
    return Analytics(
        datasets=log.datasets,
        tolerance=tolerance,
        usd_per_1000_neurons=rate * 1000,
        rate_source=plan.neuron_source,
        ai_days=ai_days,
        workflow_days=wf_days,
        model_costs=model_costs(ai, log.ai, neurons_known, rate) if has_ai else (),
        values=values,
        allowances=billing.apply_allowances,
        free_neurons_per_day=allowance.amount if allowance and billing.apply_allowances else None,
        cost_after_allowance_usd=after,
        over_limit_neurons=over,
    )


def _ai_days(
    ai: pd.DataFrame,
    cf: pd.DataFrame,
    logged: bool,
    neurons_known: bool,
    timezone: str,
    tolerance: float,
) -> tuple[AiDay, ...]:
    mine = ai.assign(day=_local_day(ai["timestamp"], timezone), one=1.0)
    ours = mine.groupby(["model", "day"]).agg(
        calls=("one", "sum"),
        input_tokens=("input_tokens", lambda s: sum_known(s)),
        output_tokens=("output_tokens", lambda s: sum_known(s)),
    )
    theirs = cf.groupby(["model", "day"]).agg(
        calls=("count", "sum"),
        input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"),
        neurons=("neurons", "sum"),
    )
    keys = sorted(set(ours.index) | set(theirs.index))
    rows = []
    for model, day in keys:
        a = ours.loc[(model, day)] if (model, day) in ours.index else None
        b = theirs.loc[(model, day)] if (model, day) in theirs.index else None
        pairs = [
            _pair(_get(a, f, logged), _get(b, f, True), tolerance)
            for f in ("calls", "input_tokens", "output_tokens")
        ]
        neurons = _get(b, "neurons", True) if neurons_known else None
        rows.append(AiDay(str(model), day, *pairs, neurons))
    return tuple(rows)


def _workflow_days(
    cf: pd.DataFrame, wf: pd.DataFrame, logged: bool, timezone: str, tolerance: float
) -> tuple[WorkflowDay, ...]:
    mine = wf.assign(
        day=_local_day(wf["timestamp"], timezone),
        workflow=wf["workflow_name"].fillna(NO_NAME),
        one=1.0,
        bad=(wf["success"] == False).astype(float),  # noqa: E712 - NA is not a failure
        seconds=wf["duration_ms"].astype("float64") / 1000.0,
    )
    ours = mine.groupby(["workflow", "day"]).agg(
        executions=("one", "sum"), failed=("bad", "sum"), seconds=("seconds", "mean")
    )
    events = cf.assign(
        day=_local_day(cf["period"], timezone),
        workflow=cf["workflow_name"].fillna(NO_NAME),
        starts=cf["count"].where(cf["event_type"] == "WORKFLOW_START", 0.0),
        failures=cf["count"].where(cf["event_type"] == "WORKFLOW_FAILURE", 0.0),
        ends=cf["count"].where(cf["event_type"].isin(ENDS), 0.0),
        wall=cf["wall_time"].where(cf["event_type"].isin(ENDS), 0.0),
    )
    theirs = events.groupby(["workflow", "day"]).agg(
        executions=("starts", "sum"),
        failed=("failures", "sum"),
        ends=("ends", "sum"),
        wall=("wall", "sum"),
    )
    theirs["seconds"] = (theirs["wall"] / theirs["ends"].where(theirs["ends"] > 0)) / 1000.0
    keys = sorted(set(ours.index) | set(theirs.index))
    rows = []
    for workflow, day in keys:
        a = ours.loc[(workflow, day)] if (workflow, day) in ours.index else None
        b = theirs.loc[(workflow, day)] if (workflow, day) in theirs.index else None
        rows.append(
            WorkflowDay(
                str(workflow),
                day,
                _pair(_get(a, "executions", logged), _get(b, "executions", True), tolerance),
                _pair(_get(a, "failed", logged), _get(b, "failed", True), tolerance),
                _pair(_mean(a, "seconds"), _mean(b, "seconds"), tolerance),
            )
        )
    return tuple(rows)


def _pair(a: float | None, b: float | None, tolerance: float) -> Pair:
    if a is None or b is None:
        return Pair(a, b, False)
    return Pair(a, b, abs(a - b) > tolerance * max(abs(a), abs(b)))


def _get(row: pd.Series | None, field: str, known: bool) -> float | None:
    """A count or sum of a group, 0 for a group with no records when the source exists."""
    if not known:
        return None
    if row is None:
        return 0.0
    value = row[field]
    return None if pd.isna(value) else float(value)


def _mean(row: pd.Series | None, field: str) -> float | None:
    if row is None or pd.isna(row[field]):
        return None
    return float(row[field])


def _local_day(stamps: pd.Series, timezone: str) -> pd.Series:
    return stamps.dt.tz_convert(timezone).dt.date


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.12g}")
