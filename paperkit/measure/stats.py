"""Summaries of one column where missing stays missing: a mean, a quantile, a sum, a rate.

Each returns None, never 0, when no record holds a value (docs/metrics.md), so a metric with
no data reads "no data" in the paper instead of a misleading zero.
"""

from __future__ import annotations

import pandas as pd


def _num(value: object) -> float | None:
    """Return a plain float, or None for NaN/NA/None (missing stays missing)."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    return float(value)  # type: ignore[arg-type]


def mean(series: pd.Series) -> float | None:
    """Return the mean of the known values, or None when there are none."""
    return _num(series.mean()) if series.notna().any() else None


def quantile(series: pd.Series, q: float) -> float | None:
    """Return the ``q`` quantile of the known values (linear interpolation), or None."""
    values = series.dropna()
    return _num(values.quantile(q)) if len(values) else None


def sum_known(series: pd.Series) -> float | None:
    """Return the sum of the known values, or None when there are none."""
    return _num(series.sum()) if series.notna().any() else None


def count_total(series: pd.Series) -> float | None:
    """Return the sum of a count column: 0 with no records, None when no record logs it."""
    if not len(series):
        return 0
    return sum_known(series)


def outcomes(success: pd.Series) -> tuple[int, int, float | None]:
    """Return (succeeded, failed, success rate over records whose outcome is known)."""
    ok = int((success == True).sum())  # noqa: E712 - nullable boolean, NA counts as neither
    bad = int((success == False).sum())  # noqa: E712
    return ok, bad, (ok / (ok + bad) if ok + bad else None)
