"""``paperkit costs``: an experiment's cost per day and resource, as a table or JSON.

The numbers come from ``paperkit.tracking.daily``; this module words them (``table``, ``as_json``)
and, with ``--write``, records them in ``cost-breakdown.jsonl`` through
``paperkit.tracking.upsert``. The click command ``costs`` is registered on the ``paperkit`` group by
``paperkit.cli``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from paperkit.errors import DataWarning, shown
from paperkit.options import CONTEXT, SPEC_OPTION, Command
from paperkit.paper.render import usd
from paperkit.paper.wording import count
from paperkit.prices.allowances import Plan, describe
from paperkit.spec.load import load_spec
from paperkit.tracking.daily import (
    BREAKDOWN,
    LABELS,
    NO_RECORDS,
    RESOURCES,
    DailyCosts,
    Day,
    daily_costs,
)
from paperkit.tracking.upsert import Upserted, encode, upsert_days

MISSING = "n/a"
NONE = "-"
LEGEND = (
    f"{NONE}: no records that day. {MISSING}: not known.",
    "≥: a lower bound (some records unpriced, or no Claude Code cost recorded for the day).",
)
CLAUDE = f"Claude Code: as recorded in {BREAKDOWN}; it cannot be computed from the usage logs."
CLAUDE_PRICED = "Claude Code: each API request of claude-code.jsonl priced at list price."
_PLAN_NAMES = {"paid": "Workers Paid", "free": "Workers Free"}


def money(value: float | None, *, lower_bound: bool = False) -> str:
    """Return dollars as the table shows them: "$0.0123", "≥ $0.0123", "n/a".

    A cost too small to show at four decimals is "<$0.0001", so nothing known is shown as a
    zero it is not.
    """
    if value is None:
        return MISSING
    text = "<$0.0001" if 0 < value < 0.00005 else usd(value)
    return f"≥ {text}" if lower_bound else text


def _cell(day: Day, resource: str) -> str:
    """Return one resource's cell of the table: its money, "-" without records."""
    cell = day.cells[resource]
    if cell.how == NO_RECORDS:
        return NONE
    return money(cell.usd, lower_bound=cell.lower_bound and cell.usd is not None)


def _columns(costs: DailyCosts) -> list[str]:
    """Return the resources with a column: "Other" only when some day has such records."""
    return [r for r in RESOURCES if r != "other" or costs.has_other]


def table(costs: DailyCosts, days: list[Day]) -> str:
    """Return the costs of ``days`` as an aligned Markdown table with its notes.

    Money has four decimals; unknown is "n/a", a resource with no records that day "-", and a
    total that leaves something out starts with "≥". With allowances, a last column gives the
    total after them.
    """
    plan = costs.plan
    header = ["Date", *(LABELS[r] for r in _columns(costs)), "Total"]
    if plan is not None:
        header.append("After allowances")
    rows = []
    for day in days:
        row = [str(day.day), *(_cell(day, r) for r in _columns(costs))]
        row.append(money(day.total, lower_bound=day.lower_bound and day.total is not None))
        if plan is not None:
            lower = day.after_lower_bound and day.total_after is not None
            row.append(money(day.total_after, lower_bound=lower))
        rows.append(row)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [_title(costs), ""]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [text.rjust(width) for text, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
        if row is header:
            rule = ["-" * (widths[0] + 2), *("-" * (w + 1) + ":" for w in widths[1:])]
            lines.append("|" + "|".join(rule) + "|")
    lines.append("")
    if not days:
        lines.append(f"No records: the usage logs and {BREAKDOWN} have none.")
    lines += [day_note for day in days if (day_note := _empty(day))]
    lines += [*LEGEND, CLAUDE_PRICED if costs.transcripts else CLAUDE]
    lines += [*_basis_notes(days), *costs.notes]
    if plan is not None:
        lines += _allowance_notes(plan, days)
    return "\n".join(lines) + "\n"


def _basis_notes(days: list[Day]) -> list[str]:
    """Return, per resource, how many of the records shown took a logged or no cost."""
    notes = []
    for resource in RESOURCES[:-1]:
        cells = [day.cells[resource] for day in days]
        records = sum(c.basis.priced + c.basis.logged + c.basis.unpriced for c in cells)
        logged = sum(c.basis.logged for c in cells)
        unpriced = [(day.day, day.cells[resource].basis.unpriced) for day in days]
        unpriced = [(d, n) for d, n in unpriced if n]
        if logged:
            notes.append(
                f"{LABELS[resource]}: {logged:,} of {records:,} records at their logged "
                "cost_estimate (no price could be applied)."
            )
        if unpriced:
            listed = ", ".join(f"{d} ({count(n, 'record')})" for d, n in unpriced)
            notes.append(
                f"{LABELS[resource]}: unpriced records (no price and no readable cost_estimate) "
                f"on {listed}; those days' totals are lower bounds."
            )
    return notes


def _title(costs: DailyCosts) -> str:
    """Return the line above the table: the experiment, the time zone, the prices used."""
    how = "at list price"
    if costs.plan is not None:
        how += f" and after the {_PLAN_NAMES[costs.plan.name]} plan's free allowances"
    return f"{costs.name}: costs per day ({costs.timezone}), {how}"


def _empty(day: Day) -> str | None:
    """Return the note of a day shown without records (``--date``), else None."""
    if day.has_records:
        return None
    return f"{day.day}: no records (no usage logged, and no {BREAKDOWN} record for that day)."


def _allowance_notes(plan: Plan, days: list[Day]) -> list[str]:
    """Return what "After allowances" took off and what it leaves out."""
    lines = [f"After allowances ({_PLAN_NAMES[plan.name]} plan; see paperkit docs costs):"]
    lines += [f"- {text}" for text in describe(plan)]
    lines += [
        "- Used up in time order: daily ones from 00:00 UTC, monthly ones from the 1st (UTC).",
        "- Records at a logged cost_estimate keep it; Claude Code is included as recorded.",
    ]
    if plan.name == "paid":
        lines.append("- Not included: the Workers Paid minimum of $5 a month.")
    for day in days:
        over = [(LABELS[r], c.over_limit) for r, c in day.cells.items() if c.over_limit]
        if over:
            what = ", ".join(f"{label} ({n:,})" for label, n in over)
            lines.append(
                f"- {day.day}: records past a Free plan limit: {what}; the Free plan would have "
                "refused them, so their cost shows usage it does not allow."
            )
    return lines


def as_json(costs: DailyCosts, days: list[Day]) -> str:
    """Return the costs of ``days`` as JSON: every cell with how it was obtained, full precision."""
    plan = costs.plan
    document: dict[str, Any] = {
        "experiment": costs.name,
        "timezone": costs.timezone,
        "allowances": None if plan is None else {"plan": plan.name, "applied": describe(plan)},
        "days": [_day_json(day) for day in days],
        "notes": list(costs.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _day_json(day: Day) -> dict[str, Any]:
    """Return one day of ``--json``: every cell with how it was obtained, and the totals."""
    costs = {
        resource: {
            "usd": cell.usd,
            "how": cell.how,
            "priced": cell.basis.priced,
            "logged": cell.basis.logged,
            "unpriced": cell.basis.unpriced,
            "lower_bound": cell.lower_bound,
            "after_allowances_usd": cell.after,
            "after_allowances_lower_bound": cell.after_lower_bound,
            "over_limit": cell.over_limit,
        }
        for resource, cell in day.cells.items()
    }
    return {
        "date": str(day.day),
        "has_records": day.has_records,
        "costs": costs,
        "total_usd": day.total,
        "total_is_lower_bound": day.lower_bound,
        "total_after_allowances_usd": day.total_after,
        "total_after_allowances_is_lower_bound": day.after_lower_bound,
    }


def write(costs: DailyCosts, days: list[Day], path: Path) -> Upserted:
    """Record each of ``days`` that has records in ``path``, one line per day; returns the report.

    Days without records are not written: a line of unknowns would say nothing.
    """
    lines = {day.day: encode(costs.record(day)) for day in days if day.has_records}
    return upsert_days(path, lines, costs.timezone)


@click.command(cls=Command, context_settings=CONTEXT)
@click.argument("name")
@SPEC_OPTION
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only this day (a calendar day in the spec's time zone).",
)
@click.option("--all-days", is_flag=True, help="Every day with records (the default).")
@click.option(
    "--write",
    "do_write",
    is_flag=True,
    help="Also record the days shown in cost-breakdown.jsonl, replacing their lines.",
)
@click.option("--json", "json_out", is_flag=True, help="Print JSON instead of a table.")
def costs(
    name: str,
    spec_path: Path,
    day: datetime | None,
    all_days: bool,
    do_write: bool,
    json_out: bool,
) -> None:
    """Print one experiment's cost per day and resource, computed from its logs.

    Prices are the paper's list prices; with billing.apply_allowances in the spec, the total
    after the plan's free allowances is shown too. Claude Code is priced from
    claude-code.jsonl when the experiment has one (paperkit import claude-code), else taken as
    recorded in cost-breakdown.jsonl.
    """
    if day is not None and all_days:
        raise click.UsageError("pass --date or --all-days, not both")
    spec = load_spec(spec_path)
    report = daily_costs(spec, name)
    _warn(report.warnings, spec_path)
    days = [report.on(day.date())] if day is not None else list(report.days)
    click.echo(as_json(report, days) if json_out else table(report, days), nl=False)
    if do_write:
        _write(report, days, spec.root / name / BREAKDOWN)


def _write(report: DailyCosts, days: list[Day], path: Path) -> None:
    """Record ``days`` and say on stderr what changed in the file."""
    done = write(report, days, path)
    where = shown(path)
    for line, day, first in done.kept:
        message = f"another record for {day}, kept as it was (line {first} was replaced)"
        click.echo(f"warning: {DataWarning(where, line, message)}", err=True)
    for line, first in done.removed:
        message = f"removed: an exact copy of line {first}"
        click.echo(f"{DataWarning(where, line, message)}", err=True)
    skipped = [d.day for d in days if not d.has_records]
    for empty in skipped:
        click.echo(f"{report.name}: nothing written for {empty}: it has no records", err=True)
    if not days:
        click.echo(f"{report.name}: nothing written: no records", err=True)
    if len(skipped) == len(days):
        return
    what = f"{_count_days(done.replaced)} replaced, {_count_days(done.added)} added"
    verb = "wrote" if done.changed else "unchanged"
    click.echo(f"{report.name}: {verb} {where} ({what})", err=True)


def _count_days(days: tuple[date, ...]) -> str:
    """Return "1 day" / "3 days"."""
    return f"{len(days)} day" if len(days) == 1 else f"{len(days)} days"


def _warn(warnings: tuple[DataWarning, ...], spec_path: Path) -> None:
    """Print each data warning, located relative to the working directory (clickable there)."""
    base = spec_path.absolute().parent
    for w in warnings:
        where = DataWarning(shown(base / w.path), w.line, w.message)
        click.echo(f"warning: {where}", err=True)
