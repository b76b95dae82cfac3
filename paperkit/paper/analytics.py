"""The paper's section "Logs against Cloudflare's analytics": its rows and sentences.

Shown only when ``cloudflare-analytics.jsonl`` exists; :mod:`paperkit.measure.analytics`
computes every figure and results.json keeps them all under ``analytics``.
"""

from __future__ import annotations

from typing import Any

from paperkit.logs.analytics_log import AI, WORKFLOWS
from paperkit.measure.analytics import Analytics, Pair
from paperkit.paper.render import MISSING, num, pct, usd

FLAG = "⚠️ gap"

# The optional Workers AI fields, as the section names them.
_FIELD_WORDS = {
    "sum.totalNeurons": "neurons (totalNeurons)",
    "sum.totalInferenceTimeMs": "inference time (totalInferenceTimeMs)",
    "dimensions.errorCode": "error code (errorCode)",
}


def _pair(pair: Pair, digits: int = 0) -> str:
    return f"{num(pair.logged, digits)} / {num(pair.cloudflare, digits)}"


def _seconds(pair: Pair) -> str:
    def one(value: float | None) -> str:
        return MISSING if value is None else f"{value:,.2f} s"

    return f"{one(pair.logged)} / {one(pair.cloudflare)}"


def _flag(*pairs: Pair) -> str:
    return FLAG if any(p.flagged for p in pairs) else ""


def _flagged(a: Analytics) -> tuple[int, int]:
    """Return how many Workers AI model-days and workflow-days have a gap past the tolerance."""
    ai = sum(any(p.flagged for p in (r.calls, r.input_tokens, r.output_tokens)) for r in a.ai_days)
    wf = sum(
        any(p.flagged for p in (r.executions, r.failed, r.duration_s)) for r in a.workflow_days
    )
    return ai, wf


def _cost(value: float | None, lower_bound: bool = False) -> str:
    if value is None:
        return MISSING
    return ("≥ " if lower_bound else "") + usd(value)


def analytics_context(a: Analytics) -> dict[str, Any]:
    """Return the template context of the section (documented in docs/templates.md)."""
    ai_header = a.datasets.get(AI, {})
    asked = set(ai_header.get("fields", []))
    asked |= {f"dimensions.{d}" for d in ai_header.get("dimensions", [])}
    available = [words for field, words in _FIELD_WORDS.items() if field in asked]
    missing = [_FIELD_WORDS.get(f, f) for f in ai_header.get("missing", [])]
    any_header = ai_header or a.datasets.get(WORKFLOWS, {}) or next(iter(a.datasets.values()), {})
    values = a.values
    neurons = values["analytics.ai.neurons"]
    token_total = [c.token_usd for c in a.model_costs if c.token_usd is not None]
    lower = any(c.not_token_priced for c in a.model_costs)
    flagged = sum(_flagged(a))
    return {
        "since": any_header.get("since", MISSING),
        "until": any_header.get("until", MISSING),
        "tolerance": pct(a.tolerance, 0),
        "datasets": sorted(a.datasets),
        "has_ai": AI in a.datasets,
        "has_workflows": WORKFLOWS in a.datasets,
        "available": available,
        "missing": missing,
        "schema_checked": bool(ai_header.get("schema_checked", True)),
        "flagged": flagged,
        "ai_rows": [
            {
                "model": r.model,
                "day": r.day.isoformat(),
                "calls": _pair(r.calls),
                "input_tokens": _pair(r.input_tokens),
                "output_tokens": _pair(r.output_tokens),
                "neurons": num(r.neurons),
                "flag": _flag(r.calls, r.input_tokens, r.output_tokens),
            }
            for r in a.ai_days
        ],
        "cost_rows": [
            {
                "model": c.model,
                "neurons": num(c.neurons),
                "neuron_usd": _cost(c.neuron_usd),
                "token_usd": _cost(c.token_usd, c.not_token_priced > 0),
            }
            for c in a.model_costs
        ],
        "neurons": num(neurons),
        "neurons_known": neurons is not None,
        "neuron_usd": _cost(values["analytics.ai.cost_usd"]),
        "token_usd": _cost(sum(token_total) if token_total else None, lower),
        "not_token_priced": sum(c.not_token_priced for c in a.model_costs),
        "rate": f"${a.usd_per_1000_neurons:.3f} per 1,000 neurons",
        "rate_source": a.rate_source,
        "allowances": a.allowances and neurons is not None,
        "free_neurons": num(a.free_neurons_per_day),
        "after_allowance": _cost(a.cost_after_allowance_usd),
        "over_limit": num(a.over_limit_neurons) if a.over_limit_neurons else None,
        "workflow_rows": [
            {
                "workflow": r.workflow,
                "day": r.day.isoformat(),
                "executions": _pair(r.executions),
                "failed": _pair(r.failed),
                "duration": _seconds(r.duration_s),
                "flag": _flag(r.executions, r.failed, r.duration_s),
            }
            for r in a.workflow_days
        ],
    }


def analytics_gaps(a: Analytics) -> list[str]:
    """Return the What This Doesn't Prove line for rows that disagree with Cloudflare, if any."""
    ai, wf = _flagged(a)
    if not ai + wf:
        return []
    parts = [f"{ai} Workers AI model-day{'s' if ai != 1 else ''}"] if ai else []
    parts += [f"{wf} workflow-day{'s' if wf != 1 else ''}"] if wf else []
    return [
        "That the logs hold everything Cloudflare ran: "
        + " and ".join(parts)
        + f" differ from Cloudflare's (sampled) analytics by more than {pct(a.tolerance, 0)} "
        "(see Logs against Cloudflare's analytics)"
    ]
