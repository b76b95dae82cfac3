"""How the paper words a number: a metric's value, its sample size, a count, a duration.

:mod:`paperkit.paper.render` decides how a plain number looks (the filters); this module decides
which of those looks a metric gets (a rate as %, a cost in USD, a latency in ms).
"""

from __future__ import annotations

from paperkit.paper.render import MISSING, num, pct, usd


def format_metric(metric: str, value: float | int | None) -> str:
    """Return ``value`` formatted the way the paper shows ``metric`` (rates as %, USD, ms, s)."""
    if value is None:
        return "no data"
    if metric.endswith(("success_rate", "cost_reduction")):
        return pct(value)
    if metric.endswith("_usd"):
        return usd(value)
    if "latency_ms" in metric:
        return f"{num(value)} ms"
    if "duration_s" in metric:
        return f"{num(value, 2)} s"
    if metric.endswith("latency_ratio"):
        return f"{num(value, 2)}×"
    if metric.endswith("_minutes"):
        return duration(value)
    return num(value, 0 if float(value).is_integer() else 1)


def count(n: int, noun: str) -> str:
    """Return "1 call" / "2,000 calls": a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def duration(value: float | int | None) -> str:
    """Return a number of minutes as "2 h 5 min" or "45 min" (n/a when missing)."""
    if value is None:
        return MISSING
    hours, minutes = divmod(round(float(value)), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
