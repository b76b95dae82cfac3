"""The paper's Cost Reconciliation section: the gaps worth a reader's attention, in few rows.

Every row is in results.json; the paper shows the per-model totals, then the largest flagged
gaps of each comparison (``ROW_LIMIT`` each) and says how many there are in all.
"""

from __future__ import annotations

from typing import Any

from paperkit.measure.reconcile import Reconciliation
from paperkit.paper.render import MISSING, pct, usd
from paperkit.paper.wording import count

ROW_LIMIT = 8


def _rel(value: float | None) -> str:
    return MISSING if value is None else pct(value)


def _ratio(logged: float | None, priced: float | None) -> str:
    """Return logged ÷ priced as "29.9×", the figure a reader remembers; n/a without both."""
    if logged is None or not priced:
        return MISSING
    return f"{logged / priced:,.1f}×"


def _largest(rows: tuple[Any, ...]) -> list[Any]:
    """Return the flagged rows with the largest absolute gaps first (ties in input order)."""
    flagged = [r for r in rows if r.flagged]
    return sorted(flagged, key=lambda r: -abs(r.gap_usd or 0.0))[:ROW_LIMIT]


def reconciliation_context(rec: Reconciliation) -> dict[str, Any]:
    """Return the template context of the Cost Reconciliation section."""
    models = [
        {
            "model": r.model,
            "calls": r.calls,
            "logged": usd(r.logged_usd),
            "priced": usd(r.priced_usd),
            "gap": usd(r.gap_usd),
            "rel": _rel(r.relative_gap),
            "ratio": _ratio(r.logged_usd, r.priced_usd),
            "flag": "⚠️ gap" if r.flagged else ("ok" if r.status == "compared" else r.status),
        }
        for r in rec.logged_vs_priced_totals
    ]
    days = _largest(rec.logged_vs_priced)
    breakdown = _largest(rec.breakdown_vs_logs)
    totals = [r for r in rec.breakdown_totals if r.flagged]
    compared = sum(1 for r in rec.logged_vs_priced if r.status == "compared")
    return {
        "tolerance": pct(rec.tolerance, 1),
        "models": models,
        "day_rows": [
            {
                "model": r.model,
                "day": r.day.isoformat() if r.day else MISSING,
                "logged": usd(r.logged_usd),
                "priced": usd(r.priced_usd),
                "rel": _rel(r.relative_gap),
            }
            for r in days
        ],
        "day_summary": (
            f"{count(sum(r.flagged for r in rec.logged_vs_priced), 'model-day')} of "
            f"{compared:,} compared differ by more than the tolerance"
        ),
        "breakdown_rows": [
            {
                "line": r.line,
                "day": r.day.isoformat() if r.day else MISSING,
                "resource": r.resource,
                "breakdown": usd(r.breakdown_usd),
                "raw": usd(r.raw_usd) if r.raw_usd is not None else r.status,
                "rel": _rel(r.relative_gap),
            }
            for r in breakdown
        ],
        "breakdown_summary": (
            f"{count(sum(r.flagged for r in rec.breakdown_vs_logs), 'figure')} of "
            f"{len(rec.breakdown_vs_logs):,} in cost-breakdown.jsonl differ from the raw logs "
            "by more than the tolerance"
        ),
        "total_rows": [
            {
                "line": r.line,
                "day": r.day.isoformat() if r.day else MISSING,
                "total": usd(r.total_usd),
                "parts": usd(r.parts_usd),
                "gap": usd(r.gap_usd),
            }
            for r in totals
        ],
        "row_limit": ROW_LIMIT,
    }


def reconciliation_gaps(rec: Reconciliation, breakdown_name: str) -> list[str]:
    """Return the What This Doesn't Prove lines for reconciliation gaps (none when all agree)."""
    lines = []
    for r in rec.logged_vs_priced_totals:
        if r.flagged:
            lines.append(
                f"That the logged cost_estimate of {r.model} is right: it sums to "
                f"{usd(r.logged_usd)} against {usd(r.priced_usd)} at list price"
            )
    flagged = sum(r.flagged for r in rec.breakdown_vs_logs)
    if flagged:
        lines.append(
            f"That {breakdown_name} is right: {count(flagged, 'figure')} differ from the raw "
            "logs (see Cost Reconciliation)"
        )
    for r in rec.breakdown_totals:
        if r.flagged:
            lines.append(
                f"That the total on {breakdown_name}:{r.line} is right: {usd(r.total_usd)} "
                f"against {usd(r.parts_usd)} for its parts"
            )
    return lines
