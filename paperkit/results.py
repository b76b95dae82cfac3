"""results.json: every number of one paper, unformatted, for scripts and diffs.

Every catalogue metric, the per-model table, the criteria with their verdicts, the outcome and
data quality; :mod:`paperkit.paper` words the same inputs for PAPER.md.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from .catalogue import INTEGER_METRICS
from .logs import FILE_NAMES

if TYPE_CHECKING:
    # Only a type here: paper imports this module to keep paper.results_json working.
    from .paper import PaperInputs


def _json_number(name: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if name in INTEGER_METRICS:
        return int(value)
    # Twelve significant digits: full precision for any real cost, without the last-bit
    # noise that differs between summation orders.
    return float(f"{float(value):.12g}")


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
            "op": r.criterion.op,
            "target": r.criterion.target,
            "value": _json_number(r.criterion.metric or "", r.value),
            "verdict": r.verdict,
        }
        for r in p.results
    ]
    files = {
        name: {"lines": s.lines, "records": s.records, "skipped": s.skipped}
        for name in FILE_NAMES
        if (s := p.logs.files[name]).present
    }
    doc = {
        "experiment": p.name,
        "metrics": {name: _json_number(name, value) for name, value in values.items()},
        "models": models,
        "criteria": criteria,
        "outcome": p.outcome,
        "data_quality": {"files": files, "warnings": [str(w) for w in p.logs.warnings]},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
