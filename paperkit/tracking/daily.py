"""What an experiment cost each day, per resource, priced exactly as the paper prices it.

``daily_costs`` loads, windows and prices the logs as ``paperkit.build.render_experiment`` does,
then adds up every record's cost by calendar day in the spec's time zone. Each day has one
:class:`Cell` per resource saying how its cost was obtained, like ``paperkit.measure.costs.Basis``:
an unpriced record makes the cell, and the day's total, a lower bound. Claude Code is priced
from its requests when the experiment has ``claude-code.jsonl``, as the paper prices it;
otherwise it is taken as recorded in ``cost-breakdown.jsonl``, and a day without it has an
unknown Claude Code cost (None, never $0) and a lower-bound total. With
``billing.apply_allowances`` every cell also has its cost after the plan's free allowances
(``paperkit.prices.allowances``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from paperkit.build import priced_logs, relative_to_spec
from paperkit.errors import DataWarning
from paperkit.logs import window
from paperkit.measure import series
from paperkit.measure.costs import NOT_COSTED, Basis, labels, record_days, source_label
from paperkit.measure.dev import cost_per_day
from paperkit.paper.wording import count
from paperkit.prices import pricing
from paperkit.prices.allowances import AFTER, AFTER_LOWER, OVER, Plan, apply_allowances, load_plan
from paperkit.spec.types import Spec

# The columns of the costs table, in order; "other" is any other cloudflare.jsonl resource.
RESOURCES = (*series.RESOURCES, "claude_code")
LABELS = {**series.RESOURCE_LABELS, "claude_code": "Claude Code"}
NO_RECORDS = "no records"
AS_RECORDED = "as recorded"
NOT_RECORDED = "not recorded"
SOURCE = "paperkit costs"
BREAKDOWN = "cost-breakdown.jsonl"
_PRICED = (pricing.PRICE_DATA, pricing.SPEC, pricing.LIST_PRICE, pricing.INVOCATION_ONLY)


@dataclass(frozen=True)
class Cell:
    """One resource's cost on one day, and how it was obtained.

    ``how`` is priced, logged, mixed or unpriced (from ``basis``), "no records", or for Claude
    Code "as recorded" / "not recorded". ``after`` is the cost after allowances (None when they
    are not applied or the cost is unknown); ``over_limit`` counts records with usage past an
    allowance the plan refuses rather than bills.
    """

    usd: float | None
    how: str
    basis: Basis = field(default_factory=Basis)
    after: float | None = None
    after_lower_bound: bool = False
    over_limit: int = 0

    @property
    def lower_bound(self) -> bool:
        """True when the true cost may be higher: records unpriced, or Claude Code unknown."""
        return self.basis.lower_bound or self.how == NOT_RECORDED


@dataclass(frozen=True)
class Day:
    """One calendar day (in the spec's time zone): a cell per resource of ``RESOURCES``."""

    day: date
    cells: dict[str, Cell]
    has_records: bool

    @property
    def total(self) -> float | None:
        """The sum of the known cells, or None when none is known."""
        return _sum(cell.usd for cell in self.cells.values())

    @property
    def lower_bound(self) -> bool:
        """True when some cell is a lower bound, so the total is one too."""
        return any(cell.lower_bound for cell in self.cells.values())

    @property
    def total_after(self) -> float | None:
        """The sum of the known cells after allowances (Claude Code as recorded), or None."""
        return _sum(cell.after for cell in self.cells.values())

    @property
    def after_lower_bound(self) -> bool:
        """True when the total after allowances may be higher than shown."""
        return any(cell.lower_bound or cell.after_lower_bound for cell in self.cells.values())


@dataclass(frozen=True)
class DailyCosts:
    """An experiment's costs per day; ``plan`` is None when allowances are not applied."""

    name: str
    timezone: str
    days: tuple[Day, ...]
    plan: Plan | None
    notes: tuple[str, ...]
    warnings: tuple[DataWarning, ...]
    transcripts: bool = False  # Claude Code priced from claude-code.jsonl, not as recorded

    @property
    def has_other(self) -> bool:
        """True when some day has records of a resource without a column of its own."""
        return any(d.cells["other"].how != NO_RECORDS for d in self.days)

    def on(self, day: date) -> Day:
        """Return the costs of ``day``: its row, or an empty one when it has no records."""
        for found in self.days:
            if found.day == day:
                return found
        cells = {r: Cell(None, NO_RECORDS) for r in RESOURCES}
        cells["claude_code"] = Cell(None, NOT_RECORDED)
        return Day(day, cells, has_records=False)

    def record(self, day: Day) -> dict[str, object]:
        """Return ``day`` as a ``cost-breakdown.jsonl`` record (what ``--write`` stores).

        Costs are numbers rounded to 12 significant digits (as results.json writes them: every
        digit a real cost has, without the last-bit noise of adding floats, 0.0022609199999999996),
        None for unknown; ``timestamp`` is the day's start in the spec's
        time zone, with its offset. ``other_cost`` is there only when the experiment has such
        records, and the totals after allowances only when they are applied.
        """
        start = pd.Timestamp(day.day).tz_localize(
            self.timezone, ambiguous=True, nonexistent="shift_forward"
        )
        record: dict[str, object] = {"timestamp": start.isoformat(), "period": str(day.day)}
        for resource in RESOURCES:
            if resource != "other" or self.has_other:
                record[f"{resource}_cost"] = _rounded(day.cells[resource].usd)
        record["total_cost"] = _rounded(day.total)
        record["total_is_lower_bound"] = day.lower_bound
        if self.plan is not None:
            record["total_after_allowances"] = _rounded(day.total_after)
            record["billing_plan"] = self.plan.name
        record["source"] = SOURCE
        return record


def daily_costs(spec: Spec, name: str) -> DailyCosts:
    """Return experiment ``name``'s costs per day and resource, from its raw logs.

    Raises ``PaperkitError`` for an unknown experiment (as ``paperkit build`` does).
    """
    p = priced_logs(spec, name)
    logs, left_out, span, rates, ai, wf, cf = p.logs, p.left_out, p.span, p.rates, p.ai, p.wf, p.cf
    plan = load_plan(spec.billing.plan) if spec.billing.apply_allowances else None
    if plan is not None:
        ai, wf, cf = apply_allowances(plan, ai, wf, cf, rates)
    usage = _usage(ai, wf, cf, spec.timezone)
    cells = _cells(usage, allowances=plan is not None)
    claude = _claude_code(logs.cost_breakdown, spec.timezone)
    transcripts = _transcript_cells(p.claude, spec.timezone, allowances=plan is not None)
    days = []
    for day in sorted(set(usage["day"]) | set(claude["day"]) | set(transcripts)):
        row = {r: cells.get((day, r), Cell(None, NO_RECORDS)) for r in RESOURCES[:-1]}
        if p.claude is not None:
            row["claude_code"] = transcripts.get(day, Cell(None, NO_RECORDS))
        else:
            row["claude_code"] = _claude_cell(claude, day, allowances=plan is not None)
        days.append(Day(day, row, has_records=True))
    notes = _notes(left_out, span)
    shown_path = relative_to_spec(spec, spec.root / name / BREAKDOWN)
    warnings = (*logs.warnings, *_repeated_days(claude, shown_path))
    return DailyCosts(
        name, spec.timezone, tuple(days), plan, tuple(notes), warnings, p.claude is not None
    )


def _usage(ai: pd.DataFrame, wf: pd.DataFrame, cf: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Return every costed record as (day, resource, cost, source, after-allowance columns)."""
    resources = labels(cf["resource"], "unspecified resource")
    costed = ~resources.isin(NOT_COSTED)
    kinds = resources.where(resources.isin(["d1", "kv", "r2"]), "other")
    parts = [
        _part(ai, pd.Series("worker_ai", index=ai.index, dtype=object)),
        _part(wf, pd.Series("workflows", index=wf.index, dtype=object)),
        _part(cf[costed], kinds[costed].astype(object)),
    ]
    kept = [p for p in parts if len(p)]
    frame = pd.concat(kept, ignore_index=True) if kept else parts[0]
    frame["day"] = frame["timestamp"].dt.tz_convert(timezone).dt.date.astype(object)
    return frame


def _part(frame: pd.DataFrame, resource: pd.Series) -> pd.DataFrame:
    """Return one priced frame's records in the common layout of ``_usage``."""
    n = len(frame)
    source = frame["cost_source"].to_numpy(dtype=object)
    after = frame[AFTER] if AFTER in frame else np.full(n, np.nan)
    return pd.DataFrame(
        {
            "timestamp": frame["timestamp"].reset_index(drop=True),  # tz-aware, not objects
            "resource": resource.to_numpy(dtype=object),
            "usd": frame["cost_usd"].to_numpy(dtype=float),
            "priced": np.isin(source, _PRICED),
            "logged": source == pricing.LOGGED,
            "unpriced": source == pricing.UNPRICED,
            "partial": source == pricing.INVOCATION_ONLY,
            "after": np.asarray(after, dtype=float),
            "after_lower": np.asarray(frame.get(AFTER_LOWER, np.zeros(n, bool)), dtype=bool),
            "over": np.asarray(frame.get(OVER, np.zeros(n, bool)), dtype=bool),
        }
    ).astype({"timestamp": "datetime64[ns, UTC]"})


def _cells(usage: pd.DataFrame, *, allowances: bool) -> dict[tuple[date, str], Cell]:
    """Return the cell of each (day, resource) with records: sums and counts, grouped once."""
    grouped = usage.groupby(["day", "resource"], sort=True)
    sums = grouped[["usd", "after"]].sum(min_count=1)
    counts = grouped[["priced", "logged", "unpriced", "partial", "over"]].sum()
    flags = grouped["after_lower"].any()
    cells = {}
    for key, s, c, flag in zip(
        sums.index, sums.itertuples(index=False), counts.itertuples(index=False), flags, strict=True
    ):
        basis = Basis(int(c.priced), int(c.logged), int(c.unpriced), int(c.partial))
        cells[key] = Cell(
            usd=_known(s.usd),
            how=source_label(basis, "priced"),
            basis=basis,
            after=_known(s.after) if allowances else None,
            after_lower_bound=bool(flag) if allowances else False,
            over_limit=int(c.over),
        )
    return cells


def _claude_code(breakdown: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Return the cost-breakdown records with their day, in file order (``line``, ``day``,
    ``usd``, ``first``: whether it is its day's first record, the one used and replaced)."""
    frame = pd.DataFrame(
        {
            "line": breakdown["line"].to_numpy(),
            "day": record_days(breakdown, timezone).to_numpy(dtype=object),
            "usd": breakdown["claude_code_cost"].to_numpy(dtype=float),
        }
    ).sort_values("line", kind="stable")
    frame["first"] = ~frame["day"].duplicated(keep="first")
    return frame


def _transcript_cells(
    requests: pd.DataFrame | None, timezone: str, *, allowances: bool
) -> dict[date, Cell]:
    """Return the Claude Code cell of each day with requests in claude-code.jsonl (none without
    the file): their priced cost, a lower bound when some are unpriced. No allowance applies."""
    if requests is None:
        return {}
    cells = {}
    for row in cost_per_day(requests, timezone).itertuples(index=False):
        unpriced = int(row.unpriced)
        basis = Basis(priced=int(row.requests) - unpriced, unpriced=unpriced)
        usd = _known(row.usd)
        cells[row.day] = Cell(
            usd, source_label(basis, "priced"), basis, after=usd if allowances else None
        )
    return cells


def _claude_cell(claude: pd.DataFrame, day: date, *, allowances: bool) -> Cell:
    """Return the Claude Code cell of ``day``: its first record's cost, as recorded, or None."""
    first = claude[claude["first"] & (claude["day"] == day)]
    usd = _known(first["usd"].iloc[0]) if len(first) else None
    if usd is None:
        return Cell(None, NOT_RECORDED)
    return Cell(usd, AS_RECORDED, Basis(logged=1), after=usd if allowances else None)


def _notes(left_out: dict[str, int], span: window.Window | None) -> list[str]:
    """Return what a reader of any day's costs must know: records the window left out."""
    if not left_out or span is None:
        return []
    outside = sum(left_out.values())
    return [
        f"{count(outside, 'record')} outside the experiment's window ({span.text}) "
        "left out, as in the paper."
    ]


def _repeated_days(claude: pd.DataFrame, path: str) -> list[DataWarning]:
    """Return a warning for each cost-breakdown record that is not its day's first."""
    first = claude[claude["first"]]
    firsts = dict(zip(first["day"], first["line"], strict=True))
    return [
        DataWarning(
            path,
            int(line),
            f"another record for {day} (the first is line {firsts[day]}); paperkit costs "
            "takes Claude Code from the first only",
        )
        for line, day in claude.loc[~claude["first"], ["line", "day"]].itertuples(index=False)
    ]


def _rounded(value: float | None) -> float | None:
    """Return a cost to 12 significant digits (0.0022609199999999996 -> 0.00226092), or None."""
    return None if value is None else float(f"{value:.12g}")


def _known(value: float | None) -> float | None:
    """Return a plain float, or None for NaN/None (unknown stays unknown)."""
    if value is None or math.isnan(value):
        return None
    return float(value)


def _sum(values: Iterable[float | None]) -> float | None:
    """Return the sum of the known values, or None when none is known."""
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None
