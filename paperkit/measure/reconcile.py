"""Cost figures that should agree, side by side: where the logs contradict the prices or themselves.

Three comparisons (docs/reconciliation.md):

1. each model's logged ``cost_estimate`` against its cost at the price paperkit applies, per day
   and over the whole period, on the calls that have both;
2. each ``cost-breakdown.jsonl`` figure (Worker AI, Workflows, D1, KV, R2) against the raw usage
   logs' cost for the same day and resource;
3. each ``cost-breakdown.jsonl`` line's ``total_cost`` against the sum of its parts.

When the experiment has ``claude-code.jsonl``, comparison 2 also sets each day's
``claude_code_cost`` against the cost of that day's Claude Code requests, and lists the days
with requests but no ``cost-breakdown.jsonl`` line.

In comparisons 1 and 2 a gap is flagged when ``|a - b| > tolerance * max(|a|, |b|)``: they set
estimates against each other. Comparison 3 checks one line's own addition, which must hold to
the cent: a gap is flagged when it exceeds half a cent per part given (each part may have been
rounded to the cent). A figure that is missing stays None and is not compared: a missing figure
is never read as $0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from paperkit.prices.pricing import (
    INVOCATION_ONLY,
    LIST_PRICE,
    LOGGED,
    PRICE_DATA,
    SPEC,
    UNPRICED,
)
from paperkit.spec.types import DEFAULT_RECONCILE_TOLERANCE

# Cost sources that are a price applied by paperkit (not the user's own estimate).
REAL_PRICES = (PRICE_DATA, SPEC, LIST_PRICE)

# cost-breakdown.jsonl's per-resource columns with a raw usage log, and their labels.
BREAKDOWN_RESOURCES = (
    ("worker_ai_cost", "Worker AI"),
    ("workflows_cost", "Workflows"),
    ("d1_cost", "D1"),
    ("kv_cost", "KV"),
    ("r2_cost", "R2"),
)
# The parts that total_cost should add up to (Claude Code has no raw log, but is a part).
BREAKDOWN_PARTS = (*(column for column, _ in BREAKDOWN_RESOURCES), "claude_code_cost")
CLAUDE_CODE = ("claude_code_cost", "Claude Code")  # compared only with claude-code.jsonl

COMPARED = "compared"


@dataclass(frozen=True)
class LoggedVsPriced:
    """One model's logged cost against its priced cost, on one day or (``day`` None) overall.

    Both sums run over the same ``calls``: those whose cost source is a price (``REAL_PRICES``)
    and that also log a ``cost_estimate``; with none, both are None and ``status`` says why. The
    other counts are the model's calls on that day (or period) left out, by reason.
    """

    model: str
    day: date | None
    logged_usd: float | None
    priced_usd: float | None
    gap_usd: float | None
    relative_gap: float | None
    flagged: bool
    status: str  # compared, no logged figure, no priced figure, no figures
    calls: int
    priced_not_logged: int
    logged_not_priced: int
    unpriced: int


@dataclass(frozen=True)
class BreakdownVsLogs:
    """One cost-breakdown.jsonl figure against the raw logs' cost of that resource on that day.

    ``raw_usd`` sums ``cost_usd`` of the ``raw_records`` (``raw_logged`` of them at their own
    estimate; ``raw_unpriced`` left out, and ``raw_partial`` charged in part, a Workflows
    execution without ``cpu_ms``: the sum is then a lower bound). It is None when
    there are no raw records ("no raw records") or none has a cost ("raw records unpriced").
    ``day_from`` is "period" or "timestamp"; ``duplicate_day`` marks a day with several lines.
    """

    line: int
    day: date | None
    day_from: str
    resource: str
    breakdown_usd: float
    raw_usd: float | None
    gap_usd: float | None
    relative_gap: float | None
    flagged: bool
    status: str  # compared, no raw records, raw records unpriced
    raw_records: int
    raw_logged: int
    raw_unpriced: int
    duplicate_day: bool
    raw_partial: int = 0


@dataclass(frozen=True)
class BreakdownTotal:
    """One cost-breakdown.jsonl line's ``total_cost`` against the sum of the parts it logs.

    ``missing_parts`` names the part columns the line lacks (they add nothing to
    ``parts_usd``); ``parts_usd`` is None when the line logs no part ("no parts").
    ``allowed_usd`` is the rounding the addition may show: half a cent per part given.
    """

    line: int
    day: date | None
    total_usd: float | None
    parts_usd: float | None
    gap_usd: float | None
    relative_gap: float | None
    flagged: bool
    status: str  # compared, no total_cost, no parts
    missing_parts: tuple[str, ...]
    allowed_usd: float | None = None


Row = LoggedVsPriced | BreakdownVsLogs | BreakdownTotal


@dataclass(frozen=True)
class Reconciliation:
    """The three comparisons and the tolerance they were judged at."""

    tolerance: float
    logged_vs_priced: tuple[LoggedVsPriced, ...]  # per model and day
    logged_vs_priced_totals: tuple[LoggedVsPriced, ...]  # per model, whole period
    breakdown_vs_logs: tuple[BreakdownVsLogs, ...]
    breakdown_totals: tuple[BreakdownTotal, ...]
    # With claude-code.jsonl: the days with Claude Code requests and no cost-breakdown line.
    claude_code: bool = False
    claude_days_without_breakdown: tuple[date, ...] = ()

    @property
    def flagged(self) -> tuple[Row, ...]:
        """Return every flagged row: comparison 1 by day, then by model, then 2, then 3."""
        rows: tuple[Row, ...] = (
            *self.logged_vs_priced,
            *self.logged_vs_priced_totals,
            *self.breakdown_vs_logs,
            *self.breakdown_totals,
        )
        return tuple(row for row in rows if row.flagged)

    def to_json(self) -> dict[str, Any]:
        """Return the comparisons as plain dicts and lists for results.json.

        Floats keep 12 significant digits (as the rest of results.json), missing is None, days
        are ISO dates; rows keep the order of the tuples, which is sorted.
        """
        found: dict[str, Any] = {
            "tolerance": self.tolerance,
            "flagged": len(self.flagged),
            "logged_vs_priced": {
                "by_day": [_plain_row(r) for r in self.logged_vs_priced],
                "by_model": [_plain_row(r) for r in self.logged_vs_priced_totals],
            },
            "breakdown_vs_logs": [_plain_row(r) for r in self.breakdown_vs_logs],
            "breakdown_totals": [_plain_row(r) for r in self.breakdown_totals],
        }
        if self.claude_code:
            days = self.claude_days_without_breakdown
            found["claude_code_days_without_breakdown"] = [_plain(d) for d in days]
        return found


def reconcile(
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    cost_breakdown: pd.DataFrame,
    timezone: str,
    tolerance: float = DEFAULT_RECONCILE_TOLERANCE,
    *,
    claude: pd.DataFrame | None = None,
) -> Reconciliation:
    """Return the three cost comparisons of one experiment, each row flagged or not.

    ``ai``, ``wf`` and ``cf`` are the worker-ai, workflows and cloudflare frames priced by
    :mod:`paperkit.prices.pricing`; ``cost_breakdown`` is the cost-breakdown frame of
    :mod:`paperkit.logs.load`.
    Days are calendar days in ``timezone`` (an IANA name). ``tolerance`` is a fraction: a gap is
    flagged when ``|a - b| > tolerance * max(|a|, |b|)``, so two zeros are never flagged; a pair
    with a missing side is not compared (gap None, not flagged), never read as 0.
    It exists so that a paper catches the costs nobody reconciled: estimates far from the
    price, or a breakdown that disagrees with the logs it summarises. ``claude``, the priced
    requests of claude-code.jsonl, makes ``claude_code_cost`` one more figure to check.
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a fraction of 0 or more, got {tolerance!r}")
    by_day, by_model = _logged_vs_priced(ai, timezone, tolerance)
    days = _breakdown_days(cost_breakdown, timezone)
    raw = _raw_costs(ai, wf, cf, timezone, claude)
    resources = BREAKDOWN_RESOURCES + ((CLAUDE_CODE,) if claude is not None else ())
    missing: tuple[date, ...] = ()
    if claude is not None:
        worked = {_date(d) for d in _local_day(claude["timestamp"], timezone).dropna().unique()}
        logged = {_date(d) for d in days["day"].dropna().unique()}
        missing = tuple(sorted(d for d in worked - logged if d is not None))
    return Reconciliation(
        tolerance=tolerance,
        logged_vs_priced=by_day,
        logged_vs_priced_totals=by_model,
        breakdown_vs_logs=_breakdown_vs_logs(cost_breakdown, days, raw, resources, tolerance),
        breakdown_totals=_breakdown_totals(cost_breakdown, days),
        claude_code=claude is not None,
        claude_days_without_breakdown=missing,
    )


def _local_day(stamps: pd.Series, timezone: str) -> pd.Series:
    """Return each UTC timestamp's calendar day in ``timezone``, as a naive midnight.

    The wall time is made naive before flooring, so a zone whose midnight is skipped by a
    daylight-saving change cannot raise.
    """
    wall = stamps.dt.tz_convert(timezone).dt.tz_localize(None)
    return wall.dt.normalize().astype("datetime64[ns]")


def _gaps(a: pd.Series, b: pd.Series, tolerance: float) -> pd.DataFrame:
    """Return the absolute gap, relative gap and flag of each pair; NaN/False where one is NaN.

    The relative gap is ``|a - b| / max(|a|, |b|)``, and 0 when both are 0 (no difference).
    """
    gap = (a - b).abs()
    scale = np.maximum(a.abs(), b.abs())
    relative = (gap / scale.where(scale != 0)).mask(scale == 0, 0.0)
    return pd.DataFrame({"gap": gap, "relative": relative, "flagged": gap > tolerance * scale})


def _logged_vs_priced(
    ai: pd.DataFrame, timezone: str, tolerance: float
) -> tuple[tuple[LoggedVsPriced, ...], tuple[LoggedVsPriced, ...]]:
    """Return comparison 1 per (model, day), and per model over the whole period."""
    # Compared as a column: its text is pyarrow's, and a Python str per record would cost more
    # than the whole comparison.
    source = ai["cost_source"]
    priced = source.isin(REAL_PRICES).to_numpy(dtype=bool)
    logged = ai["cost_logged"].notna().to_numpy()
    both = priced & logged
    # Grouped by a number per model (in the models' sorted order) rather than by the text of
    # each record's model: the same groups, without hashing a million strings twice.
    codes, names = _sorted_codes(ai["model"])
    frame = pd.DataFrame(
        {
            "model": codes,
            "day": _local_day(ai["timestamp"], timezone).to_numpy(),
            "calls": both,
            "priced_not_logged": priced & ~logged,
            "logged_not_priced": (source == LOGGED).to_numpy(dtype=bool),
            "unpriced": (source == UNPRICED).to_numpy(dtype=bool),
            "logged_usd": np.where(both, ai["cost_logged"].to_numpy(dtype=float), np.nan),
            "priced_usd": np.where(both, ai["cost_usd"].to_numpy(dtype=float), np.nan),
        }
    )
    by_day = _logged_rows(frame, ["model", "day"], tolerance, names)
    by_model = _logged_rows(frame, ["model"], tolerance, names)
    return by_day, by_model


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return a code per value and the distinct values, numbered in their sorted order (as
    ``pandas.factorize(sort=True)``, which sorts a copy of every value on the way)."""
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    order = np.argsort(distinct.astype(object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.where(codes < 0, codes, rank[codes]), distinct[order]


def _logged_rows(
    frame: pd.DataFrame, keys: list[str], tolerance: float, names: np.ndarray
) -> tuple[LoggedVsPriced, ...]:
    """Return one LoggedVsPriced per group of ``keys``, sorted by them; ``model`` is a code
    into ``names``."""
    grouped = frame.groupby(keys, sort=True, dropna=False)
    counts = grouped[["calls", "priced_not_logged", "logged_not_priced", "unpriced"]].sum()
    money = grouped[["logged_usd", "priced_usd"]].sum(min_count=1)
    table = counts.join(money).reset_index()
    gaps = _gaps(table["logged_usd"], table["priced_usd"], tolerance)
    status = np.select(
        [table["calls"] > 0, table["priced_not_logged"] > 0, table["logged_not_priced"] > 0],
        [COMPARED, "no logged figure", "no priced figure"],
        "no figures",
    )
    days = table["day"] if "day" in table else pd.Series(pd.NaT, index=table.index)
    return tuple(
        LoggedVsPriced(
            model=str(names[row.model]),
            day=_date(day),
            logged_usd=_num(row.logged_usd),
            priced_usd=_num(row.priced_usd),
            gap_usd=_num(gap.gap),
            relative_gap=_num(gap.relative),
            flagged=bool(gap.flagged),
            status=str(state),
            calls=int(row.calls),
            priced_not_logged=int(row.priced_not_logged),
            logged_not_priced=int(row.logged_not_priced),
            unpriced=int(row.unpriced),
        )
        for row, gap, state, day in zip(
            table.itertuples(index=False), gaps.itertuples(index=False), status, days, strict=True
        )
    )


def _breakdown_days(cb: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Return each breakdown line's day, where it came from, and whether the day repeats.

    The day is ``period`` when that is a YYYY-MM-DD date, else the timestamp's day in
    ``timezone``; a user who writes the date leaves no doubt about which day is meant.
    """
    period = cb["period"].astype("string").str.strip()
    is_date = period.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    from_period = pd.to_datetime(
        period.where(is_date).astype(object), format="%Y-%m-%d", errors="coerce"
    ).astype("datetime64[ns]")
    from_stamp = _local_day(cb["timestamp"], timezone)
    use_period = from_period.notna()
    day = from_period.where(use_period, from_stamp)
    per_day = day.map(day.value_counts())
    return pd.DataFrame(
        {
            "day": day,
            "day_from": np.where(use_period, "period", "timestamp"),
            "duplicate_day": (per_day > 1).to_numpy(),
        },
        index=cb.index,
    )


def _raw_costs(
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    timezone: str,
    claude: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the raw logs' cost per (resource, day): the sum of known costs and the counts."""
    sources = [("Worker AI", ai), ("Workflows", wf)] + [
        (label, cf[cf["resource"] == column.removesuffix("_cost")])
        for column, label in BREAKDOWN_RESOURCES[2:]
    ]
    if claude is not None:
        sources.append((CLAUDE_CODE[1], claude))
    # Each log is summed on its own and only the sums are joined: joining the records first
    # would copy every one of them (paperkit docs performance).
    return pd.concat(
        [_raw_cost_days(label, frame, timezone) for label, frame in sources], ignore_index=True
    )


def _raw_cost_days(label: str, frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Return one log's rows of ``_raw_costs``: per day, in the order the days first appear."""
    records = pd.DataFrame(
        {
            "day": _local_day(frame["timestamp"], timezone).to_numpy(),
            "cost_usd": frame["cost_usd"].to_numpy(dtype=float),
            "raw_logged": (frame["cost_source"] == LOGGED).to_numpy(),
            "raw_unpriced": (frame["cost_source"] == UNPRICED).to_numpy(),
            "raw_partial": (frame["cost_source"] == INVOCATION_ONLY).to_numpy(),
        }
    )
    grouped = records.groupby("day", sort=False)
    table = grouped[["raw_logged", "raw_unpriced", "raw_partial"]].sum()
    table["raw_records"] = grouped.size()
    table["raw_usd"] = grouped["cost_usd"].sum(min_count=1)
    table = table.reset_index()
    table.insert(0, "resource", label)
    return table


def _breakdown_vs_logs(
    cb: pd.DataFrame,
    days: pd.DataFrame,
    raw: pd.DataFrame,
    resources: tuple[tuple[str, str], ...],
    tolerance: float,
) -> tuple[BreakdownVsLogs, ...]:
    """Return comparison 2: each figure the breakdown gives against the raw logs' day cost."""
    figures = pd.concat(
        [
            pd.DataFrame(
                {
                    "line": cb["line"].to_numpy(),
                    "order": order,
                    "resource": label,
                    "breakdown_usd": cb[column].to_numpy(dtype=float),
                    **{name: days[name].to_numpy() for name in days.columns},
                }
            )
            for order, (column, label) in enumerate(resources)
        ],
        ignore_index=True,
    )
    figures = figures[figures["breakdown_usd"].notna()]
    table = figures.merge(raw, on=["resource", "day"], how="left")
    table = table.sort_values(["day", "line", "order"], na_position="last", kind="stable")
    for name in ("raw_records", "raw_logged", "raw_unpriced", "raw_partial"):
        table[name] = table[name].fillna(0)
    gaps = _gaps(table["breakdown_usd"], table["raw_usd"], tolerance)
    status = np.select(
        [table["raw_records"] == 0, table["raw_usd"].isna()],
        ["no raw records", "raw records unpriced"],
        COMPARED,
    )
    return tuple(
        BreakdownVsLogs(
            line=int(row.line),
            day=_date(row.day),
            day_from=str(row.day_from),
            resource=str(row.resource),
            breakdown_usd=float(row.breakdown_usd),
            raw_usd=_num(row.raw_usd),
            gap_usd=_num(gap.gap),
            relative_gap=_num(gap.relative),
            flagged=bool(gap.flagged),
            status=str(state),
            raw_records=int(row.raw_records),
            raw_logged=int(row.raw_logged),
            raw_unpriced=int(row.raw_unpriced),
            duplicate_day=bool(row.duplicate_day),
            raw_partial=int(row.raw_partial),
        )
        for row, gap, state in zip(
            table.itertuples(index=False), gaps.itertuples(index=False), status, strict=True
        )
    )


# Each part, and so the sum of k parts, may be off by half a cent from rounding to the cent;
# a hair more absorbs the binary representation of amounts such as 0.1.
HALF_CENT = 0.005
_FLOAT_SLACK = 1e-9


def _breakdown_totals(cb: pd.DataFrame, days: pd.DataFrame) -> tuple[BreakdownTotal, ...]:
    """Return comparison 3: each line's total_cost against the sum of the parts it logs.

    This is one line's own addition, not two estimates: it must hold to the cent. The gap is
    flagged when it exceeds half a cent for each part the line gives.
    """
    parts = cb[list(BREAKDOWN_PARTS)].astype(float)
    parts_usd = parts.sum(axis=1, min_count=1)
    total = cb["total_cost"].astype(float)
    allowed = parts.notna().sum(axis=1) * HALF_CENT
    gaps = _gaps(total, parts_usd, 0.0)
    gaps["flagged"] = gaps["gap"] > allowed + _FLOAT_SLACK
    status = np.select([total.isna(), parts_usd.isna()], ["no total_cost", "no parts"], COMPARED)
    missing = [
        tuple(name for name, absent in zip(BREAKDOWN_PARTS, row, strict=True) if absent)
        for row in parts.isna().to_numpy()
    ]
    rows = [
        BreakdownTotal(
            line=int(line),
            day=_date(day),
            total_usd=_num(t),
            parts_usd=_num(p),
            gap_usd=_num(gap.gap),
            relative_gap=_num(gap.relative),
            flagged=bool(gap.flagged),
            status=str(state),
            missing_parts=absent,
            allowed_usd=float(room) if state == COMPARED else None,
        )
        for line, day, t, p, gap, state, absent, room in zip(
            cb["line"],
            days["day"],
            total,
            parts_usd,
            gaps.itertuples(index=False),
            status,
            missing,
            allowed,
            strict=True,
        )
    ]
    return tuple(sorted(rows, key=lambda row: row.line))


def _num(value: object) -> float | None:
    """Return a plain float, or None for NaN/NA (a missing figure is never 0)."""
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _date(value: object) -> date | None:
    """Return a day column's value as a date, or None for NaT."""
    return None if pd.isna(value) else pd.Timestamp(value).date()  # type: ignore[arg-type]


def _plain(value: object) -> object:
    """Return ``value`` as JSON: floats to 12 significant digits, dates as ISO, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot write {type(value).__name__} to results.json")


def _plain_row(row: Row) -> dict[str, object]:
    """Return one row as a dict, in the order of its fields."""
    return {f.name: _plain(getattr(row, f.name)) for f in fields(row)}
