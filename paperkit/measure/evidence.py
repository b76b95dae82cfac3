"""What a criterion's number rests on: its value, its sample size and its confidence interval.

A rate gets a Wilson interval over the records whose outcome is known, a mean a Student t interval,
a percentile an order-statistic interval (:mod:`paperkit.measure.intervals`). Counts, totals and
costs describe the run exactly and get no interval. A ``where:`` scope recomputes the metric over
the matching records only. The rules are in docs/criteria.md.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.errors import DataWarning, PaperkitError
from paperkit.measure import quality as quality_metrics
from paperkit.measure.costs import LOWER, Bound, bound_reason
from paperkit.measure.intervals import Interval, mean_interval, quantile_interval, wilson
from paperkit.measure.metrics import Metrics, Number, ai_values, workflow_values
from paperkit.prices.pricing import INVOCATION_ONLY, UNPRICED
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
    ``bound`` is set when the value is only a lower (or upper) bound: a cost that leaves
    unpriced records, unpriced Claude Code requests or days without Claude Code cost out.
    """

    metric: str
    value: float | None
    kind: str
    n: int | None
    interval: Interval | None
    successes: int | None = None
    sd: float | None = None
    q: float | None = None
    bound: Bound | None = None


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
        bound = computed.bounds.get(metric) if scope is None else _scoped_bound(metric, ai, wf)
        n = _exact_n(metric, values)
        return Measurement(
            metric, _float(value), kind, n, None, bound=bound if value is not None else None
        )
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
) -> list[DataWarning]:
    """Check that each ``where:`` value matches a record; return warnings, raise on a typo.

    Before any record is logged (a new experiment, ``paperkit validate`` on day one) nothing
    can match yet: that is a warning, not an error. Once records exist, a value none of them
    has is an error naming the closest value the logs have, and the values that exist. A
    ``quality.*`` metric's scope is checked against the judgements; ``where.rater`` may also
    name a kind of rater (``human``, ``llm``), which must have judged something.
    """
    warnings = []
    for key, wanted in scope.items():
        if metric.startswith("quality.") and quality is not None:
            frame, file = quality, "quality.jsonl"
        elif key == "workflow_name":
            frame, file = wf, "workflows.jsonl"
        else:
            frame, file = ai, "worker-ai.jsonl"
        if not len(frame):
            message = f"where.{key}: no records in {file} yet, so none matches " + ", ".join(
                f"'{value}'" for value in wanted
            )
            warnings.append(DataWarning(spec_path, scope.line, message))
            continue
        present = sorted({str(v) for v in frame[key].dropna().unique()})
        if key == "rater":
            present = sorted(set(quality_metrics.kinds(frame)) | set(present))
        for value in wanted:
            if value not in present:
                close = difflib.get_close_matches(value, present, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                listed = (
                    "the logs have " + ", ".join(f"'{p}'" for p in present)
                    if present
                    else f"no record has any {key} (none logged)"
                )
                raise PaperkitError(
                    f"where.{key}: no record has {key} '{value}'; {listed}{hint}",
                    spec_path,
                    scope.line,
                )
    return warnings


def _scoped_bound(metric: str, ai: pd.DataFrame, wf: pd.DataFrame) -> Bound | None:
    """Return the bound on a scoped cost: the scope's own unpriced records make it a lower one."""
    frame = {"ai.cost_usd": ai, "workflows.cost_usd": wf}.get(metric)
    if frame is None:
        return None
    source = frame["cost_source"]
    why = bound_reason(int((source == UNPRICED).sum()), 0, int((source == INVOCATION_ONLY).sum()))
    return Bound(LOWER, why) if why else None


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
