"""The difference intervals of paperkit diff: worked by hand, and checked against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from paperkit.measure.differences import compare, newcombe, percentile_confidence, welch


def test_newcombe_by_hand() -> None:
    # Old 10 of 20 (p = 0.5), new 16 of 20 (p = 0.8), 95%: z = 1.959964, z² = 3.841459.
    # Wilson 10/20: shrink 1 + 3.841459/20 = 1.192073; centre 0.5;
    #   half = 1.959964/1.192073 × √(0.25/20 + 3.841459/1600) = 1.644164 × 0.1220693 = 0.200702
    #   -> [0.299298, 0.700702]
    # Wilson 16/20: centre (0.8 + 0.0960365)/1.192073 = 0.751664;
    #   half = 1.644164 × √(0.16/20 + 0.00240091) = 1.644164 × 0.1019848 = 0.167680
    #   -> [0.583984, 0.919344]
    # d = 0.3; low = 0.3 − √(0.216016² + 0.200702²) = 0.3 − 0.294863 = 0.005137
    #          high = 0.3 + √(0.119344² + 0.200702²) = 0.3 + 0.233504 = 0.533504
    change = newcombe(10, 20, 16, 20, 0.95)
    assert change is not None
    assert change.low == pytest.approx(0.005137, abs=2e-6)
    assert change.high == pytest.approx(0.533504, abs=2e-6)
    assert change.real  # the interval just excludes 0


@pytest.mark.parametrize(
    ("x_old", "n_old", "x_new", "n_new", "confidence"),
    [
        (10, 20, 16, 20, 0.95),
        (343, 346, 153, 159, 0.95),
        (20, 20, 19, 20, 0.90),
        (0, 15, 3, 40, 0.99),
        (153, 159, 158, 159, 0.95),
    ],
)
def test_newcombe_agrees_with_statsmodels(
    x_old: int, n_old: int, x_new: int, n_new: int, confidence: float
) -> None:
    # statsmodels' "newcomb" is p1 − p2, so the new side goes first.
    low, high = confint_proportions_2indep(
        x_new, n_new, x_old, n_old, method="newcomb", compare="diff", alpha=1 - confidence
    )
    change = newcombe(x_old, n_old, x_new, n_new, confidence)
    assert change is not None
    assert change.low == pytest.approx(low, abs=1e-9)
    assert change.high == pytest.approx(high, abs=1e-9)


def test_welch_by_hand() -> None:
    # Old 1..5: mean 3, variance 2.5; new 3..7: mean 5, variance 2.5; n = 5 each.
    # se = √(2.5/5 + 2.5/5) = 1; ν = (0.5 + 0.5)² / (0.25/4 + 0.25/4) = 8;
    # t(8, 0.975) = 2.306 (Student t table), so 2 ± 2.306: −0.306 to 4.306, which holds 0.
    change = welch(3.0, 2.5**0.5, 5, 5.0, 2.5**0.5, 5, 0.95)
    assert change is not None
    assert change.low == pytest.approx(-0.306, abs=5e-4)
    assert change.high == pytest.approx(4.306, abs=5e-4)
    assert not change.real


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_welch_agrees_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    old = rng.lognormal(6.5, 0.6, size=40 + seed)
    new = rng.lognormal(6.8, 0.9, size=25 * seed)
    expected = CompareMeans(DescrStatsW(new), DescrStatsW(old)).tconfint_diff(
        alpha=0.05, usevar="unequal"
    )
    change = welch(
        old.mean(), old.std(ddof=1), old.size, new.mean(), new.std(ddof=1), new.size, 0.95
    )
    assert change is not None
    assert (change.low, change.high) == pytest.approx(expected, rel=1e-9)
    # scipy's Welch test agrees on the decision: the interval excludes 0 exactly when p < 0.05.
    p_value = stats.ttest_ind(new, old, equal_var=False).pvalue
    assert change.real == (p_value < 0.05)


def test_welch_without_spread_is_exact_and_needs_two_values() -> None:
    same = welch(4.0, 0.0, 10, 4.0, 0.0, 12, 0.95)
    moved = welch(4.0, 0.0, 10, 5.0, 0.0, 12, 0.95)
    assert same is not None and (same.low, same.high, same.real) == (0.0, 0.0, False)
    assert moved is not None and (moved.low, moved.high, moved.real) == (1.0, 1.0, True)
    assert welch(4.0, 1.0, 1, 5.0, 1.0, 12, 0.95) is None


def test_percentile_intervals_that_do_not_overlap_are_a_real_change() -> None:
    c = percentile_confidence(0.95)
    assert c == pytest.approx(0.975)
    old = {"kind": "quantile", "q": 0.95, "n": 300, "interval": _iv(1400, 1490, c)}
    overlapping = {"kind": "quantile", "q": 0.95, "n": 300, "interval": _iv(1480, 1600, c)}
    apart = {"kind": "quantile", "q": 0.95, "n": 300, "interval": _iv(1500, 1600, c)}
    # new − old spans low_new − high_old to high_new − low_old.
    change, why = compare(old, overlapping, 0.95)
    assert why is None and change is not None
    assert (change.low, change.high, change.real) == (-10, 200, False)
    # Bonferroni: two 97.5% intervals both cover with probability at least 95%.
    assert change.confidence == pytest.approx(0.95)
    change, _ = compare(old, apart, 0.95)
    assert change is not None and (change.low, change.high, change.real) == (10, 200, True)


def test_missing_samples_say_uncertainty_unknown() -> None:
    rate = {"kind": "rate", "successes": 9, "n": 10}
    change, why = compare(None, rate, 0.95)
    assert change is None and why is not None and why.startswith("uncertainty unknown")
    change, why = compare({"kind": "quantile", "q": 0.99, "n": 20, "interval": None}, None, 0.95)
    assert change is None and why is not None and why.startswith("uncertainty unknown")
    change, why = compare({"kind": "rate", "successes": 0, "n": 0}, rate, 0.95)
    assert change is None and why == "uncertainty unknown: no record on one side"


def _iv(low: float, high: float, confidence: float) -> dict[str, object]:
    return {"low": low, "high": high, "method": "order statistic", "confidence": confidence}
