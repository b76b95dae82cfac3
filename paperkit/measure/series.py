"""How an experiment moved over time: volume, latency, workflows and cost per day (or week).

Records are grouped by calendar day in the spec's time zone; when the period is longer than
``DAILY_LIMIT`` days they are grouped by week (Monday to Sunday), and past ``WEEKLY_LIMIT`` days
by calendar month, so a chart has at most about 30 points and stays readable at a year. A
bucket with no records has no value (None), never 0: the paper shows it as a gap. A bucket's
percentile needs at least ``MIN_RECORDS`` records; a thinner bucket has none.

The measure stage; the paper words and draws it (:mod:`paperkit.paper.trends`,
:mod:`paperkit.paper.charts`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from paperkit.measure.costs import NOT_COSTED, labels, local_days, record_days
from paperkit.prices.pricing import UNPRICED

DAILY_LIMIT = 31  # periods of more days than this are grouped by week
WEEKLY_LIMIT = 182  # periods of more days than this (26 weeks) are grouped by month
DAY, WEEK, MONTH = "day", "week", "month"
MIN_RECORDS = 5  # fewest records a bucket's p50 and p95 are computed from
RESOURCES = ("worker_ai", "workflows", "d1", "kv", "r2", "other")
# How the charts and `paperkit costs` name each of RESOURCES; "other" is any other resource.
RESOURCE_LABELS = {
    "worker_ai": "Worker AI",
    "workflows": "Workflows",
    "d1": "D1",
    "kv": "KV",
    "r2": "R2",
    "other": "Other",
}


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

    ``buckets`` holds each bucket's first day (a Monday for weeks, the 1st for months) from the
    bucket of the first to that of the
    last day with any dated usage or cost-breakdown record.
    """

    timezone: str
    bucket: str  # DAY, WEEK or MONTH
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


_EPOCH = date(1970, 1, 1).toordinal()


def _day_numbers(stamps: pd.Series, timezone: str) -> np.ndarray:
    """Return each timestamp's calendar day in ``timezone`` as days since 1970-01-01."""
    return local_days(stamps, timezone).astype(np.int64)


def _bucket_of(days: np.ndarray, bucket: str) -> np.ndarray:
    """Return the bucket of each day number: the day itself, its week's Monday, or its month's
    first day."""
    if bucket == WEEK:
        # 1970-01-01 was a Thursday, so (day + 3) % 7 is 0 on Mondays.
        return days - (days + 3) % 7
    if bucket == MONTH:
        months = days.astype("datetime64[D]").astype("datetime64[M]")
        return months.astype("datetime64[D]").astype(np.int64)
    return days


def _buckets(days: list[np.ndarray]) -> tuple[str, np.ndarray]:
    """Return the bucket size, and each bucket's first day number, over all ``days``."""
    known = [d for d in days if len(d)]
    if not known:
        return DAY, np.array([], dtype=np.int64)
    first = min(int(d.min()) for d in known)
    last = max(int(d.max()) for d in known)
    span = last - first + 1
    if span <= DAILY_LIMIT:
        return DAY, np.arange(first, last + 1, dtype=np.int64)
    if span <= WEEKLY_LIMIT:
        start, end = _bucket_of(np.array([first, last]), WEEK)
        return WEEK, np.arange(start, end + 1, 7, dtype=np.int64)
    ends = np.array([first, last]).astype("datetime64[D]").astype("datetime64[M]")
    months = np.arange(ends[0], ends[1] + 1)
    return MONTH, months.astype("datetime64[D]").astype(np.int64)


def _spreads(values: pd.Series, buckets: np.ndarray, order: np.ndarray) -> tuple[Spread, ...]:
    """Return the p50/p95 of the known ``values`` in each bucket, when it has enough of them."""
    known = values.notna().to_numpy()
    grouped = pd.Series(values.to_numpy(dtype=float)[known]).groupby(buckets[known])
    n = grouped.count().reindex(order, fill_value=0)
    p50 = grouped.quantile(0.5).reindex(order)
    p95 = grouped.quantile(0.95).reindex(order)
    return tuple(
        Spread(int(k), float(a), float(b)) if k >= MIN_RECORDS else Spread(int(k), None, None)
        for k, a, b in zip(n, p50, p95, strict=True)
    )


def _workflows(
    wf: pd.DataFrame, buckets: np.ndarray, order: np.ndarray
) -> tuple[Workflows | None, ...]:
    success = wf["success"]
    flags = pd.DataFrame(
        {
            "runs": np.ones(len(wf), dtype=np.int64),
            "ok": (success == True).fillna(False).to_numpy(dtype=bool),  # noqa: E712
            "bad": (success == False).fillna(False).to_numpy(dtype=bool),  # noqa: E712
        }
    )
    sums = flags.groupby(buckets).sum().reindex(order, fill_value=0)
    spreads = _spreads(wf["duration_ms"] / 1000.0, buckets, order)
    items: list[Workflows | None] = []
    for (runs, ok, bad), spread in zip(sums.itertuples(index=False), spreads, strict=True):
        if not runs:
            items.append(None)
            continue
        rate = ok / (ok + bad) if ok + bad else None
        items.append(Workflows(int(runs), int(ok), int(bad), rate, spread))
    return tuple(items)


def _costs(frame: pd.DataFrame, buckets: np.ndarray, order: np.ndarray) -> tuple[Cost, ...]:
    parts = pd.DataFrame(
        {
            "records": np.ones(len(frame), dtype=np.int64),
            "usd": frame["cost_usd"].to_numpy(dtype=float),
            "unpriced": (frame["cost_source"] == UNPRICED).to_numpy(dtype=bool),
        }
    ).groupby(buckets)
    records = parts["records"].sum().reindex(order, fill_value=0)
    usd = parts["usd"].sum(min_count=1).reindex(order)
    unpriced = parts["unpriced"].sum().reindex(order, fill_value=0)
    return tuple(
        Cost(int(n), None if n == 0 or pd.isna(u) else float(u), int(k))
        for n, u, k in zip(records, usd, unpriced, strict=True)
    )


def _claude_code(
    breakdown: pd.DataFrame, days: np.ndarray, bucket: str, order: np.ndarray
) -> tuple[float | None, ...]:
    """Return the Claude Code cost recorded per bucket: each day's first record, as recorded.

    A bucket with no recorded cost is None; a week or month adds up the days that have one.
    """
    frame = pd.DataFrame(
        {
            "line": breakdown["line"].to_numpy(),
            "day": days,
            "usd": breakdown["claude_code_cost"].to_numpy(dtype=float),
        }
    ).sort_values("line", kind="stable")
    first = frame[~frame["day"].duplicated(keep="first") & frame["usd"].notna()]
    by_bucket: dict[int, float] = {}
    starts = _bucket_of(first["day"].to_numpy(), bucket)
    for start, usd in zip(starts, first["usd"], strict=True):
        by_bucket[int(start)] = by_bucket.get(int(start), 0.0) + float(usd)
    return tuple(by_bucket.get(int(b)) for b in order)


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
    ai_days = _day_numbers(ai["timestamp"], timezone)
    wf_days = _day_numbers(wf["timestamp"], timezone)
    cf_days = _day_numbers(cf["timestamp"], timezone)
    cb_days = np.array(
        [d.toordinal() - _EPOCH for d in record_days(breakdown, timezone)], dtype=np.int64
    )
    bucket, order = _buckets([ai_days, wf_days, cf_days, cb_days])
    ai_b, wf_b, cf_b = (_bucket_of(d, bucket) for d in (ai_days, wf_days, cf_days))

    ai_records = pd.Series(ai_b).value_counts().reindex(order, fill_value=0)
    has_records = ai_records.to_numpy() > 0
    # Each record's model as a code into its distinct values, grouped by the ``str`` of each
    # (as the tables show them): no string per record.
    codes, distinct = pd.factorize(ai["model"].to_numpy(dtype=object))
    by_name: dict[str, list[int]] = {}
    for code, name in enumerate(distinct):
        by_name.setdefault(str(name), []).append(code)
    inferences: dict[str, tuple[int | None, ...]] = {}
    latency: dict[str, tuple[Spread, ...]] = {}
    for model in sorted(by_name):
        mine = np.isin(codes, by_name[model])
        counts = pd.Series(ai_b[mine]).value_counts().reindex(order, fill_value=0)
        inferences[model] = tuple(
            int(n) if has else None for n, has in zip(counts, has_records, strict=True)
        )
        latency[model] = _spreads(ai["latency_ms"][mine], ai_b[mine], order)

    resources = labels(cf["resource"], "unspecified resource")
    costed = ~resources.isin(NOT_COSTED)
    kinds = resources.where(resources.isin(["d1", "kv", "r2"]), "other")
    costs = {"worker_ai": _costs(ai, ai_b, order), "workflows": _costs(wf, wf_b, order)}
    for kind in ("d1", "kv", "r2", "other"):
        mask = (costed & (kinds == kind)).to_numpy(dtype=bool)
        costs[kind] = _costs(cf[mask], cf_b[mask], order)

    claude = _claude_code(breakdown, cb_days, bucket, order) if breakdown_present else None
    return Trends(
        timezone=timezone,
        bucket=bucket,
        buckets=tuple(date.fromordinal(int(b) + _EPOCH) for b in order),
        ai_records=tuple(int(n) for n in ai_records),
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
