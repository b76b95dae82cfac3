"""Verdicts on the success criteria, and the hypothesis outcome they add up to."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

from paperkit.measure.evidence import EXACT, Measurement
from paperkit.measure.intervals import Interval, side
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
    data", "n too small", "interval straddles the target", "no interval", "not judged" or
    "failed"; None for a pass.
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
    rule = f"{c.metric} {c.op} {c.target:g}"
    if value is None:
        scope = f" where {c.where.describe()}" if c.where else ""
        reason = f"no data for {c.metric}{scope}"
        return CriterionResult(c, None, INCONCLUSIVE, reason, measured, "no data")
    point = PASS if _OPS[c.op](value, c.target) else FAIL
    if measured.kind == EXACT and measured.lower_bound:
        # The true value is at least ``value``: judged as the interval [value, infinity).
        bound = side(c.op, c.target, Interval(value, math.inf, "lower bound", 1.0, measured.n or 0))
        if bound == INCONCLUSIVE:
            reason = f"{rule}: {value:g} is a lower bound (unpriced requests left out)"
            return CriterionResult(c, value, INCONCLUSIVE, reason, measured, "a lower bound")
        return _result(c, value, bound, f"{rule} (a lower bound)", measured)
    if measured.kind == EXACT:
        return _result(c, value, point, f"{rule} (exact)", measured)
    n = measured.n or 0
    if n < c.min_n:
        reason = f"n = {n:,} is below min_n {c.min_n:,}; too few to judge"
        return CriterionResult(c, value, INCONCLUSIVE, reason, measured, "n too small")
    if not c.interval:
        return _result(c, value, point, f"{rule} (point value; interval: false)", measured)
    interval = measured.interval
    if interval is None:
        reason = f"too few records for a {level(confidence)} interval on {c.metric}"
        return CriterionResult(c, value, INCONCLUSIVE, reason, measured, "no interval")
    verdict = side(c.op, c.target, interval)
    if verdict == INCONCLUSIVE:
        reason = f"the {level(confidence)} interval straddles the target {c.target:g}"
        return CriterionResult(c, value, verdict, reason, measured, "interval straddles")
    word = "passes" if verdict == PASS else "fails"
    return _result(
        c, value, verdict, f"{rule}: the whole {level(confidence)} interval {word}", measured
    )


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
