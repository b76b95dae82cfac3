"""Verdicts on the success criteria, and the hypothesis outcome they add up to."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

from paperkit.measure.costs import LOWER
from paperkit.measure.evidence import EXACT, Measurement
from paperkit.measure.intervals import Interval, side, side_of
from paperkit.spec.types import Criterion

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"

VALIDATED = "Validated"
VALIDATED_WITH_CAVEATS = "Validated with caveats"
PARTIALLY_VALIDATED = "Partially validated"
REFUTED = "Refuted"
OUTCOME_INCONCLUSIVE = "Inconclusive"


@dataclass(frozen=True)
class CriterionResult:
    """A criterion's verdict and why, with the measurement it rests on (None when manual).

    ``why`` is the short reason the assessment gives for a verdict that is not a pass: "no
    data", "n too small", "interval straddles", "no interval", "lower bound" (or
    "upper bound": a cost that leaves something out, judged only on the side it bounds), "not
    judged" or "failed"; None for a pass.
    """

    criterion: Criterion
    value: float | None
    verdict: str
    reason: str
    measurement: Measurement | None = None
    why: str | None = None

    @property
    def interval(self) -> Interval | None:
        return self.measurement.interval if self.measurement else None

    @property
    def n(self) -> int | None:
        return self.measurement.n if self.measurement else None


def judge(criterion: Criterion, measured: Measurement | None, confidence: float) -> CriterionResult:
    """Return the verdict on one criterion (the rules are in docs/criteria.md).

    A manual criterion takes the verdict written in the spec. A measured one with no data is
    inconclusive. An exact metric (a count, total or cost) is judged on its value. A sampled
    one (rate, mean, percentile) is inconclusive below ``min_n`` records; otherwise it passes
    when its whole interval at ``confidence`` is on the passing side of the target, fails when
    the whole interval is on the failing side, and is inconclusive when the interval straddles
    the target. With ``interval: false`` the point value is judged instead.
    """
    c = criterion
    if c.manual:
        if c.verdict is None:
            return CriterionResult(c, None, INCONCLUSIVE, "not judged yet", why="not judged")
        reason = c.evidence or "judged by hand, no evidence given"
        why = None if c.verdict == PASS else ("failed" if c.verdict == FAIL else "not judged")
        return CriterionResult(c, None, c.verdict, reason, why=why)
    assert c.metric is not None and c.op is not None and c.target is not None
    assert measured is not None
    value = measured.value
    if value is None:
        scope = f" where {c.where.describe()}" if c.where else ""
        reason = f"no data for {c.metric}{scope}"
        return CriterionResult(c, None, INCONCLUSIVE, reason, measured, "no data")
    rule = _rule(c, value)
    point = PASS if _OPS[c.op](value, c.target) else FAIL
    bound = measured.bound
    if bound is not None:
        # The true value lies beyond the bound, on its side: only that side can be judged.
        low, high = (value, math.inf) if bound.side == LOWER else (-math.inf, value)
        verdict = side_of(c.op, c.target, low, high)
        if verdict == INCONCLUSIVE:
            return CriterionResult(c, value, verdict, str(bound), measured, f"{bound.side} bound")
        return _result(c, value, verdict, f"{rule[verdict]} ({bound})", measured)
    if measured.kind == EXACT:
        return _result(c, value, point, f"{rule[point]} (exact)", measured)
    n = measured.n or 0
    interval = measured.interval
    if n < c.min_n:
        # min_n guards against passing on too little data. An interval wholly on the failing
        # side already shows a failure, at any n where an interval exists.
        if c.interval and interval is not None and side(c.op, c.target, interval) == FAIL:
            reason = (
                f"{rule[FAIL]}: the whole {level(confidence)} interval fails, "
                f"even from n = {n:,} (below min_n {c.min_n:,})"
            )
            return _result(c, value, FAIL, reason, measured)
        reason = f"n = {n:,} is below min_n {c.min_n:,}; too few to judge"
        return CriterionResult(c, value, INCONCLUSIVE, reason, measured, "n too small")
    if not c.interval:
        return _result(c, value, point, f"{rule[point]} (point value; interval: false)", measured)
    if interval is None:
        reason = f"too few records for a {level(confidence)} interval on {c.metric}"
        return CriterionResult(c, value, INCONCLUSIVE, reason, measured, "no interval")
    verdict = side(c.op, c.target, interval)
    if verdict == INCONCLUSIVE:
        reason = f"the {level(confidence)} interval straddles the target {c.target:g}"
        return CriterionResult(c, value, verdict, reason, measured, "interval straddles")
    word = "passes" if verdict == PASS else "fails"
    return _result(
        c,
        value,
        verdict,
        f"{rule[verdict]}: the whole {level(confidence)} interval {word}",
        measured,
    )


def _rule(c: Criterion, value: float) -> dict[str, str]:
    """Return how a pass and a fail read: "x is 0.0603 < 0.1", "x is 0.0603, not < 0.001"."""
    shown = _plain(value)
    return {
        PASS: f"{c.metric} is {shown} {c.op} {c.target:g}",
        FAIL: f"{c.metric} is {shown}, not {c.op} {c.target:g}",
    }


def _plain(value: float) -> str:
    """Return a measured value for a reason: four significant digits, whole above 10,000."""
    if 1e4 <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def level(confidence: float) -> str:
    """Return a confidence level as the paper writes it: 0.95 -> "95%", 0.975 -> "97.5%"."""
    return f"{round(confidence * 100, 6):g}%"


def _result(
    c: Criterion, value: float, verdict: str, reason: str, measured: Measurement
) -> CriterionResult:
    return CriterionResult(
        c, value, verdict, reason, measured, None if verdict == PASS else "failed"
    )


def outcome(results: tuple[CriterionResult, ...] | list[CriterionResult]) -> str:
    """Return the hypothesis outcome the verdicts add up to.

    All pass: Validated. No fail, some inconclusive (and at least one pass): Validated with
    caveats. Passes and fails: Partially validated. Fails and no pass: Refuted. Nothing
    judged (no criteria, or all inconclusive): Inconclusive.
    """
    verdicts = [r.verdict for r in results]
    passed, failed = verdicts.count(PASS), verdicts.count(FAIL)
    if passed and failed:
        return PARTIALLY_VALIDATED
    if failed:
        return REFUTED
    if passed and passed == len(verdicts):
        return VALIDATED
    if passed:
        return VALIDATED_WITH_CAVEATS
    return OUTCOME_INCONCLUSIVE
