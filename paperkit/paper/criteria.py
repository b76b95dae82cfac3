"""The paper's wording of verdicts: the criteria table, the outcome beside the declared one,
and the honest assessment, built from the evidence rather than from the spec's claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paperkit.errors import DataWarning
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
    if m.kind == "exact":
        # A cost that leaves unpriced requests out is only known from below.
        return f"{format_metric(c.metric, m.value)} or more" if m.lower_bound else "exact"
    if not c.interval:
        return "not used (interval: false)"
    if m.interval is None:
        return "too few records" if m.value is not None else MISSING
    i = m.interval
    low, high = format_metric(c.metric, i.low), format_metric(c.metric, i.high)
    return f"{low} to {high} ({level(i.confidence)} {i.method})"


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
            measured = format_metric(c.metric, r.value)
            target = f"{c.op} {format_metric(c.metric, c.target)}"
            n = num(r.n) if r.n is not None else MISSING
        rows.append(
            {
                "criterion": c,
                "text": c.text + (f" (where {c.where.describe()})" if c.where else ""),
                "verdict": r.verdict,
                "reason": r.reason,
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


def unproven(rows: list[dict[str, Any]]) -> list[str]:
    """Return the failed and inconclusive criteria for What This Doesn't Prove, with why."""
    lines = []
    for row in rows:
        if row["verdict"] == FAIL:
            detail = f" ({row['interval_prose']})" if row["interval_prose"] else ""
            lines.append(
                f"{row['text']}: failed, measured {row['measured']}{detail} against a target "
                f"of {row['target']}"
            )
        elif row["verdict"] == INCONCLUSIVE:
            lines.append(f"{row['text']}: inconclusive, {row['why']} ({row['reason']})")
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
