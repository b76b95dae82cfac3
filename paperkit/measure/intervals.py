"""Confidence intervals behind criterion verdicts, and which side of a target they fall on.

A verdict on "success rate ≥ 0.99" from 20 calls should not read "pass" just because 20 of 20
succeeded: the interval says how far the true value could be from the observed one. Each
function below returns an `Interval` (or None when the data cannot support one), and `side`
turns an interval and a target into "pass", "fail" or "inconclusive".

The formulas, in plain words (``c`` is the confidence, e.g. 0.95, and ``α = 1 − c``):

- **Wilson score interval** for a proportion, from ``x`` successes out of ``n``. Let
  ``p = x / n`` and ``z`` the standard normal quantile at ``(1 + c) / 2`` (1.96 for 95%). The
  centre is ``(p + z² / 2n) / (1 + z² / n)`` and the half-width is
  ``z / (1 + z² / n) × √(p(1 − p) / n + z² / 4n²)``. The interval is centre ± half-width,
  kept within 0 and 1. Unlike "p ± z × standard error", it does not collapse to a point when
  every record succeeded (or every one failed): 20 of 20 gives 0.839 to 1 at 95%.
- **Student t interval** for a mean, from ``n`` values (missing values left out). It is the
  mean ± ``t × s / √n``, where ``s`` is the sample standard deviation (dividing by ``n − 1``)
  and ``t`` is the Student t quantile at ``(1 + c) / 2`` with ``n − 1`` degrees of freedom
  (2.776 for 5 values at 95%). When every value is the same, the interval is that value.
- **Order-statistic interval** for a quantile ``q`` (a percentile), from ``n`` values, with no
  assumption about their distribution. Sort the values, ``x₍₁₎ ≤ … ≤ x₍ₙ₎``. The number of
  values below the true quantile, ``B``, follows a binomial distribution with ``n`` trials and
  probability ``q``, so the interval from the ``l``-th to the ``u``-th smallest value covers
  the true quantile with probability ``P(l ≤ B ≤ u − 1)``. The lower rank ``l`` is the largest
  one that leaves at most ``α / 2`` below, ``P(B ≤ l − 1) ≤ α / 2``, and the upper rank ``u``
  the smallest one that leaves at most ``α / 2`` above, ``P(B ≤ u − 1) ≥ 1 − α / 2``. When
  there are too few values for one of these ranks to exist (a p99 from 300 values has no upper
  rank), that side uses the extreme value (``x₍₁₎`` or ``x₍ₙ₎``) and the other side is moved
  inwards only as far as keeps the coverage at least ``c``. When even the whole range
  ``x₍₁₎`` to ``x₍ₙ₎`` covers with probability below ``c`` (coverage ``1 − qⁿ − (1 − q)ⁿ``;
  a p99 from 50 values reaches only 0.39), there is no interval. The coverage reached is
  exact for continuous data and at least that for data with ties; it is kept in the interval.

The distributions come from ``scipy.special`` (``ndtri``, ``stdtrit``, ``bdtr``) rather than
``scipy.stats``, whose import would add about 0.3 s to the start of every command.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

Method = Literal["Wilson", "t", "order statistic", "lower bound"]

OPS = (">=", ">", "<=", "<", "==")


@dataclass(frozen=True)
class Interval:
    """A confidence interval ``[low, high]`` and how it was obtained.

    ``n`` is the number of records it rests on. ``coverage`` is the probability of covering the
    true value actually reached, when it differs from the nominal ``confidence`` (order
    statistics reach at least the confidence, usually a little more); None means "as nominal".
    """

    low: float
    high: float
    method: Method
    confidence: float
    n: int
    coverage: float | None = None


def _check_confidence(confidence: float) -> None:
    """Raise ValueError unless the confidence is strictly between 0 and 1 (0.95, not 95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")


def _known(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the values as a float array with missing ones (NaN, None, pd.NA) dropped."""
    array = np.asarray(values, dtype=float).ravel()
    return array[~np.isnan(array)]


def wilson(successes: int, n: int, confidence: float) -> Interval | None:
    """Return the Wilson score interval for ``successes`` out of ``n``, or None when n is 0.

    Success rates near 0 or 1 are the usual case for criteria, and there the Wilson interval
    stays honest where the normal approximation gives a zero-width interval.
    """
    _check_confidence(confidence)
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return None
    z = float(special.ndtri((1.0 + confidence) / 2.0))
    p = successes / n
    shrink = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    # At 0 successes the lower bound is 0 and at n the upper is 1, exactly (centre - half and
    # centre + half are then 0 and 1 in exact arithmetic). Floating point lands an ulp off
    # (30 of 30 gave 0.9999999999999999), which flips a verdict against a target of 1 or 0.
    low = 0.0 if successes == 0 else min(max(centre - half, 0.0), 1.0)
    high = 1.0 if successes == n else min(max(centre + half, 0.0), 1.0)
    return Interval(low, high, "Wilson", confidence, n)


def mean_interval(values: Sequence[float] | np.ndarray, confidence: float) -> Interval | None:
    """Return the Student t interval for the mean of the known values, or None below 2 values.

    One value says nothing about the spread, so there is no interval. NaNs (missing values) are
    dropped first and do not count in ``n``.
    """
    _check_confidence(confidence)
    known = _known(values)
    n = int(known.size)
    if n < 2:
        return None
    if known.min() == known.max():
        # Summing then dividing need not give back the value exactly; the point is the value.
        point = float(known[0])
        return Interval(point, point, "t", confidence, n)
    centre = float(known.mean())
    se = float(known.std(ddof=1)) / math.sqrt(n)
    half = float(special.stdtrit(n - 1, (1.0 + confidence) / 2.0)) * se
    return Interval(centre - half, centre + half, "t", confidence, n)


def _quantile_ranks(n: int, q: float, confidence: float) -> tuple[int, int, float] | None:
    """Return 1-based ranks ``(l, u)`` and their coverage for the q-quantile, or None.

    ``cdf[k]`` is ``P(B ≤ k)`` for B ~ Binomial(n, q), so ``[x_(l), x_(u)]`` covers with
    probability ``cdf[u - 1] - cdf[l - 1]``. Equal tails when both exist; otherwise the missing
    side takes the extreme rank and the other side the rank nearest the point that still
    reaches the confidence.
    """
    half_alpha = (1.0 - confidence) / 2.0
    if (near := _ranks_near_the_quantile(n, q, confidence)) is not None:
        return near
    cdf = special.bdtr(np.arange(n + 1), n, q)
    ranks = np.arange(1, n + 1)
    lower_ok = ranks[cdf[ranks - 1] <= half_alpha]
    upper_ok = ranks[cdf[ranks - 1] >= 1.0 - half_alpha]
    if lower_ok.size and upper_ok.size:
        low, high = int(lower_ok.max()), int(upper_ok.min())
    elif upper_ok.size:
        # Too few values below the quantile for the lower tail: start at the smallest value.
        low = 1
        reach = ranks[(ranks > low) & (cdf[ranks - 1] - cdf[low - 1] >= confidence)]
        if not reach.size:
            return None
        high = int(reach.min())
    else:
        # Too few values above it (a high percentile): end at the largest value.
        high = n
        reach = ranks[(ranks < high) & (cdf[high - 1] - cdf[ranks - 1] >= confidence)]
        if not reach.size:
            return None
        low = int(reach.max())
    coverage = float(cdf[high - 1] - cdf[low - 1])
    # Equal tails guarantee the confidence in exact arithmetic; check it held in floating point.
    if not low < high or coverage < confidence:
        return None
    return low, high, coverage


_SPREAD = 12.0  # standard deviations of B on either side of n·q looked at first


def _ranks_near_the_quantile(n: int, q: float, confidence: float) -> tuple[int, int, float] | None:
    """The equal-tailed ranks of ``_quantile_ranks``, from the binomial's distribution function
    near ``n·q`` only, or None when they cannot be read off there.

    The function rises from about 0 to about 1 within a few standard deviations of ``n·q``, so
    both ranks lie in a window ``_SPREAD`` of them wide on either side: checked, not assumed,
    since the window is used only when the function is at most ``α / 2`` at its start and at
    least ``1 − α / 2`` at its end. A million values then cost a few thousand evaluations
    instead of a million, with the same ranks.
    """
    half_alpha = (1.0 - confidence) / 2.0
    spread = _SPREAD * math.sqrt(n * q * (1.0 - q))
    start = max(0, math.floor(n * q - spread))
    stop = min(n - 1, math.ceil(n * q + spread))  # last B looked at; ranks end at n
    if stop - start + 1 > n // 4:  # a short list: the whole of it costs little
        return None
    ks = np.arange(start, stop + 1)
    cdf = special.bdtr(ks, n, q)
    if not (cdf[0] <= half_alpha and cdf[-1] >= 1.0 - half_alpha):
        return None
    below = ks[cdf <= half_alpha]  # P(B ≤ k) ≤ α/2: rank k + 1 leaves at most α/2 below
    above = ks[cdf >= 1.0 - half_alpha]
    low, high = int(below.max()) + 1, int(above.min()) + 1
    coverage = float(cdf[high - 1 - start] - cdf[low - 1 - start])
    if not low < high or coverage < confidence:
        return None  # the whole list gives None too, by the same test
    return low, high, coverage


def quantile_interval(
    values: Sequence[float] | np.ndarray, q: float, confidence: float
) -> Interval | None:
    """Return the order-statistic interval for the ``q`` quantile, or None with too few values.

    It assumes nothing about the distribution, which suits latencies and durations with long
    tails. None means no pair of sorted values reaches the confidence (a p99 from 50 values);
    the caller says "too few records" instead of a verdict. NaNs are dropped first.
    """
    _check_confidence(confidence)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be between 0 and 1 (e.g. 0.95 for p95), not {q!r}")
    known = np.sort(_known(values))
    n = int(known.size)
    if n < 2:
        return None
    found = _quantile_ranks(n, q, confidence)
    if found is None:
        return None
    low, high, coverage = found
    return Interval(
        float(known[low - 1]), float(known[high - 1]), "order statistic", confidence, n, coverage
    )


def side(op: str, target: float, interval: Interval) -> str:
    """Return "pass", "fail" or "inconclusive": where the interval lies against ``op target``.

    A criterion passes only when every value in the interval meets it, and fails only when none
    does; an interval on both sides of the target is not enough data to say.
    """
    return side_of(op, target, interval.low, interval.high)


def side_of(op: str, target: float, low: float, high: float) -> str:
    """Return "pass", "fail" or "inconclusive" for the true value lying in ``[low, high]``.

    The range may be open on one side (``-inf`` or ``inf``): a lower bound on a cost is the
    range from the bound up, and can show that a cost is above a target, never below it.
    """
    if op == ">=":
        verdict = (low >= target, high < target)
    elif op == ">":
        verdict = (low > target, high <= target)
    elif op == "<=":
        verdict = (high <= target, low > target)
    elif op == "<":
        verdict = (high < target, low >= target)
    elif op == "==":
        verdict = (low == high == target, not low <= target <= high)
    else:
        raise ValueError(f"unknown comparison {op!r}; use one of {', '.join(OPS)}")
    passed, failed = verdict
    if passed:
        return "pass"
    if failed:
        return "fail"
    return "inconclusive"
