"""Verdicts on the success criteria, and the hypothesis outcome they add up to."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .spec_types import Criterion

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
    """A criterion with its measured value (None for manual or no data), verdict and why."""

    criterion: Criterion
    value: float | None
    verdict: str
    reason: str


def judge(criterion: Criterion, values: Mapping[str, float | int | None]) -> CriterionResult:
    """Return the verdict on one criterion.

    A measured criterion passes when ``value op target`` holds and fails when it does not; with
    no data it is inconclusive. A manual criterion takes the verdict written in the spec, and is
    inconclusive when none is written.
    """
    if criterion.manual:
        if criterion.verdict is None:
            return CriterionResult(criterion, None, INCONCLUSIVE, "not judged yet")
        reason = criterion.evidence or "judged by hand, no evidence given"
        return CriterionResult(criterion, None, criterion.verdict, reason)
    assert criterion.metric is not None and criterion.op is not None
    assert criterion.target is not None
    value = values.get(criterion.metric)
    if value is None:
        return CriterionResult(criterion, None, INCONCLUSIVE, f"no data for {criterion.metric}")
    holds = _OPS[criterion.op](float(value), criterion.target)
    verdict = PASS if holds else FAIL
    return CriterionResult(
        criterion, float(value), verdict, f"{criterion.metric} {criterion.op} {criterion.target:g}"
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
