"""How an experiment moved over time: volume, latency, workflows and cost per day (or week).

Records are grouped by calendar day in the spec's time zone; when the period is longer than
``DAILY_LIMIT`` days they are grouped by week (Monday to Sunday) instead, so a chart of a year
stays readable. A bucket with no records has no value (None), never 0: the paper shows it as a
gap. A day's percentile needs at least ``MIN_RECORDS`` records; a thinner day has none.

The measure stage; the paper words and draws
it (:mod:`paperkit.paper.charts`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from paperkit.measure.costs import NOT_COSTED, labels
from paperkit.measure.stats import outcomes, quantile
from paperkit.prices.pricing import UNPRICED

DAILY_LIMIT = 45  # periods of more days than this are grouped by week
MIN_RECORDS = 5  # fewest records a bucket's p50 and p95 are computed from
RESOURCES = ("worker_ai", "workflows", "d1", "kv", "r2", "other")
_DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class Spread:
    """A bucket's p50 and p95 of some records; both None when ``n`` < MIN_RECORDS."""

    n: int
    p50: float | None
    p95: float | None


@dataclass(frozen=True)
class Cost:
    """A bucket's cost of one resource: None when it has no records or none is priced.

    ``unpriced`` records are left out of ``usd``, which is then a lower bound.
    """

    records: int
    usd: float | None
    unpriced: int = 0


@dataclass(frozen=True)
class Workflows:
    """A bucket's workflow executions: counts, success rate and duration spread (seconds)."""

    executions: int
    succeeded: int
    failed: int
    success_rate: float | None
    duration_s: Spread


@dataclass(frozen=True)
class Trends:
    """Every per-bucket series of one experiment; each tuple has one item per bucket.

    ``buckets`` holds each bucket's first day (a Monday when ``weekly``), from the first to the
    last day with any dated usage or cost-breakdown record.
    """

    timezone: str
    weekly: bool
    buckets: tuple[date, ...]
    ai_records: tuple[int, ...]
    inferences: dict[str, tuple[int | None, ...]]  # model -> calls, None without ai records
    latency_ms: dict[str, tuple[Spread, ...]]  # model -> spread of its calls' latency
    workflows: tuple[Workflows | None, ...]  # None without workflow records
    costs: dict[str, tuple[Cost, ...]]  # running resource (RESOURCES) -> cost
    claude_code: tuple[float | None, ...] | None  # None when cost-breakdown.jsonl is absent

    @property
    def empty(self) -> bool:
        """True when no record is dated, so there is nothing to chart."""
        return not self.buckets


def _local_days(stamps: pd.Series, timezone: str) -> pd.Series:
    """Return each timestamp's calendar day in ``timezone`` (as ``date`` objects)."""
    return stamps.dt.tz_convert(timezone).dt.date.astype(object)


def breakdown_days(frame: pd.DataFrame, timezone: str) -> pd.Series:
    """Return the day of each ``cost-breakdown.jsonl`` record.

    ``period`` when it is a date (``2025-01-14``); otherwise (absent, or ``day_1`` as the
    methodology writes it) the day of ``timestamp`` in ``timezone``.
    """
    text = frame["period"].astype(object).where(frame["period"].notna(), "").astype(str)
    written = text.str.strip().where(text.str.strip().str.fullmatch(_DATE), None)
    as_date = pd.to_datetime(written, format="%Y-%m-%d", errors="coerce")
    local = frame["timestamp"].dt.tz_convert(timezone).dt.date
    days = np.where(as_date.notna(), as_date.dt.date, local)
    return pd.Series(days, index=frame.index, dtype=object)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _buckets(days: list[pd.Series]) -> tuple[bool, tuple[date, ...]]:
    """Return whether to group by week, and each bucket's first day, over all ``days``."""
    known = [d for s in days for d in s.dropna().unique()]
    if not known:
        return False, ()
    first, last = min(known), max(known)
    span = (last - first).days + 1
    if span <= DAILY_LIMIT:
        return False, tuple(first + timedelta(days=i) for i in range(span))
    start = _monday(first)
    weeks = (_monday(last) - start).days // 7 + 1
    return True, tuple(start + timedelta(weeks=i) for i in range(weeks))


def _bucket_of(days: pd.Series, weekly: bool) -> pd.Series:
    """Return the bucket (its first day) of each day."""
    if not weekly:
        return days
    return days.map(_monday).astype(object)


def _spreads(values: pd.Series, buckets: pd.Series, order: tuple[date, ...]) -> tuple[Spread, ...]:
    """Return the p50/p95 of the known ``values`` in each bucket, when it has enough of them."""
    known = values.notna()
    groups = {b: v for b, v in values[known].groupby(buckets[known], sort=False)}
    spreads = []
    for b in order:
        v = groups.get(b)
        n = 0 if v is None else len(v)
        if n < MIN_RECORDS or v is None:
            spreads.append(Spread(n, None, None))
        else:
            spreads.append(Spread(n, quantile(v, 0.5), quantile(v, 0.95)))
    return tuple(spreads)


def _workflows(
    wf: pd.DataFrame, buckets: pd.Series, order: tuple[date, ...]
) -> tuple[Workflows | None, ...]:
    seconds = wf["duration_ms"] / 1000.0
    spreads = dict(zip(order, _spreads(seconds, buckets, order), strict=True))
    groups = {b: g for b, g in wf.groupby(buckets, sort=False)}
    items: list[Workflows | None] = []
    for b in order:
        g = groups.get(b)
        if g is None:
            items.append(None)
            continue
        ok, bad, rate = outcomes(g["success"])
        items.append(Workflows(len(g), ok, bad, rate, spreads[b]))
    return tuple(items)


def _costs(frame: pd.DataFrame, buckets: pd.Series, order: tuple[date, ...]) -> tuple[Cost, ...]:
    groups = {b: g for b, g in frame.groupby(buckets, sort=False)}
    costs = []
    for b in order:
        g = groups.get(b)
        if g is None:
            costs.append(Cost(0, None))
            continue
        known = g["cost_usd"].dropna()
        usd = float(known.sum()) if len(known) else None
        costs.append(Cost(len(g), usd, int((g["cost_source"] == UNPRICED).sum())))
    return tuple(costs)


def _claude_code(
    breakdown: pd.DataFrame, days: pd.Series, weekly: bool, order: tuple[date, ...]
) -> tuple[float | None, ...]:
    """Return the Claude Code cost recorded per bucket: each day's first record, as recorded.

    A bucket with no recorded cost is None; a week adds up the days that have one.
    """
    frame = pd.DataFrame(
        {"line": breakdown["line"], "day": days, "usd": breakdown["claude_code_cost"]}
    ).sort_values("line", kind="stable")
    first = frame[~frame["day"].duplicated(keep="first") & frame["usd"].notna()]
    by_bucket: dict[date, float] = {}
    for day, usd in zip(_bucket_of(first["day"], weekly), first["usd"], strict=True):
        by_bucket[day] = by_bucket.get(day, 0.0) + float(usd)
    return tuple(by_bucket.get(b) for b in order)


def trends(
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    breakdown: pd.DataFrame,
    timezone: str,
    *,
    breakdown_present: bool,
) -> Trends:
    """Return the per-day (or per-week) series of the priced usage frames and the breakdown.

    ``ai``, ``wf`` and ``cf`` carry the ``cost_usd``/``cost_source`` columns of
    :mod:`paperkit.prices.pricing`; records without a timestamp are not in any bucket.
    """
    ai_days = _local_days(ai["timestamp"], timezone)
    wf_days = _local_days(wf["timestamp"], timezone)
    cf_days = _local_days(cf["timestamp"], timezone)
    cb_days = breakdown_days(breakdown, timezone) if len(breakdown) else pd.Series(dtype=object)
    weekly, order = _buckets([ai_days, wf_days, cf_days, cb_days])
    ai_b, wf_b, cf_b = (_bucket_of(d, weekly) for d in (ai_days, wf_days, cf_days))

    per_bucket = ai_b.value_counts()
    ai_records = tuple(int(per_bucket.get(b, 0)) for b in order)
    inferences: dict[str, tuple[int | None, ...]] = {}
    latency: dict[str, tuple[Spread, ...]] = {}
    for model, calls in ai.groupby("model", sort=True):
        counts = ai_b[calls.index].value_counts()
        inferences[str(model)] = tuple(
            int(counts.get(b, 0)) if n else None for b, n in zip(order, ai_records, strict=True)
        )
        latency[str(model)] = _spreads(calls["latency_ms"], ai_b[calls.index], order)

    resources = labels(cf["resource"], "unspecified resource")
    costed = ~resources.isin(NOT_COSTED)
    kinds = resources.where(resources.isin(["d1", "kv", "r2"]), "other")
    costs = {"worker_ai": _costs(ai, ai_b, order), "workflows": _costs(wf, wf_b, order)}
    for kind in ("d1", "kv", "r2", "other"):
        mask = costed & (kinds == kind)
        costs[kind] = _costs(cf[mask], cf_b[mask], order)

    claude = (
        _claude_code(breakdown, cb_days, weekly, order)
        if breakdown_present and len(order)
        else None
    )
    return Trends(
        timezone=timezone,
        weekly=weekly,
        buckets=order,
        ai_records=ai_records,
        inferences=inferences,
        latency_ms=latency,
        workflows=_workflows(wf, wf_b, order),
        costs=costs,
        claude_code=claude,
    )


# --- breakdowns --------------------------------------------------------------------------------

NO_ERROR = "(no error logged)"
NOT_LOGGED = "not logged"
_ANSWERS = {"yes": "yes", "true": "yes", "partly": "partly", "partially": "partly", "no": "no"}
_ANSWERS.update({"false": "no", "maybe": "partly"})
ANSWER_ORDER = ("yes", "partly", "no", "unclear", NOT_LOGGED)


def failures_by_error(frame: pd.DataFrame) -> tuple[tuple[str, int], ...]:
    """Return (error, failed records) for the failed records of a frame, most frequent first."""
    failed = frame.loc[frame["success"] == False, "error"]  # noqa: E712 - nullable boolean
    counts = labels(failed, NO_ERROR).value_counts()
    return tuple(
        sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    )


@dataclass(frozen=True)
class Group:
    """Some development records sharing a label: how many, and the minutes they took.

    ``minutes`` adds up the records whose time could be read (``timed`` of them); None when none.
    """

    label: str
    records: int
    timed: int
    minutes: float | None


def _groups(keys: pd.Series, minutes: pd.Series, order: list[str]) -> tuple[Group, ...]:
    groups = []
    for key in order:
        mask = keys == key
        if not mask.any():
            continue
        known = minutes[mask].dropna()
        total = float(known.sum()) if len(known) else None
        groups.append(Group(key, int(mask.sum()), len(known), total))
    return tuple(groups)


def errors_by_type(errors: pd.DataFrame) -> tuple[Group, ...]:
    """Return errors.log grouped by ``error_type``: count and total fix time, most time first."""
    keys = labels(errors["error_type"], NOT_LOGGED)
    groups = _groups(keys, errors["fix_time_min"], sorted(set(keys)))
    return tuple(sorted(groups, key=lambda g: (-(g.minutes or 0.0), -g.records, g.label)))


def answer(value: object) -> str:
    """Return how a ``could_ai_have_done_this`` value reads: yes, partly, no, unclear, not logged.

    The first word decides ("partly - with the duration logs..." is partly); a JSON boolean is
    yes or no; a value that starts with none of the known words is "unclear".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_LOGGED
    if isinstance(value, bool):
        return "yes" if value else "no"
    words = re.findall(r"[a-z]+", str(value).lower())
    if not words:
        return NOT_LOGGED
    return _ANSWERS.get(words[0], "unclear")


def interventions_by_answer(interventions: pd.DataFrame) -> tuple[Group, ...]:
    """Return the interventions grouped by whether the AI could have done them, with their time."""
    keys = interventions["could_ai_have_done_this"].map(answer).astype(object)
    return _groups(keys, interventions["time_spent_min"], list(ANSWER_ORDER))
