"""What a criterion's number rests on: its value, its sample size and its confidence interval.

A rate gets a Wilson interval over the records whose outcome is known, a mean a Student t interval,
a percentile an order-statistic interval (:mod:`paperkit.measure.intervals`). Counts, totals and
costs describe the run exactly and get no interval. A ``where:`` scope recomputes the metric over
the matching records only. The rules are in docs/criteria.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.errors import PaperkitError
from paperkit.measure import quality as quality_metrics
from paperkit.measure.intervals import Interval, mean_interval, quantile_interval, wilson
from paperkit.measure.metrics import Metrics, Number, ai_values, workflow_values
from paperkit.spec.types import Scope

RATE, MEAN, QUANTILE, EXACT = "rate", "mean", "quantile", "exact"

# Sampled metrics: how each is estimated, and the column (or per-day counts) it comes from.
_SAMPLED: dict[str, tuple[str, str, float | None]] = {
    "ai.success_rate": (RATE, "success", None),
    "ai.latency_ms.mean": (MEAN, "latency_ms", None),
    "ai.latency_ms.p50": (QUANTILE, "latency_ms", 0.5),
    "ai.latency_ms.p95": (QUANTILE, "latency_ms", 0.95),
    "ai.latency_ms.p99": (QUANTILE, "latency_ms", 0.99),
    "workflows.success_rate": (RATE, "success", None),
    "workflows.duration_s.mean": (MEAN, "duration_s", None),
    "workflows.duration_s.p50": (QUANTILE, "duration_s", 0.5),
    "workflows.duration_s.p95": (QUANTILE, "duration_s", 0.95),
    "workflows.steps.mean": (MEAN, "steps", None),
    "units.per_day.mean": (MEAN, "per_day", None),
    "quality.win_rate": (RATE, "preference", None),
    "quality.not_worse_rate": (RATE, "preference", None),
    "quality.score.mean": (MEAN, "score", None),
}


@dataclass(frozen=True)
class Measurement:
    """A metric's value with what it rests on.

    ``kind`` is rate, mean, quantile (sampled: they estimate something beyond this run) or
    exact. ``n`` counts the records (or days) behind the value, None when it has no such count.
    ``interval`` is None for exact metrics, and for sampled ones too few records support.
    ``successes`` (rates) and ``sd`` (means: the sample standard deviation, dividing by
    ``n - 1``; None below 2 values) are what a later comparison of two runs needs
    (:mod:`paperkit.measure.differences`); ``q`` is a percentile's quantile (0.95 for p95).
    """

    metric: str
    value: float | None
    kind: str
    n: int | None
    interval: Interval | None
    successes: int | None = None
    sd: float | None = None
    q: float | None = None
    # True when the value leaves unpriced records out, so the true value may be higher.
    lower_bound: bool = False


def kind_of(metric: str) -> str:
    """Return how ``metric`` is estimated: rate, mean, quantile, or exact (no interval)."""
    return _SAMPLED[metric][0] if metric in _SAMPLED else EXACT


def measure(
    metric: str,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    computed: Metrics,
    confidence: float,
    scope: Scope | None = None,
    quality: pd.DataFrame | None = None,
) -> Measurement:
    """Return ``metric`` measured over the whole run, or over the records ``scope`` matches.

    ``ai`` and ``wf`` are the priced worker-ai and workflows frames the metrics came from;
    ``quality`` the judgements of quality.jsonl, for the ``quality.*`` metrics.
    """
    if metric.startswith("quality."):
        return _measure_quality(metric, quality, computed, confidence, scope)
    values: dict[str, Number] = computed.values
    if scope is not None:
        ai, wf = _scoped(ai, scope), _scoped(wf, scope)
        values = ai_values(ai) if metric.startswith("ai.") else workflow_values(wf)
    value = values.get(metric)
    kind = kind_of(metric)
    if kind == EXACT:
        n = _exact_n(metric, values)
        lower = _lower_bound(metric, values)
        return Measurement(metric, _float(value), kind, n, None, lower_bound=lower)
    sample = _sample(metric, ai, wf, computed)
    if kind == RATE:
        known = sample.dropna().astype(bool)
        n = len(known)
        successes = int(known.sum())
        interval = wilson(successes, n, confidence)
        return Measurement(metric, _float(value), kind, n, interval, successes=successes)
    numbers = sample.dropna().astype(float).to_numpy()
    n = len(numbers)
    q = _SAMPLED[metric][2]
    if q is None:
        sd = float(numbers.std(ddof=1)) if n >= 2 else None
        interval = mean_interval(numbers, confidence)
        return Measurement(metric, _float(value), kind, n, interval, sd=sd)
    interval = quantile_interval(numbers, q, confidence)
    return Measurement(metric, _float(value), kind, n, interval, q=q)


def sampled_metrics() -> tuple[str, ...]:
    """Return the metrics that estimate something beyond this run (rates, means, percentiles)."""
    return tuple(_SAMPLED)


def _measure_quality(
    metric: str,
    frame: pd.DataFrame | None,
    computed: Metrics,
    confidence: float,
    scope: Scope | None,
) -> Measurement:
    """Return a ``quality.*`` metric over the judgements ``scope`` matches (people's by default).

    With no quality.jsonl there is no data at all, as the catalogue says.
    """
    kind = kind_of(metric)
    if frame is None or computed.values.get("quality.judgements") is None:
        return Measurement(metric, None, kind, None, None)
    judged = quality_metrics.scoped(frame, scope)
    values = quality_metrics.values(judged)
    value = _float(values[metric])
    if kind == RATE:
        successes, n = quality_metrics.rate_sample(metric, judged)
        interval = wilson(successes, n, confidence)
        return Measurement(metric, value, kind, n, interval, successes=successes)
    if kind == MEAN:
        sample = quality_metrics.score_sample(judged)
        n = len(sample)
        sd = float(np.std(sample, ddof=1)) if n >= 2 else None
        return Measurement(metric, value, kind, n, mean_interval(sample, confidence), sd=sd)
    return Measurement(metric, value, kind, int(values["quality.judgements"] or 0), None)


def check_scope(
    scope: Scope,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    spec_path: str,
    quality: pd.DataFrame | None = None,
    metric: str = "",
) -> None:
    """Raise when a ``where:`` value matches no record, naming the values that exist.

    A ``quality.*`` metric's scope is checked against the judgements; ``where.rater`` may
    also name a kind of rater (``human``, ``llm``), which must have judged something.
    """
    for key, wanted in scope.items():
        if metric.startswith("quality.") and quality is not None:
            frame = quality
        else:
            frame = wf if key == "workflow_name" else ai
        present = sorted({str(v) for v in frame[key].dropna().unique()})
        if key == "rater":
            present = sorted(set(quality_metrics.kinds(frame)) | set(present))
        for value in wanted:
            if value not in present:
                listed = (
                    "the logs have " + ", ".join(f"'{p}'" for p in present)
                    if present
                    else f"no record has any {key} (none logged)"
                )
                raise PaperkitError(
                    f"where.{key}: no record has {key} '{value}'; {listed}",
                    spec_path,
                    scope.line,
                )


def _scoped(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Return the rows of ``frame`` matching every scope key it has a column for."""
    keep = pd.Series(True, index=frame.index)
    for key, wanted in scope.items():
        if key in frame.columns:
            keep &= frame[key].isin(wanted)
    return frame[keep]


def _sample(metric: str, ai: pd.DataFrame, wf: pd.DataFrame, computed: Metrics) -> pd.Series:
    """Return the per-record (or per-day) values a sampled metric summarises."""
    column = _SAMPLED[metric][1]
    if column == "per_day":
        return pd.Series([n for _, n in computed.units_per_day], dtype="float64")
    if column == "duration_s":
        return wf["duration_ms"].astype("Float64") / 1000.0
    frame = ai if metric.startswith("ai.") else wf
    return frame[column]


# Costs that leave Claude Code's unpriced requests out (claude-code.jsonl), so are lower bounds.
_CLAUDE_COSTS = (
    "dev.claude_code.cost_usd",
    "dev.claude_code.cost_per_session_usd",
    "cost.claude_code_usd",
    "cost.total_usd",
    "cost.per_unit_usd",
    "cost.per_1k_units_usd",
)


def _lower_bound(metric: str, values: dict[str, Number]) -> bool:
    """Whether ``metric`` is a cost some unpriced Claude Code request is left out of."""
    return metric in _CLAUDE_COSTS and bool(values.get("dev.claude_code.unpriced_requests"))


def _exact_n(metric: str, values: dict[str, Number]) -> int | None:
    """Return the count an exact metric is computed over (the n column), when it has one."""
    if metric.startswith("dev.claude_code."):
        basis = values.get("dev.claude_code.requests")
    elif metric.startswith("ai."):
        basis = values.get("ai.calls")
    elif metric.startswith("workflows."):
        basis = values.get("workflows.executions")
    elif metric.startswith("units.per_day") or metric == "days":
        basis = values.get("days")
    elif metric.startswith(("cost.per_", "comparison.")) or metric == "units.count":
        basis = values.get("units.count")
    elif metric.startswith("dev."):
        basis = values.get(metric.rsplit("_", 1)[0] if metric.endswith("_minutes") else metric)
    elif metric.startswith("quality."):
        basis = values.get("quality.judgements")
    else:
        basis = None
    return None if basis is None else int(basis)


def _float(value: Number) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)
