"""Whether a metric's change between two runs is larger than its uncertainty.

``paperkit diff`` compares two results.json documents. A count or a cost describes each run
exactly, so its change is simply new − old. A rate, a mean or a percentile estimates something
beyond the run, so its change gets an interval for ``new − old`` at a stated confidence, and the
change is **real** when that interval excludes 0, **no real change** when it contains 0. The
formulas (``c`` is the confidence, ``z`` the standard normal quantile at ``(1 + c) / 2``):

- **Rates: Newcombe's hybrid score interval** (Newcombe 1998, method 10). Take each side's
  Wilson interval ``[l, u]`` for its rate ``p = x / n`` (:func:`paperkit.measure.intervals.wilson`).
  For ``d = p_new − p_old`` the interval is
  ``d − √((p_new − l_new)² + (u_old − p_old)²)`` to ``d + √((u_new − p_new)² + (p_old − l_old)²)``.
  Like Wilson's, it stays sensible at 0% and 100%.
- **Means: Welch's t interval.** With each side's mean ``m``, standard deviation ``s`` (dividing
  by ``n − 1``) and ``n``: ``se = √(s_old² / n_old + s_new² / n_new)``, degrees of freedom
  ``ν = se⁴ / ((s_old² / n_old)² / (n_old − 1) + (s_new² / n_new)² / (n_new − 1))``
  (Welch–Satterthwaite), and the interval ``(m_new − m_old) ± t(ν, (1 + c) / 2) × se``. It does
  not assume the two sides have the same spread.
- **Percentiles: non-overlapping order-statistic intervals.** Each results.json keeps, for each
  percentile, its distribution-free order-statistic interval (:func:`paperkit.measure.intervals.
  quantile_interval`) at confidence ``(1 + c) / 2`` (97.5% for ``c`` = 95%). The change is real
  when the two intervals do not overlap; the interval for ``new − old`` is
  ``low_new − high_old`` to ``high_new − low_old``. When both intervals cover their true
  percentile, the true change lies in that interval, and the chance that either misses is at
  most ``(1 − c_old) + (1 − c_new)`` = ``1 − c`` (Bonferroni), whatever the distribution and
  even when the two runs share records. It is conservative: a real change can go unnoticed.

``Difference`` holds one number before and after, with its change and its finding.

The rate and mean intervals treat the two runs as independent samples. Two revisions of one
experiment often share records (logs were added); the shared records make the two estimates
move together, so the true interval is narrower than this one: the error is on the side of
saying "no real change".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scipy import special

from paperkit.measure.intervals import wilson

NEWCOMBE, WELCH, OVERLAP = "Newcombe", "Welch", "order-statistic overlap"


@dataclass(frozen=True)
class Change:
    """An interval for ``new − old`` and whether it excludes 0 (a real change)."""

    low: float
    high: float
    method: str
    confidence: float

    @property
    def real(self) -> bool:
        return not self.low <= 0.0 <= self.high


def percentile_confidence(confidence: float) -> float:
    """Return the confidence each side's percentile interval is kept at: ``(1 + c) / 2``.

    Two such intervals miss together with probability at most ``1 − c`` (see the module).
    """
    return (1.0 + confidence) / 2.0


def newcombe(x_old: int, n_old: int, x_new: int, n_new: int, confidence: float) -> Change | None:
    """Return Newcombe's hybrid score interval for ``x_new/n_new − x_old/n_old``, or None.

    None when either side has no record with a known outcome.
    """
    old, new = wilson(x_old, n_old, confidence), wilson(x_new, n_new, confidence)
    if old is None or new is None:
        return None
    p_old, p_new = x_old / n_old, x_new / n_new
    d = p_new - p_old
    low = d - math.sqrt((p_new - new.low) ** 2 + (old.high - p_old) ** 2)
    high = d + math.sqrt((new.high - p_new) ** 2 + (p_old - old.low) ** 2)
    return Change(low, high, NEWCOMBE, confidence)


def welch(
    mean_old: float,
    sd_old: float,
    n_old: int,
    mean_new: float,
    sd_new: float,
    n_new: int,
    confidence: float,
) -> Change | None:
    """Return Welch's t interval for ``mean_new − mean_old``, or None below 2 values a side."""
    if n_old < 2 or n_new < 2:
        return None
    d = mean_new - mean_old
    v_old, v_new = sd_old**2 / n_old, sd_new**2 / n_new
    se = math.sqrt(v_old + v_new)
    if se == 0.0:
        # Every value on each side is the same: the difference is known exactly.
        return Change(d, d, WELCH, confidence)
    df = (v_old + v_new) ** 2 / (v_old**2 / (n_old - 1) + v_new**2 / (n_new - 1))
    half = float(special.stdtrit(df, (1.0 + confidence) / 2.0)) * se
    return Change(d - half, d + half, WELCH, confidence)


def percentile_overlap(old: Mapping[str, Any], new: Mapping[str, Any]) -> Change:
    """Return the interval ``new − old`` spanned by two percentile intervals (dicts low/high).

    Its confidence is at least ``1 − (1 − c_old) − (1 − c_new)``; it excludes 0 exactly when
    the two intervals do not overlap.
    """
    confidence = 1.0 - (1.0 - old["confidence"]) - (1.0 - new["confidence"])
    return Change(new["low"] - old["high"], new["high"] - old["low"], OVERLAP, confidence)


def compare(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, confidence: float
) -> tuple[Change | None, str | None]:
    """Return the change between two results.json samples, or None and why there is none.

    ``old`` and ``new`` are the ``samples`` entries of one metric (or a criterion's
    ``sample``): ``{"kind": "rate", "successes", "n"}``, ``{"kind": "mean", "mean", "sd",
    "n"}`` or ``{"kind": "quantile", "q", "n", "interval"}``. A results.json written before
    paperkit kept them has none: the uncertainty is then unknown, never guessed.
    """
    if not old or not new:
        return None, "uncertainty unknown: results.json does not keep what the test needs"
    kind = new.get("kind")
    if kind != old.get("kind"):
        return None, "uncertainty unknown: the two sides measure it differently"
    if kind == "rate":
        change = newcombe(old["successes"], old["n"], new["successes"], new["n"], confidence)
        return change, None if change else "uncertainty unknown: no record on one side"
    if kind == "mean":
        if old.get("sd") is None or new.get("sd") is None:
            return None, "uncertainty unknown: fewer than 2 values on one side"
        change = welch(
            old["mean"], old["sd"], old["n"], new["mean"], new["sd"], new["n"], confidence
        )
        return change, None if change else "uncertainty unknown: fewer than 2 values on one side"
    if kind == "quantile":
        if not old.get("interval") or not new.get("interval"):
            return None, "uncertainty unknown: too few records for an interval on one side"
        return percentile_overlap(old["interval"], new["interval"]), None
    return None, "uncertainty unknown"


@dataclass(frozen=True)
class Difference:
    """One number, before and after, and whether its change is larger than its uncertainty.

    ``change`` is the interval for new − old (None for an exact number or an unknown
    uncertainty); ``why`` says why there is none ("exact", or "uncertainty unknown: ...").
    ``lower_old`` and ``lower_new`` mark a cost that is only a lower bound on that side
    (unpriced records left out), so its change is not known exactly.
    """

    name: str
    old: float | None
    new: float | None
    change: Change | None = None
    why: str | None = None
    lower_old: bool = False
    lower_new: bool = False

    @property
    def absolute(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def relative(self) -> float | None:
        if self.absolute is None or not self.old:
            return None
        return self.absolute / abs(self.old)

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def finding(self) -> str:
        """Return "real change", "no real change", "exact" or "uncertainty unknown: ..."."""
        if self.change is not None:
            return "real change" if self.change.real else "no real change"
        if self.why is None and (self.lower_old or self.lower_new):
            return "not known exactly: a lower bound on one side"
        return self.why or "exact"
