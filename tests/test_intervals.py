"""Confidence intervals: every expected number is worked out by hand or from published tables.

Wilson bounds use z = 1.959964 (95%), z² = 3.841459. Student t quantiles come from the
standard table (t_0.975: 2.776 at 4 df, 2.262 at 9 df; t_0.995: 4.604 at 4 df), so t
intervals are checked to 1e-3. Binomial probabilities for the order-statistic intervals are
recomputed here with math.comb, independently of scipy.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from paperkit.measure import intervals
from paperkit.measure.intervals import Interval, mean_interval, quantile_interval, side, wilson


def binom_cdf(k: int, n: int, q: float) -> float:
    """P(B <= k) for B ~ Binomial(n, q), summed term by term."""
    return sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k + 1))


def rank_coverage(n: int, q: float, low: int, high: int) -> float:
    """P(low <= B <= high - 1): how often [x_(low), x_(high)] covers the q-quantile."""
    return binom_cdf(high - 1, n, q) - binom_cdf(low - 1, n, q)


# --- Wilson ------------------------------------------------------------------------------


def test_wilson_none_succeeded():
    # p = 0: centre = (z²/2n) / (1 + z²/n) and half-width equal it, so low = 0 and
    # high = z² / (n + z²) = 3.841459 / 13.841459 = 0.277533.
    interval = wilson(0, 10, 0.95)
    assert interval is not None
    assert interval.low == pytest.approx(0.0, abs=1e-12)
    assert interval.high == pytest.approx(0.277533, abs=1e-5)
    assert (interval.method, interval.confidence, interval.n) == ("Wilson", 0.95, 10)
    assert interval.coverage is None


def test_wilson_all_succeeded():
    # p = 1: low = n / (n + z²) = 20 / 23.841459 = 0.838875; high = 1 (clamped).
    interval = wilson(20, 20, 0.95)
    assert interval is not None
    assert interval.low == pytest.approx(0.838875, abs=1e-5)
    assert interval.high == 1.0


def test_wilson_95_of_100():
    # p = 0.95, n = 100, z²/n = 0.03841459, 1 + z²/n = 1.03841459.
    # centre = (0.95 + 3.841459/200) / 1.03841459 = 0.96920729 / 1.03841459 = 0.933353
    # half   = 1.959964 / 1.03841459 × √(0.95 × 0.05 / 100 + 3.841459 / 40000)
    #        = 1.887457 × √(0.000475 + 0.0000960365) = 1.887457 × 0.0238963 = 0.045103
    # → [0.888250, 0.978456] (published Wilson bounds for 95/100: 0.8883 to 0.9785).
    interval = wilson(95, 100, 0.95)
    assert interval is not None
    assert interval.low == pytest.approx(0.888250, abs=1e-5)
    assert interval.high == pytest.approx(0.978456, abs=1e-5)


def test_wilson_no_records():
    assert wilson(0, 0, 0.95) is None


@pytest.mark.parametrize(("successes", "n"), [(-1, 10), (11, 10), (0, -1)])
def test_wilson_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError, match="successes"):
        wilson(successes, n, 0.95)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95, -0.5])
def test_confidence_must_be_a_fraction(confidence):
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 2, confidence)
    with pytest.raises(ValueError, match="confidence"):
        mean_interval([1.0, 2.0], confidence)
    with pytest.raises(ValueError, match="confidence"):
        quantile_interval([1.0, 2.0], 0.5, confidence)


# --- Student t ---------------------------------------------------------------------------


def test_mean_interval_small_list():
    # mean 3; s = √(10 / 4) = 1.581139; se = s / √5 = 0.707107; t_0.975,4 = 2.776
    # half = 2.776 × 0.707107 = 1.962929 → [1.037071, 4.962929].
    interval = mean_interval([1, 2, 3, 4, 5], 0.95)
    assert interval is not None
    assert interval.low == pytest.approx(1.0371, abs=1e-3)
    assert interval.high == pytest.approx(4.9629, abs=1e-3)
    assert (interval.method, interval.confidence, interval.n) == ("t", 0.95, 5)


def test_mean_interval_uses_the_confidence():
    # Same list at 99%: t_0.995,4 = 4.604, half = 4.604 × 0.707107 = 3.255520.
    interval = mean_interval(np.array([5.0, 4.0, 3.0, 2.0, 1.0]), 0.99)
    assert interval is not None
    assert interval.low == pytest.approx(3 - 3.2555, abs=1e-3)
    assert interval.high == pytest.approx(3 + 3.2555, abs=1e-3)


def test_mean_interval_ten_values():
    # 1..10: mean 5.5; Σ(x − 5.5)² = 82.5; s = √(82.5 / 9) = 3.027650; se = s / √10 = 0.957427
    # t_0.975,9 = 2.262: half = 2.262 × 0.957427 = 2.165700 → [3.334300, 7.665700].
    interval = mean_interval(list(range(1, 11)), 0.95)
    assert interval is not None
    assert interval.low == pytest.approx(3.3343, abs=1e-3)
    assert interval.high == pytest.approx(7.6657, abs=1e-3)


def test_mean_interval_drops_missing_values():
    # Same as [1, 2, 3, 4, 5]: NaN, None and pd.NA are not values and do not count in n.
    for values in (
        [1.0, float("nan"), 2.0, 3.0, 4.0, float("nan"), 5.0],
        pd.Series([1, None, 2, 3, 4, 5], dtype="Int64"),
    ):
        interval = mean_interval(values, 0.95)
        assert interval is not None
        assert interval.n == 5
        assert interval.low == pytest.approx(1.0371, abs=1e-3)
        assert interval.high == pytest.approx(4.9629, abs=1e-3)


@pytest.mark.parametrize("values", [[], [7.0], [float("nan"), 7.0, float("nan")]])
def test_mean_interval_needs_two_values(values):
    assert mean_interval(values, 0.95) is None


def test_mean_interval_of_equal_values_is_the_point():
    # 0.1 + 0.1 + 0.1 = 0.30000000000000004, so a computed mean could miss 0.1; the point is 0.1.
    interval = mean_interval([0.1, 0.1, 0.1], 0.95)
    assert interval == Interval(0.1, 0.1, "t", 0.95, 3)


# --- Order statistics --------------------------------------------------------------------


def test_median_of_1_to_20():
    # B ~ Binomial(20, 0.5). P(B ≤ 5) = (1 + 20 + 190 + 1140 + 4845 + 15504) / 2^20
    # = 21700 / 1048576 = 0.020695 ≤ 0.025, P(B ≤ 6) = 60460 / 1048576 = 0.057659 > 0.025,
    # so l − 1 = 5, l = 6. By symmetry P(B ≤ 14) = 1 − 0.020695 = 0.979305 ≥ 0.975 and
    # P(B ≤ 13) = 0.942341 < 0.975, so u − 1 = 14, u = 15.
    # Coverage = 1 − 2 × 21700 / 1048576 = 1005176 / 1048576 = 0.958611.
    assert binom_cdf(5, 20, 0.5) == pytest.approx(21700 / 1048576)
    assert binom_cdf(14, 20, 0.5) == pytest.approx(1 - 21700 / 1048576)
    values = [float(v) for v in np.random.default_rng(7).permutation(np.arange(1, 21))]
    interval = quantile_interval(values, 0.5, 0.95)
    assert interval is not None
    assert (interval.low, interval.high) == (6.0, 15.0)
    assert interval.coverage == pytest.approx(1005176 / 1048576, abs=1e-12)
    assert interval.coverage == pytest.approx(rank_coverage(20, 0.5, 6, 15), abs=1e-12)
    assert (interval.method, interval.confidence, interval.n) == ("order statistic", 0.95, 20)


def test_p99_from_50_values_is_none():
    # Even [x_(1), x_(50)] covers the p99 with only 1 − 0.99^50 − 0.01^50 = 0.395.
    assert 1 - 0.99**50 == pytest.approx(0.39499, abs=1e-5)
    assert quantile_interval(np.arange(50.0), 0.99, 0.95) is None


def test_p95_just_too_few_values():
    # 58 values: [x_(1), x_(58)] covers with 1 − 0.95^58 − 0.05^58 = 1 − 0.051047 = 0.948953.
    assert quantile_interval(np.arange(1.0, 59.0), 0.95, 0.95) is None


def test_p95_just_enough_values():
    # 59 values: P(B ≤ 58) = 1 − 0.95^59 = 0.951505 < 0.975, so no upper rank leaves 2.5%
    # above; u = 59 (the largest value). Then l is the largest rank with
    # P(B ≤ l − 1) ≤ 0.951505 − 0.95 = 0.001505: P(B ≤ 49) = 0.000644, P(B ≤ 50) = 0.002532
    # (math.comb, below), so l = 50 and the coverage is 0.951505 − 0.000644 = 0.950862.
    assert binom_cdf(49, 59, 0.95) == pytest.approx(0.000644, abs=1e-6)
    assert binom_cdf(50, 59, 0.95) == pytest.approx(0.002532, abs=1e-6)
    interval = quantile_interval(np.arange(1.0, 60.0), 0.95, 0.95)
    assert interval is not None
    assert (interval.low, interval.high) == (50.0, 59.0)
    assert interval.coverage == pytest.approx(0.950862, abs=1e-6)
    assert interval.coverage == pytest.approx(rank_coverage(59, 0.95, 50, 59), abs=1e-12)


def test_p95_of_100_values():
    # B ~ Binomial(100, 0.95): P(B ≤ 89) = 0.011472 ≤ 0.025 < P(B ≤ 90) = 0.028188 → l = 90;
    # P(B ≤ 98) = 0.962919 < 0.975 ≤ P(B ≤ 99) = 1 − 0.95^100 = 0.994079 → u = 100.
    # Coverage = 0.994079 − 0.011472 = 0.982607.
    assert binom_cdf(89, 100, 0.95) == pytest.approx(0.011472, abs=1e-6)
    assert binom_cdf(90, 100, 0.95) == pytest.approx(0.028188, abs=1e-6)
    assert binom_cdf(98, 100, 0.95) == pytest.approx(0.962919, abs=1e-6)
    values = list(range(100, 0, -1))  # reversed, to show the values get sorted
    interval = quantile_interval(values, 0.95, 0.95)
    assert interval is not None
    assert (interval.low, interval.high) == (90.0, 100.0)
    assert interval.coverage == pytest.approx(0.982607, abs=1e-6)


def test_p05_mirrors_p95():
    # q = 0.05 is the mirror image of q = 0.95: rank r becomes n + 1 − r, so 59 values give
    # [x_(1), x_(10)] with the same coverage 0.950862.
    interval = quantile_interval(np.arange(1.0, 60.0), 0.05, 0.95)
    assert interval is not None
    assert (interval.low, interval.high) == (1.0, 10.0)
    assert interval.coverage == pytest.approx(0.950862, abs=1e-6)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 19, 30, 58, 59, 60, 120, 299, 300])
@pytest.mark.parametrize("q", [0.01, 0.05, 0.25, 0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_quantile_interval_reaches_the_confidence(n, q, confidence):
    # With values 1..n the bounds are the ranks. An interval must really cover with at least
    # the confidence; None must mean even [x_(1), x_(n)] falls short.
    interval = quantile_interval(np.arange(1.0, n + 1.0), q, confidence)
    widest = 1 - q**n - (1 - q) ** n
    if interval is None:
        assert widest < confidence
        return
    low, high = int(interval.low), int(interval.high)
    assert 1 <= low < high <= n
    assert interval.coverage == pytest.approx(rank_coverage(n, q, low, high), abs=1e-9)
    assert interval.coverage >= confidence
    half_alpha = (1 - confidence) / 2
    if binom_cdf(0, n, q) <= half_alpha and binom_cdf(n - 1, n, q) >= 1 - half_alpha:
        # Both equal tails exist: each tail holds at most α/2 and neither rank can move inwards.
        assert binom_cdf(low - 1, n, q) <= half_alpha < binom_cdf(low, n, q)
        assert binom_cdf(high - 2, n, q) < 1 - half_alpha <= binom_cdf(high - 1, n, q)


def test_quantile_interval_drops_missing_values():
    values = [float("nan")] * 5 + [float(v) for v in range(1, 21)]
    interval = quantile_interval(values, 0.5, 0.95)
    assert interval is not None
    assert (interval.low, interval.high, interval.n) == (6.0, 15.0, 20)


@pytest.mark.parametrize("values", [[], [3.0], [float("nan"), 3.0]])
def test_quantile_interval_needs_two_values(values):
    assert quantile_interval(values, 0.5, 0.5) is None


@pytest.mark.parametrize("q", [0.0, 1.0, 95, -0.1])
def test_quantile_must_be_a_fraction(q):
    with pytest.raises(ValueError, match="q must be"):
        quantile_interval([1.0, 2.0, 3.0], q, 0.95)


# --- side --------------------------------------------------------------------------------

ABOVE = Interval(1.5, 2.0, "t", 0.95, 10)  # wholly above the target 1.0
BELOW = Interval(0.2, 0.5, "t", 0.95, 10)  # wholly below it
ACROSS = Interval(0.5, 1.5, "t", 0.95, 10)  # on both sides
FROM = Interval(1.0, 2.0, "t", 0.95, 10)  # low bound on the target
UPTO = Interval(0.0, 1.0, "t", 0.95, 10)  # high bound on the target
POINT = Interval(1.0, 1.0, "t", 0.95, 10)  # exactly the target


@pytest.mark.parametrize(
    ("op", "interval", "expected"),
    [
        (">=", ABOVE, "pass"),
        (">=", BELOW, "fail"),
        (">=", ACROSS, "inconclusive"),
        (">=", FROM, "pass"),
        (">=", UPTO, "inconclusive"),
        (">=", POINT, "pass"),
        (">", ABOVE, "pass"),
        (">", BELOW, "fail"),
        (">", ACROSS, "inconclusive"),
        (">", FROM, "inconclusive"),
        (">", UPTO, "fail"),
        (">", POINT, "fail"),
        ("<=", ABOVE, "fail"),
        ("<=", BELOW, "pass"),
        ("<=", ACROSS, "inconclusive"),
        ("<=", FROM, "inconclusive"),
        ("<=", UPTO, "pass"),
        ("<=", POINT, "pass"),
        ("<", ABOVE, "fail"),
        ("<", BELOW, "pass"),
        ("<", ACROSS, "inconclusive"),
        ("<", FROM, "fail"),
        ("<", UPTO, "inconclusive"),
        ("<", POINT, "fail"),
        ("==", ABOVE, "fail"),
        ("==", BELOW, "fail"),
        ("==", ACROSS, "inconclusive"),
        ("==", FROM, "inconclusive"),
        ("==", UPTO, "inconclusive"),
        ("==", POINT, "pass"),
    ],
)
def test_side(op, interval, expected):
    assert side(op, 1.0, interval) == expected


def test_side_rejects_unknown_operator():
    with pytest.raises(ValueError, match="unknown comparison '=>'"):
        side("=>", 1.0, ABOVE)


def test_twenty_of_twenty_cannot_show_99_percent():
    # [0.838875, 1.0] straddles 0.99: the data allow a true rate on either side.
    interval = wilson(20, 20, 0.95)
    assert interval is not None
    assert side(">=", 0.99, interval) == "inconclusive"


def test_95_of_100_against_targets():
    # [0.888250, 0.978456]: wholly above 0.8, wholly below 0.99.
    interval = wilson(95, 100, 0.95)
    assert interval is not None
    assert side(">=", 0.8, interval) == "pass"
    assert side(">=", 0.99, interval) == "fail"


@pytest.mark.parametrize("n", [40, 400, 4_000, 40_001, 400_000, 1_000_000])
@pytest.mark.parametrize("q", [0.01, 0.05, 0.5, 0.95, 0.99])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_ranks_near_the_quantile_are_the_ranks_of_the_whole_list(
    n: int, q: float, confidence: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past a few thousand values the ranks are read off the binomial's distribution function
    # near n·q only; they must be the ones the whole function gives, for every n, q and c.
    near = intervals._quantile_ranks(n, q, confidence)
    monkeypatch.setattr(intervals, "_ranks_near_the_quantile", lambda *_: None)
    whole = intervals._quantile_ranks(n, q, confidence)
    assert near == whole
    if near is not None and n >= 4_000:
        low, high, coverage = near
        # And by its definition, with scipy's binomial: the largest rank leaving at most α/2
        # below, the smallest leaving at most α/2 above.
        tail = (1 - confidence) / 2
        assert binom.cdf(low - 1, n, q) <= tail < binom.cdf(low, n, q)
        assert binom.cdf(high - 2, n, q) < 1 - tail <= binom.cdf(high - 1, n, q)
        assert coverage == pytest.approx(binom.cdf(high - 1, n, q) - binom.cdf(low - 1, n, q))
