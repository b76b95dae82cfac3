"""The words of ``paperkit diff``: a Markdown report for a pull request, and its JSON.

:mod:`paperkit.paper.diff_results` decides what changed and whether it is real; this module only
words it. Criterion texts, warnings and labels are user data: each is folded onto one line and
every character Markdown acts on is escaped before it reaches the report.
"""

from __future__ import annotations

from typing import Any

from paperkit.measure.criteria import level
from paperkit.measure.differences import Difference
from paperkit.paper.diff_results import Report
from paperkit.paper.render import MISSING, pct, usd
from paperkit.paper.wording import count, format_metric

NEW_WARNINGS_SHOWN = 20

_MARKDOWN_PUNCTUATION = set("\\`*_[]<>|~&#!$")


def text(value: Any) -> str:
    """Return user text safe in Markdown: one line, every character Markdown acts on escaped."""
    if value is None:
        return MISSING
    folded = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in folded)


def _value(metric: str | None, value: float | None) -> str:
    if metric is None:
        return "judged by hand"
    if metric == "cost.running_per_unit_usd":
        return usd(value) if value is not None else MISSING
    return format_metric(metric, value) if value is not None else MISSING


def _side(d: Difference, *, old: bool) -> str:
    """Word one side's value, "≥ $0.1073" when it is only a lower bound."""
    value, lower = (d.old, d.lower_old) if old else (d.new, d.lower_new)
    shown = _value(d.name, value)
    return f"≥ {shown}" if lower and value is not None else shown


def _delta(metric: str, d: float | None) -> str:
    """Word new − old: "+2.1 pp" for a rate, "−$0.0012" for a cost, "+54" for a count."""
    if d is None:
        return MISSING
    sign = "+" if d > 0 else ("−" if d < 0 else "±")
    if metric.endswith(("success_rate", "cost_reduction")):
        return f"{sign}{abs(d) * 100:.1f} pp"
    return sign + _value(metric, abs(d))


def _relative(d: Difference) -> str:
    if not d.changed:
        return "none"
    rel = d.relative
    if rel is None:
        return MISSING
    return ("+" if rel > 0 else "−" if rel < 0 else "±") + pct(abs(rel))


def _finding(d: Difference) -> str:
    """Word whether a change is real: "real change: +0.5 pp to +53.4 pp (95% Newcombe)"."""
    if not d.changed:
        return "unchanged"
    if d.change is None:
        return d.finding
    change = d.change
    span = f"{_delta(d.name, change.low)} to {_delta(d.name, change.high)}"
    return f"{d.finding}: {span} ({level(change.confidence)} {change.method})"


def _verdict_word(verdict: str | None) -> str:
    return verdict if verdict is not None else "—"


def markdown(report: Report, title: str, sources: tuple[str, str] | None = None) -> str:
    """Return the report as Markdown for a pull request or a CI summary, ending in a newline.

    ``sources`` says where each side's results came from (before, after), when given.
    """
    out = [f"## {text(title)}: {text(report.old_label)} → {text(report.new_label)}", ""]
    if sources is not None:
        out.extend([f"Before: {text(sources[0])}. After: {text(sources[1])}.", ""])
    out.append(_outcome_line(report))
    out.extend(["", *_criteria_lines(report)])
    out.extend(["", *_metric_lines(report)])
    out.extend(["", *_cost_lines(report)])
    out.extend(["", *_quality_lines(report)])
    for note in report.notes:
        out.extend(["", f"_{note}_"])
    return "\n".join(out) + "\n"


def _outcome_line(report: Report) -> str:
    old, new = report.old_outcome, report.new_outcome
    if old == new:
        return f"**Outcome:** {text(new)} (unchanged)."
    how = " (worse)" if report.outcome_worse else ""
    return f"**Outcome:** {text(old)} → {text(new)}{how}."


def _criteria_lines(report: Report) -> list[str]:
    if not report.criteria:
        return ["**Criteria:** none on either side."]
    flips = [c for c in report.criteria if c.flipped]
    worse = sum(c.worse for c in flips)
    added = sum(c.old is None for c in report.criteria)
    removed = sum(c.new is None for c in report.criteria)
    parts = [f"{count(len(flips), 'verdict')} changed" if flips else "no verdict changed"]
    if worse:
        parts.append(f"{worse:,} from pass to fail")
    if added:
        parts.append(f"{added:,} new")
    if removed:
        parts.append(f"{removed:,} removed")
    lines = [
        f"**Criteria:** {'; '.join(parts)}.",
        "",
        "| Criterion | Verdict | Measured | Change | Is the change real? |",
        "|---|---|---|---|---|",
    ]
    for c in report.criteria:
        if c.old is None or c.new is None:
            verdict = f"{_verdict_word(c.old)} → {_verdict_word(c.new)}"
            verdict += " (new)" if c.old is None else " (removed)"
        elif c.flipped:
            verdict = f"**{c.old} → {c.new}**"
        else:
            verdict = f"{c.new} (unchanged)"
        d = c.value
        if d is None:
            measured, delta, finding = MISSING, MISSING, MISSING
            if c.metric is None:
                measured = "judged by hand"
        else:
            measured = f"{_side(d, old=True)} → {_side(d, old=False)}"
            delta = _delta(d.name, d.absolute) if d.changed else "none"
            finding = _finding(d)
        lines.append(f"| {text(c.text)} | {verdict} | {measured} | {delta} | {finding} |")
    return lines


def _metric_lines(report: Report) -> list[str]:
    if not report.metrics:
        return [f"**Metrics:** none changed ({report.unchanged_metrics:,} compared)."]
    real = sum(d.change is not None and d.change.real for d in report.metrics)
    steady = sum(d.change is not None and not d.change.real for d in report.metrics)
    summary = (
        f"**Metrics:** {len(report.metrics):,} changed, {report.unchanged_metrics:,} unchanged"
    )
    if real or steady:
        summary += (
            f"; of the rates, means and percentiles, {real:,} changed by more than their "
            f"uncertainty and {steady:,} did not (no real change)"
        )
    lines = [
        summary + ".",
        "",
        "| Metric | Before | After | Change | Relative | Is the change real? |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for d in report.metrics:
        lines.append(
            f"| `{d.name}` | {_side(d, old=True)} | {_side(d, old=False)} | "
            f"{_delta(d.name, d.absolute)} | {_relative(d)} | {_finding(d)} |"
        )
    return lines


def _cost_lines(report: Report) -> list[str]:
    lines = [
        "| Cost | Before | After | Change | Relative | Basis before | Basis after |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for row in report.costs:
        d = row.difference
        lines.append(
            f"| {text(row.label)} | {_side(d, old=True)} | {_side(d, old=False)} | "
            f"{_cost_delta(d)} | {_relative(d) if not _bounded(d) else MISSING} | "
            f"{text(row.basis_old)} | {text(row.basis_new)} |"
        )
    return lines


def _bounded(d: Difference) -> bool:
    return d.changed and (d.lower_old or d.lower_new)


def _cost_delta(d: Difference) -> str:
    """Word a cost's change: none, the change, or not known when one side is a lower bound."""
    if not d.changed:
        return "none"
    if _bounded(d):
        return "not known (a lower bound on one side)"
    return _delta(d.name, d.absolute)


def _quality_lines(report: Report) -> list[str]:
    if not report.quality and not report.new_warnings:
        return ["**Data quality:** unchanged."]
    lines = ["**Data quality:**", ""]
    lines.extend(f"- {text(line)}" for line in report.quality)
    shown_warnings = report.new_warnings[:NEW_WARNINGS_SHOWN]
    if shown_warnings:
        lines.append(f"- new warnings ({len(report.new_warnings):,}):")
        lines.extend(f"  - {text(w)}" for w in shown_warnings)
        left = len(report.new_warnings) - len(shown_warnings)
        if left:
            lines.append(f"  - and {left:,} more (see the paper's Data Quality section)")
    return lines


def as_json(report: Report) -> dict[str, Any]:
    """Return the report as plain JSON values: the same content as the Markdown."""

    def difference(d: Difference | None) -> dict[str, Any] | None:
        if d is None:
            return None
        change = d.change
        return {
            "metric": d.name,
            "old": d.old,
            "new": d.new,
            "absolute": d.absolute,
            "relative": d.relative,
            "finding": d.finding if d.changed else "unchanged",
            "old_is_lower_bound": d.lower_old,
            "new_is_lower_bound": d.lower_new,
            "interval": None
            if change is None
            else {
                "low": change.low,
                "high": change.high,
                "method": change.method,
                "confidence": change.confidence,
            },
        }

    return {
        "old": report.old_label,
        "new": report.new_label,
        "outcome": {
            "old": report.old_outcome,
            "new": report.new_outcome,
            "worse": report.outcome_worse,
        },
        "criteria": [
            {
                "text": c.text,
                "metric": c.metric,
                "old": c.old,
                "new": c.new,
                "flipped": c.flipped,
                "pass_to_fail": c.worse,
                "value": difference(c.value),
            }
            for c in report.criteria
        ],
        "metrics": [difference(d) for d in report.metrics],
        "unchanged_metrics": report.unchanged_metrics,
        "costs": [
            {
                "label": row.label,
                **(difference(row.difference) or {}),
                "basis_old": row.basis_old,
                "basis_new": row.basis_new,
            }
            for row in report.costs
        ],
        "data_quality": {
            "changes": list(report.quality),
            "new_warnings": list(report.new_warnings),
        },
        "confidence": report.confidence,
        "notes": list(report.notes),
        "failed": report.failed,
    }
