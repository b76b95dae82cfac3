"""The comparison table with its differences, its flags, and the repriced tokens.

Each numeric row shows this stack, the other, the absolute difference (ours − theirs) and the
relative one (ours ÷ theirs − 1). A comparison without a source, or whose figures count
another unit than the experiment's, is flagged: its numbers cannot carry a conclusion alone.
"""

from __future__ import annotations

from typing import Any

from paperkit.measure.metrics import latency_seconds
from paperkit.measure.reprice import Repriced
from paperkit.paper.costs import RunningCost
from paperkit.paper.render import MISSING, num, usd
from paperkit.paper.wording import count
from paperkit.spec.types import Comparison, Experiment


def _signed_pct(value: float | None) -> str:
    if value is None:
        return MISSING
    return f"{value * 100:+.1f}%".replace("-", "−")


def _row(
    label: str, ours: float | None, theirs: float | None, fmt: Any, lower_bound: bool = False
) -> dict[str, str]:
    """Return a table row with the absolute and relative differences (n/a when one is unknown).

    ``lower_bound`` marks our figure "≥" (some of its records are unpriced).
    """
    diff = ours - theirs if ours is not None and theirs is not None else None
    rel = ours / theirs - 1 if ours is not None and theirs else None
    shown_diff = MISSING if diff is None else ("+" if diff >= 0 else "−") + fmt(abs(diff))
    mark = "≥ " if lower_bound and ours is not None else ""
    return {
        "label": label,
        "ours": mark + fmt(ours),
        "theirs": fmt(theirs),
        "diff": shown_diff,
        "rel": _signed_pct(rel),
    }


def comparison_rows(
    comparison: Comparison, exp: Experiment, values: dict[str, Any], running: RunningCost
) -> list[dict[str, str]]:
    """Return the numeric rows of the comparison table: cost, running cost, latency."""
    plural = exp.unit.name + "s"
    theirs = comparison.cost_per_1k_units_usd
    lower = running.basis.lower_bound
    total = values["cost.per_1k_units_usd"]
    rows = [_row(f"Cost per 1K {plural}", total, theirs, usd, running.lower_bound)]
    if running.per_1k is not None:
        label = f"Cost per 1K {plural}, without development"
        rows.append(_row(label, running.per_1k, theirs, usd, lower))
    seconds = latency_seconds(values, comparison.latency_metric)

    def secs(value: float | None) -> str:
        return MISSING if value is None else f"{num(value, 2)} s"

    rows.append(_row(f"Latency ({comparison.latency_metric})", seconds, comparison.latency_s, secs))
    return rows


def comparison_flags(comparison: Comparison, exp: Experiment, running: RunningCost) -> list[str]:
    """Return the warnings a reader needs before trusting the comparison's figures."""
    flags = []
    if running.basis.lower_bound:
        left_out = (
            [count(running.basis.unpriced, "unpriced record")] if running.basis.unpriced else []
        )
        if running.basis.partial:
            left_out.append(f"the CPU time of {count(running.basis.partial, 'execution')}")
        flags.append(
            f"⚠️ **Lower bound:** this stack's cost leaves out {' and '.join(left_out)}, so it "
            "and its differences are lower bounds."
        )
    if not comparison.source:
        flags.append(
            f"⚠️ **No source** for the {comparison.name} figures: they are hand-entered and "
            "unchecked (add `comparison.source` in experiments.yaml)."
        )
    if comparison.unit and comparison.unit != exp.unit.name:
        flags.append(
            f"⚠️ **Different unit:** the {comparison.name} figures count "
            f"{comparison.unit}s, this experiment counts {exp.unit.name}s; the cost rows "
            "compare unlike things."
        )
    return flags


def reprice_lines(found: list[Repriced]) -> list[str]:
    """Return one sentence per repriced model: what our exact tokens would cost on theirs."""
    lines = []
    for r in found:
        tokens = f"{num(r.input_tokens)} input and {num(r.output_tokens)} output tokens"
        skipped = r.calls - r.repriced_calls
        left_out = f"; {count(skipped, 'call')} without token counts left out" if skipped else ""
        ours = usd(r.our_cost_usd) if r.our_cost_usd is not None else "unknown"
        lines.append(
            f"The {tokens} of {r.repriced_calls:,} {r.model} calls would cost "
            f"{usd(r.their_cost_usd)} on {r.provider}:{r.target}, against {ours} here "
            f"(priced with {r.source}{left_out})."
        )
    return lines


def reprice_json(found: list[Repriced]) -> list[dict[str, Any]]:
    """Return the repricing for results.json."""
    return [
        {
            "model": r.model,
            "at": f"{r.provider}:{r.target}",
            "calls": r.calls,
            "repriced_calls": r.repriced_calls,
            "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens,
            "their_cost_usd": r.their_cost_usd,
            "our_cost_usd": r.our_cost_usd,
            "source": r.source,
        }
        for r in found
    ]
