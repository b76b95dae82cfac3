"""The paper's wording of verdicts: the criteria table, the outcome beside the declared one,
and the honest assessment, built from the evidence rather than from the spec's claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paperkit.errors import DataWarning
from paperkit.measure.costs import LOWER
from paperkit.measure.criteria import (
    FAIL,
    INCONCLUSIVE,
    OUTCOME_INCONCLUSIVE,
    PARTIALLY_VALIDATED,
    PASS,
    REFUTED,
    VALIDATED,
    VALIDATED_WITH_CAVEATS,
    CriterionResult,
    level,
)
from paperkit.paper.render import MISSING, num
from paperkit.paper.wording import format_metric
from paperkit.spec.types import DeclaredOutcome, Experiment

VERDICT_LABELS = {PASS: "✅ pass", FAIL: "❌ fail", INCONCLUSIVE: "⚠️ inconclusive"}
NOT_PROVED, UNDECIDED = "❌", "⚠️"

# For each declared outcome, the verdicts of the criteria that contradict it.
_CONTRADICTS = {
    VALIDATED: (FAIL, INCONCLUSIVE),
    VALIDATED_WITH_CAVEATS: (FAIL,),
    PARTIALLY_VALIDATED: (),
    REFUTED: (PASS,),
    OUTCOME_INCONCLUSIVE: (PASS, FAIL),
}


@dataclass(frozen=True)
class Outcome:
    """The computed outcome, the declared one (if any), and the criteria that disagree."""

    computed: str
    declared: DeclaredOutcome | None
    disagreeing: tuple[CriterionResult, ...]

    @property
    def differs(self) -> bool:
        return self.declared is not None and self.declared.verdict != self.computed


def outcome_of(computed: str, exp: Experiment, results: tuple[CriterionResult, ...]) -> Outcome:
    """Return the outcome with the declared verdict and the criteria that contradict it."""
    declared = exp.outcome
    if declared is None or declared.verdict == computed:
        return Outcome(computed, declared, ())
    against = _CONTRADICTS[declared.verdict]
    return Outcome(computed, declared, tuple(r for r in results if r.verdict in against))


def outcome_warning(outcome: Outcome, exp: Experiment, spec_name: str) -> DataWarning | None:
    """Return the build warning for a declared outcome the criteria do not support, or None."""
    if not outcome.differs or outcome.declared is None:
        return None
    return DataWarning(
        spec_name,
        outcome.declared.line,
        f"experiments.{exp.name}.outcome: declared '{outcome.declared.verdict}' but the "
        f"criteria give '{outcome.computed}'",
    )


def interval_prose(result: CriterionResult) -> str | None:
    """Return the interval for a sentence: "95% Wilson interval 83.9% to 100.0%", or None."""
    c, m = result.criterion, result.measurement
    if m is None or m.interval is None or c.metric is None or not c.interval:
        return None
    i = m.interval
    low, high = format_metric(c.metric, i.low), format_metric(c.metric, i.high)
    return f"{level(i.confidence)} {i.method} interval {low} to {high}"


def interval_text(result: CriterionResult) -> str:
    """Return the Interval cell: "83.9% to 100.0% (95% Wilson)", "exact", or why there is none."""
    c, m = result.criterion, result.measurement
    if c.manual or m is None or c.metric is None:
        return MISSING
    i = m.interval
    return interval_words(
        c.metric,
        kind=m.kind,
        use_interval=c.interval,
        interval=None if i is None else (i.low, i.high, i.confidence, i.method),
        has_value=m.value is not None,
        bound=None if m.bound is None else str(m.bound),
    )


def interval_words(
    metric: str,
    *,
    kind: str,
    use_interval: bool,
    interval: tuple[float, float, float, str] | None,
    has_value: bool,
    bound: str | None,
) -> str:
    """Return the Interval cell from its parts; ``paperkit summary`` words results.json with it.

    ``interval`` is (low, high, confidence, method); ``bound`` says why a value is only a
    bound ("lower bound: 15 records unpriced"), which replaces "exact".
    """
    if bound is not None:
        return bound
    if not has_value:
        return MISSING
    if kind == "exact":
        return "exact"
    if not use_interval:
        return "not used (interval: false)"
    if interval is None:
        return "too few records"
    low, high, confidence, method = interval
    shown = f"{format_metric(metric, low)} to {format_metric(metric, high)}"
    return f"{shown} ({level(confidence)} {method})"


def measured_words(metric: str, value: float | None, bound_side: str | None) -> str:
    """Return the Measured cell: the value, after "≥" for a lower bound and "≤" for an upper."""
    text = format_metric(metric, value)
    if value is None or bound_side is None:
        return text
    return f"{'≥' if bound_side == LOWER else '≤'} {text}"


def criterion_rows(results: tuple[CriterionResult, ...]) -> list[dict[str, Any]]:
    """Return one row of the Success Criteria Results table per criterion."""
    rows = []
    for r in results:
        c = r.criterion
        if c.manual:
            measured = "judged by hand" if c.verdict else "not judged yet"
            target, n = "judged by hand", MISSING
        else:
            assert c.metric is not None and c.target is not None
            bound = r.measurement.bound if r.measurement else None
            measured = measured_words(c.metric, r.value, bound.side if bound else None)
            target = f"{c.op} {format_metric(c.metric, c.target)}"
            n = num(r.n) if r.n is not None else MISSING
        rows.append(
            {
                "criterion": c,
                "text": c.text + (f" (where {c.where.describe()})" if c.where else ""),
                "verdict": r.verdict,
                "reason": _reason(r),
                "why": r.why,
                "measured": measured,
                "target": target,
                "interval": interval_text(r),
                "interval_prose": interval_prose(r),
                "n": n,
                "verdict_label": VERDICT_LABELS[r.verdict],
            }
        )
    return rows


def _reason(result: CriterionResult) -> str:
    """Return a criterion's reason for the paper, with a straddled target as the table writes it.

    results.json keeps the plain reason ("the 95% interval straddles the target 0.99"); the
    paper says 99.0%, as in the Target column.
    """
    c, i = result.criterion, result.interval
    if result.why == "interval straddles" and i is not None and c.metric and c.target is not None:
        target = format_metric(c.metric, c.target)
        return f"the {level(i.confidence)} interval straddles the target {target}"
    return result.reason


def proves(rows: list[dict[str, Any]]) -> list[str]:
    """Return What This Proves: each passed criterion with its number and interval."""
    lines = []
    for row in rows:
        if row["verdict"] != PASS:
            continue
        if row["criterion"].manual:
            lines.append(f"{row['text']}: judged a pass by hand ({row['reason']})")
            continue
        detail = row["interval_prose"] or row["interval"]
        lines.append(
            f"{row['text']}: measured {row['measured']} (n = {row['n']}, {detail}) against a "
            f"target of {row['target']}"
        )
    return lines


def unproven(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return the failed and inconclusive criteria for What This Doesn't Prove, with why.

    Each item is ``{"mark", "text"}``: ❌ for a failed criterion, ⚠️ for an inconclusive one,
    which was not disproved either (the same mark as in the criteria table).
    """
    lines = []
    for row in rows:
        if row["verdict"] == FAIL:
            detail = f" ({row['interval_prose']})" if row["interval_prose"] else ""
            text = (
                f"{row['text']}: failed, measured {row['measured']}{detail} against a target "
                f"of {row['target']}"
            )
            lines.append({"mark": NOT_PROVED, "text": text})
        elif row["verdict"] == INCONCLUSIVE:
            text = f"{row['text']}: inconclusive, {row['why']} ({row['reason']})"
            lines.append({"mark": UNDECIDED, "text": text})
    return lines


def outcome_lines(outcome: Outcome) -> list[str]:
    """Return the sentences under the Hypothesis Outcome about a declared verdict."""
    declared = outcome.declared
    if declared is None:
        return []
    reason = f" ({declared.reason})" if declared.reason else ""
    if not outcome.differs:
        return [f"The authors declared the same outcome{reason}."]
    lines = [
        f"The authors declared **{declared.verdict}**{reason}, but the criteria give "
        f"**{outcome.computed}**."
    ]
    if outcome.disagreeing:
        lines.append("")
        lines.append("The criteria that disagree with the declared outcome:")
        lines.append("")
    for r in outcome.disagreeing:
        lines.append(f"- {r.criterion.text}: {r.verdict} ({r.reason})")
    return lines
