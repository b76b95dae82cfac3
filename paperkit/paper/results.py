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
from paperkit.measure.costs import Bound
from paperkit.measure.intervals import Interval
from paperkit.paper.comparison import reprice_json
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
        }
        for r in p.results
    ]
    files = {
        name: {
            "lines": s.lines,
            "records": s.records,
            "skipped": s.skipped,
            "repeated": s.repeated,
            "duplicates": s.duplicates,
        }
        for name in FILE_NAMES
        if (s := p.logs.files[name]).present
    }
    doc = {
        "experiment": p.name,
        "metrics": {name: _json_number(name, value) for name, value in values.items()},
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
        "reconciliation": p.reconciliation.to_json() if p.reconciliation else None,
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
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
