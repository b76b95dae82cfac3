"""results.json: every number of one paper, unformatted, for scripts and diffs.

Every catalogue metric, the per-model table, the criteria with their verdicts, the outcome and
data quality; :mod:`paperkit.paper.context` words the same inputs for PAPER.md.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from paperkit import __version__
from paperkit.logs.load import FILE_NAMES
from paperkit.measure.costs import Basis, Bound
from paperkit.measure.evidence import EXACT, MEAN, RATE, Measurement
from paperkit.measure.intervals import Interval
from paperkit.measure.series import (
    Group,
    Spread,
    Trends,
    errors_by_type,
    failures_by_error,
    interventions_by_answer,
)
from paperkit.paper.comparison import reprice_json
from paperkit.paper.quality import quality_json
from paperkit.prices.pricing import genai_prices_version
from paperkit.spec.catalogue import INTEGER_METRICS

if TYPE_CHECKING:
    # Only a type here: paper imports this module to keep paper.results_json working.
    from paperkit.paper.context import PaperInputs


def _json_number(name: str, value: Any) -> Any:
    # Infinity is not JSON. The reader keeps every sum finite (a value too large to add up is
    # reported at its line and left out), so this only guards the file's validity.
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if name in INTEGER_METRICS:
        return int(value)
    # Twelve significant digits: full precision for any real cost, without the last-bit
    # noise that differs between summation orders.
    return float(f"{float(value):.12g}")


def _interval(interval: Interval | None) -> dict[str, Any] | None:
    if interval is None:
        return None
    return {
        "low": _json_number("", interval.low),
        "high": _json_number("", interval.high),
        "method": interval.method,
        "confidence": interval.confidence,
    }


def _rounded(value: Any) -> Any:
    """``value`` with every float at twelve significant digits, as the metrics are."""
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, float):
        return _json_number("", value)
    return value


def sample_json(m: Measurement | None) -> dict[str, Any] | None:
    """Return what ``paperkit diff`` needs to test a change in a sampled metric, or None.

    A rate keeps its successes and n, a mean its mean, standard deviation and n, a percentile
    its q, n and order-statistic interval (at the comparison's confidence; see
    :mod:`paperkit.measure.differences`). Exact metrics need nothing: their change is exact.
    """
    if m is None or m.kind == EXACT or m.value is None:
        return None
    if m.kind == RATE:
        return {"kind": m.kind, "successes": m.successes, "n": m.n}
    if m.kind == MEAN:
        return {
            "kind": m.kind,
            "mean": _json_number("", m.value),
            "sd": _json_number("", m.sd),
            "n": m.n,
        }
    interval = _interval(m.interval)
    if interval is not None and m.interval is not None and m.interval.coverage is not None:
        interval["coverage"] = _json_number("", m.interval.coverage)
    return {"kind": m.kind, "q": m.q, "n": m.n, "interval": interval}


def _costs(p: PaperInputs) -> dict[str, Any]:
    """Return the cost per unit and the running cost per unit, with how they were obtained.

    The running cost leaves out Claude Code (development, not running). ``basis`` counts the
    usage records priced, costed at their logged estimate, and left unpriced (which makes
    every total a lower bound), and the days of logged Claude Code cost.
    """
    lines = p.metrics.cost_lines
    units = p.metrics.values["units.count"]
    running = [line for line in lines if not line.development]
    basis = sum((line.basis for line in running), Basis())
    known = [line.usd for line in running if line.usd is not None]
    dev_days = sum(line.basis.logged for line in lines if line.development)
    return {
        "unit": p.exp.unit.name,
        "per_unit_usd": _json_number("", p.metrics.values["cost.per_unit_usd"]),
        "running_per_unit_usd": _json_number("", sum(known) / units) if known and units else None,
        "basis": {
            "priced": basis.priced,
            "logged": basis.logged,
            "unpriced": basis.unpriced,
            "development_days": dev_days,
        },
        "lower_bound": "cost.per_unit_usd" in p.metrics.bounds,
    }


def _bound(bound: Bound | None) -> dict[str, str] | None:
    return None if bound is None else {"side": bound.side, "why": bound.why}


def _comparison(p: PaperInputs) -> dict[str, Any] | None:
    comparison = p.exp.comparison
    if comparison is None:
        return None
    return {
        "name": comparison.name,
        "source": comparison.source,
        "unit": comparison.unit,
        "cost_per_1k_units_usd": comparison.cost_per_1k_units_usd,
        "latency_s": comparison.latency_s,
        "repriced": reprice_json(list(p.repriced)),
    }


def _spreads(spreads: tuple[Spread, ...]) -> dict[str, list[Any]]:
    return {
        "n": [s.n for s in spreads],
        "p50": [_json_number("", s.p50) for s in spreads],
        "p95": [_json_number("", s.p95) for s in spreads],
    }


def _trends(trends: Trends | None) -> dict[str, Any] | None:
    """Return the charts' numbers, one list item per bucket; None when charts are off."""
    if trends is None:
        return None
    flows = trends.workflows
    return {
        "bucket": trends.bucket,
        "timezone": trends.timezone,
        "buckets": [b.isoformat() for b in trends.buckets],
        "inferences": dict(trends.inferences),
        "latency_ms": {model: _spreads(s) for model, s in trends.latency_ms.items()},
        "workflows": {
            "executions": [w.executions if w else None for w in flows],
            "succeeded": [w.succeeded if w else None for w in flows],
            "failed": [w.failed if w else None for w in flows],
            "success_rate": [_json_number("", w.success_rate) if w else None for w in flows],
            "duration_s": _spreads(
                tuple(w.duration_s if w else Spread(0, None, None) for w in flows)
            ),
        },
        "cost_usd": {
            resource: [_json_number("", c.usd) for c in costs]
            for resource, costs in trends.costs.items()
            if any(c.records for c in costs)
        },
        "unpriced_records": {
            resource: [c.unpriced for c in costs]
            for resource, costs in trends.costs.items()
            if any(c.unpriced for c in costs)
        },
        "claude_code_usd": (
            [_json_number("", v) for v in trends.claude_code]
            if trends.claude_code is not None
            else None
        ),
    }


def _groups(groups: tuple[Group, ...], key: str) -> list[dict[str, Any]]:
    return [
        {
            key: g.label,
            "records": g.records,
            "timed": g.timed,
            "minutes": _json_number("", g.minutes),
        }
        for g in groups
    ]


def _breakdowns(p: PaperInputs) -> dict[str, Any]:
    """Return failures by error, errors by type and interventions by could_ai_have_done_this."""
    files = p.logs.files
    return {
        "ai_failures": [{"error": e, "count": n} for e, n in failures_by_error(p.logs.worker_ai)],
        "errors_by_type": (
            _groups(errors_by_type(p.logs.errors), "error_type")
            if files["errors.log"].present
            else None
        ),
        "interventions_by_answer": (
            _groups(interventions_by_answer(p.logs.interventions), "answer")
            if files["interventions.log"].present
            else None
        ),
    }


def results_json(p: PaperInputs) -> str:
    """Return results.json: every metric, the per-model table, the criteria and data quality."""
    values = p.metrics.values
    models = [
        {
            "model": m.model,
            "calls": m.calls,
            "input_tokens_mean": _json_number("", m.input_tokens_mean),
            "output_tokens_mean": _json_number("", m.output_tokens_mean),
            "latency_ms_mean": _json_number("", m.latency_ms_mean),
            "latency_ms_p50": _json_number("", m.latency_ms_p50),
            "latency_ms_p95": _json_number("", m.latency_ms_p95),
            "success_rate": _json_number("", m.success_rate),
            "cost_usd": _json_number("", m.cost_usd),
            "cost_source": m.cost_source,
        }
        for m in p.metrics.models
    ]
    criteria = [
        {
            "text": r.criterion.text,
            "metric": r.criterion.metric,
            "where": dict(r.criterion.where.items()) if r.criterion.where else None,
            "op": r.criterion.op,
            "target": r.criterion.target,
            "value": _json_number(r.criterion.metric or "", r.value),
            "n": r.n,
            "interval": _interval(r.interval),
            "kind": r.measurement.kind if r.measurement else None,
            "interval_used": r.criterion.interval,
            "bound": _bound(r.measurement.bound if r.measurement else None),
            "verdict": r.verdict,
            "reason": r.reason,
            "sample": sample_json(sample),
        }
        for r, sample in zip(
            p.results, p.criterion_samples or (None,) * len(p.results), strict=True
        )
    ]
    files = {
        name: {
            "lines": s.lines,
            "records": s.records,
            "skipped": s.skipped,
            "repeated": s.repeated,
            "duplicates": s.duplicates,
        }
        for name in [*FILE_NAMES, *(n for n in p.logs.files if n not in FILE_NAMES)]
        if (s := p.logs.files[name]).present
    }
    doc = {
        "experiment": p.name,
        "number": p.exp.number,
        "title": p.exp.title,
        "metrics": {name: _json_number(name, value) for name, value in values.items()},
        "samples": {
            "confidence": p.confidence,
            "metrics": {m.metric: sample_json(m) for m in p.samples},
        },
        "costs": _costs(p),
        "bounds": {
            name: _bound(p.metrics.bounds[name]) for name in values if name in p.metrics.bounds
        },
        "models": models,
        "criteria": criteria,
        "outcome": {
            "computed": p.outcome.computed,
            "declared": p.outcome.declared.verdict if p.outcome.declared else None,
            "reason": p.outcome.declared.reason if p.outcome.declared else None,
        },
        "comparison": _comparison(p),
        "quality": _rounded(
            quality_json(p.logs.quality, p.logs.files["quality.jsonl"].present, p.confidence)
        ),
        "reconciliation": p.reconciliation.to_json() if p.reconciliation else None,
        "analytics": p.analytics.to_json() if p.analytics else None,
        "breakdowns": _breakdowns(p),
        "trends": _trends(p.trends),
        "data_quality": {
            "files": files,
            "warnings": [str(w) for w in p.logs.warnings],
            "left_out_of_window": dict(sorted(p.left_out.items())),
        },
        "provenance": {
            "paperkit": __version__,
            "genai_prices": genai_prices_version(),
            "timezone": p.timezone,
            "first_day": p.metrics.first_day.isoformat() if p.metrics.first_day else None,
            "last_day": p.metrics.last_day.isoformat() if p.metrics.last_day else None,
            "spec_sha256": p.spec_sha,
            "files": {
                s.name: {"records": s.records, "sha256": s.sha256} for s in p.sources if s.present
            },
        },
    }
    claude = p.metrics.claude
    if claude is not None:  # only with claude-code.jsonl, so other results.json stay as they were
        doc["claude_code"] = {
            "models": [
                {
                    "model": m.model,
                    "requests": m.requests,
                    "unpriced": m.unpriced,
                    "cost_usd": _json_number("", m.cost_usd),
                    "share_of_cost": _json_number("", m.share),
                }
                for m in claude.models
            ],
            "tool_calls": dict(claude.tools),
        }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
