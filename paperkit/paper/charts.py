"""The paper's charts: each trend as a Mermaid ``xychart-beta`` and the table of its numbers.

Mermaid's xychart takes numbers only, so it cannot leave a point out of one line. A bucket
(day or week) with no value in some series is therefore left out of that chart: its category is
not on the x-axis, the caption names it, and the table below the chart shows it as "no records"
(or "too thin" for a percentile), never as 0. The x-axis keeps the dates, so a reader sees where
a day is missing. Text from the logs (model names) is made safe for Mermaid's quoted strings.

The paper stage; the numbers come from
:mod:`paperkit.measure.series`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from paperkit.measure.series import (
    DAILY_LIMIT,
    MIN_RECORDS,
    MONTH,
    WEEK,
    WEEKLY_LIMIT,
    Cost,
    Spread,
    Trends,
)
from paperkit.paper.render import MISSING, num, pct, usd
from paperkit.paper.svg import PALETTE
from paperkit.paper.wording import count

NO_RECORDS = "no records"
TOO_THIN = "too thin"
LISTED = 10  # left-out buckets named in a caption before "and N more"
COST_DIGITS = 6  # a day's D1 or KV cost is a few ten-thousandths of a dollar
COST_LABELS = {
    "worker_ai": "Worker AI",
    "workflows": "Workflows",
    "d1": "D1",
    "kv": "KV",
    "r2": "R2",
    "other": "Other",
}


@dataclass(frozen=True)
class Chart:
    """One chart: x categories and series of numbers of equal length (no missing values)."""

    title: str
    x_label: str
    y_label: str
    kind: str  # "line" or "bar"
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    digits: int = 0  # decimals written for each number
    y_max: float | None = None  # the top of the y-axis (it starts at 0); None: from the data


@dataclass(frozen=True)
class Figure:
    """A chart with what a reader needs around it: notes, and the table of its numbers."""

    title: str
    chart: Chart | None
    notes: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def mermaid(self) -> str:
        """Return the chart as a fenced Mermaid block; empty when there is no chart."""
        return mermaid(self.chart) if self.chart else ""


def safe_text(value: object, limit: int = 60) -> str:
    """Return text that cannot break out of a quoted Mermaid string or its line.

    Mermaid ends a quoted string at the next '"' and a statement at a line break; '<' and '>'
    could be read as HTML in a label, and '`' opens a Markdown string.
    """
    text = " ".join(str(value).split())
    for bad, good in (('"', "'"), ("`", "'"), ("<", "‹"), (">", "›"), ("#", "♯")):
        text = text.replace(bad, good)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float, digits: int) -> str:
    """Write a number as Mermaid reads it: plain decimals, no exponent, no separators."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _nice_max(values: Sequence[float]) -> float:
    """Return a round top for a y-axis from 0 that holds every value."""
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 2.5, 5, 10):
        if step * scale >= top:
            return step * scale
    return 10 * scale


def _config(chart: Chart) -> list[str]:
    """Return Mermaid's configuration, as the diagram's front matter.

    Wide enough for the x labels side by side (Mermaid's default 700 px overlaps 20 dates,
    and a legend takes about 300 px more), and the colours of PAPER.html's charts (Mermaid's
    default first colour is too pale to see on white).
    """
    width = max(900, min(1400, 300 + 36 * len(chart.categories)))
    return [
        "---",
        "config:",
        "  xyChart:",
        f"    width: {width}",
        "    xAxis:",
        "      labelFontSize: 10",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{", ".join(PALETTE)}"',
        "---",
    ]


def mermaid(chart: Chart) -> str:
    """Return ``chart`` as a fenced Mermaid ``xychart-beta`` block (no trailing newline)."""
    values = [v for _, series in chart.series for v in series]
    top = chart.y_max if chart.y_max is not None else _nice_max(values)
    categories = ", ".join(f'"{safe_text(c)}"' for c in chart.categories)
    lines = [
        "```mermaid",
        *_config(chart),
        "xychart-beta",
        f'    title "{safe_text(chart.title)}"',
        f'    x-axis "{safe_text(chart.x_label)}" [{categories}]',
        f'    y-axis "{safe_text(chart.y_label)}" 0 --> {_number(top, chart.digits + 2)}',
    ]
    for name, series in chart.series:
        numbers = ", ".join(_number(v, chart.digits) for v in series)
        lines.append(f'    {chart.kind} "{safe_text(name)}" [{numbers}]')
    lines.append("```")
    return "\n".join(lines)


def _label(bucket: date, size: str, short: bool) -> str:
    """Return a bucket's name: its date (month-day on a chart within one year), the date its
    week starts on, or its month."""
    if size == MONTH:
        return bucket.isoformat()[:7]
    text = bucket.isoformat()[5:] if short else bucket.isoformat()
    return f"week of {text}" if size == WEEK and not short else text


def _x_label(trends: Trends) -> str:
    """Return the x-axis title: what one category is, in which time zone."""
    what = {WEEK: "week from Monday", MONTH: "month"}.get(trends.bucket, "day")
    return f"{what} ({trends.timezone})"


def _short(trends: Trends) -> bool:
    return len({b.year for b in trends.buckets}) == 1


def _span(values: Sequence[Any], present: Callable[[Any], bool]) -> range:
    """Return the range of indices from the first to the last present value."""
    idx = [i for i, v in enumerate(values) if present(v)]
    return range(idx[0], idx[-1] + 1) if idx else range(0)


def _left_out(trends: Trends, missing: list[tuple[int, str]]) -> list[str]:
    """Return the caption naming the buckets left out of a chart, and why."""
    if not missing:
        return []
    what = count(len(missing), trends.bucket)
    named = [f"{_label(trends.buckets[i], trends.bucket, False)} ({why})" for i, why in missing]
    more = f", and {len(named) - LISTED} more" if len(named) > LISTED else ""
    return [
        f"Left out of the chart, as Mermaid cannot draw a gap: {what}, "
        f"{', '.join(named[:LISTED])}{more}. The table shows them."
    ]


def _bucketing(trends: Trends) -> str:
    if trends.bucket == WEEK:
        return (
            f"Per week (Monday to Sunday, {trends.timezone}): the period is longer than "
            f"{DAILY_LIMIT} days, too many to chart one by one. The first and last weeks hold "
            "only the days inside the period."
        )
    if trends.bucket == MONTH:
        return (
            f"Per calendar month ({trends.timezone}): the period is longer than {WEEKLY_LIMIT} "
            "days, too many to chart by day or week. The first and last months hold only the "
            "days inside the period."
        )
    return f"Per day ({trends.timezone})."


def _plot(
    trends: Trends,
    title: str,
    y_label: str,
    kind: str,
    series: list[tuple[str, list[float | None]]],
    reasons: list[str],
    digits: int,
    y_max: float | None = None,
    within: range | None = None,
) -> tuple[Chart | None, list[str]]:
    """Return the chart of ``series`` over the buckets where every series has a value.

    ``reasons`` says, per bucket, why a value is missing there. ``within`` is the range of
    buckets with records (by default, those with a value): a bucket in it without a value is a
    gap, named in the notes; buckets outside it are outside the chart's period.
    """
    rows = range(len(trends.buckets))
    span = (
        within
        if within is not None
        else _span(list(rows), lambda i: any(s[i] is not None for _, s in series))
    )
    kept = [i for i in span if all(s[i] is not None for _, s in series)]
    missing = [(i, reasons[i]) for i in span if i not in kept]
    if not kept:
        return None, []
    short = _short(trends)
    chart = Chart(
        title=title,
        x_label=_x_label(trends),
        y_label=y_label,
        kind=kind,
        categories=tuple(_label(trends.buckets[i], trends.bucket, short) for i in kept),
        series=tuple((name, tuple(float(s[i]) for i in kept)) for name, s in series),  # type: ignore[arg-type]
        digits=digits,
        y_max=y_max,
    )
    return chart, _left_out(trends, missing)


def _rows(trends: Trends, cells: Callable[[int], list[str]], span: range) -> tuple:
    return tuple((_label(trends.buckets[i], trends.bucket, False), *cells(i)) for i in span)


def _order(names: Sequence[str]) -> str:
    return "Series, in drawing order: " + ", ".join(names) + "."


def inferences(trends: Trends) -> list[Figure]:
    """Return the chart of inferences per bucket, one line per model."""
    title = f"Inferences per {trends.bucket}"
    models = sorted(trends.inferences)
    if not models:
        return [Figure(title, None, ("No data: no Worker AI inferences.",), (), ())]
    reasons = [NO_RECORDS] * len(trends.buckets)
    series = [(m, list(trends.inferences[m])) for m in models]
    chart, left = _plot(trends, title, "inferences", "line", series, reasons, 0)  # type: ignore[arg-type]
    span = _span(trends.ai_records, bool)
    table = _rows(
        trends,
        lambda i: (
            [num(trends.inferences[m][i]) for m in models] + [num(trends.ai_records[i])]
            if trends.ai_records[i]
            else [NO_RECORDS] * (len(models) + 1)
        ),
        span,
    )
    notes = [_bucketing(trends), *left]
    if len(models) > 1:
        notes.append(_order(models))
    return [Figure(title, chart, tuple(notes), ("Period", *models, "All models"), table)]


def _spread_cell(spread: Spread, value: float | None) -> str:
    if spread.n == 0:
        return NO_RECORDS
    if value is None:
        return f"{TOO_THIN} (n = {spread.n})"
    return num(value)


def latency(trends: Trends) -> list[Figure]:
    """Return one chart per model of its p50 and p95 latency per bucket with enough calls."""
    figures = []
    per = trends.bucket
    thin = []
    for model in sorted(trends.latency_ms):
        spreads = trends.latency_ms[model]
        if not any(s.p50 is not None for s in spreads):
            most = max((s.n for s in spreads), default=0)
            thin.append(f"{model} (at most {most} on one {per})")
            continue
        reasons = [NO_RECORDS if s.n == 0 else f"{TOO_THIN}, n = {s.n}" for s in spreads]
        series = [("p50", [s.p50 for s in spreads]), ("p95", [s.p95 for s in spreads])]
        title = f"{model}: latency per {per} (ms)"
        span = _span(spreads, lambda s: s.n > 0)
        chart, left = _plot(trends, title, "ms", "line", series, reasons, 0, within=span)
        table = _rows(
            trends,
            lambda i, sp=spreads: [
                num(sp[i].n) if sp[i].n else NO_RECORDS,
                _spread_cell(sp[i], sp[i].p50),
                _spread_cell(sp[i], sp[i].p95),
            ],
            span,
        )
        notes = (
            f"The lower line is p50, the upper p95, of the {per}'s calls with a latency; a "
            f"{per} with fewer than {MIN_RECORDS} such calls is too thin for a percentile.",
            *left,
        )
        figures.append(
            Figure(title, chart, notes, ("Period", "Calls", "p50 (ms)", "p95 (ms)"), table)
        )
    if thin:
        figures.append(
            Figure(
                f"Latency per {per}: models too thin to chart",
                None,
                (f"No {per} has {MIN_RECORDS} calls or more of: " + "; ".join(thin) + ".",),
                (),
                (),
            )
        )
    if not trends.latency_ms:
        figures.append(Figure("Latency", None, ("No data: no Worker AI inferences.",), (), ()))
    return figures


def workflows(trends: Trends) -> list[Figure]:
    """Return the charts of workflow executions, success rate and duration per bucket."""
    per = trends.bucket
    items = trends.workflows
    if not any(items):
        none = ("No data: no Workflows executions.",)
        return [Figure(f"Workflow executions per {per}", None, none, (), ())]
    reasons = [NO_RECORDS] * len(items)
    span = _span(items, lambda w: w is not None)
    runs, left_runs = _plot(
        trends,
        f"Workflow executions per {per}",
        "executions",
        "bar",
        [("executions", [w.executions if w else None for w in items])],
        reasons,
        0,
    )
    rate_reasons = [NO_RECORDS if w is None else "no outcome logged" for w in items]
    rates, left_rates = _plot(
        trends,
        f"Workflow success rate per {per} (%)",
        "% succeeded",
        "line",
        [
            (
                "success rate",
                [w.success_rate * 100 if w and w.success_rate is not None else None for w in items],
            )
        ],
        rate_reasons,
        1,
        y_max=100.0,
        within=span,
    )
    runs_table = _rows(
        trends,
        lambda i: (
            [num(items[i].executions), num(items[i].succeeded), num(items[i].failed)]  # type: ignore[union-attr]
            if items[i]
            else [NO_RECORDS] * 3
        ),
        span,
    )
    rate_table = _rows(
        trends,
        lambda i: [pct(items[i].success_rate) if items[i] else NO_RECORDS],  # type: ignore[union-attr]
        span,
    )
    figures = [
        Figure(
            f"Workflow executions per {per}",
            runs,
            (_bucketing(trends), *left_runs),
            ("Period", "Executions", "Succeeded", "Failed"),
            runs_table,
        ),
        Figure(
            f"Workflow success rate per {per}",
            rates,
            ("Succeeded ÷ executions with a logged outcome.", *left_rates),
            ("Period", "Success rate"),
            rate_table,
        ),
    ]
    spreads = [w.duration_s if w else Spread(0, None, None) for w in items]
    dur_reasons = [NO_RECORDS if s.n == 0 else f"{TOO_THIN}, n = {s.n}" for s in spreads]
    duration, left_dur = _plot(
        trends,
        f"Workflow duration per {per} (s)",
        "seconds",
        "line",
        [("p50", [s.p50 for s in spreads]), ("p95", [s.p95 for s in spreads])],
        dur_reasons,
        2,
        within=_span(spreads, lambda s: s.n > 0),
    )
    dur_table = _rows(
        trends,
        lambda i: [
            num(spreads[i].n) if spreads[i].n else NO_RECORDS,
            _dur_cell(spreads[i], spreads[i].p50),
            _dur_cell(spreads[i], spreads[i].p95),
        ],
        span,
    )
    figures.append(
        Figure(
            f"Workflow duration per {per}",
            duration,
            (
                f"The lower line is p50, the upper p95; a {per} with fewer than {MIN_RECORDS} "
                "executions with a duration is too thin for a percentile.",
                *left_dur,
            ),
            ("Period", "With duration", "p50 (s)", "p95 (s)"),
            dur_table,
        )
    )
    return figures


def _dur_cell(spread: Spread, value: float | None) -> str:
    if spread.n == 0 or value is None:
        return _spread_cell(spread, value)
    return num(value, 2)


def _cost_cell(cost: Cost) -> str:
    if cost.records == 0:
        return NO_RECORDS
    if cost.usd is None:
        return "unpriced"
    return ("≥ " if cost.unpriced else "") + usd(cost.usd, COST_DIGITS)


def costs(trends: Trends) -> list[Figure]:
    """Return the chart of running cost per bucket by resource, and of Claude Code's cost."""
    per = trends.bucket
    present = [r for r in COST_LABELS if any(c.records for c in trends.costs[r])]
    figures = []
    if present:
        reasons = [_cost_gap(trends, present, i) for i in range(len(trends.buckets))]
        series = [(COST_LABELS[r], [c.usd for c in trends.costs[r]]) for r in present]
        title = f"Running cost per {per} (USD)"
        span = _span(
            list(range(len(trends.buckets))),
            lambda i: any(trends.costs[r][i].records for r in present),
        )
        chart, left = _plot(trends, title, "USD", "line", series, reasons, 6, within=span)
        table = _rows(
            trends,
            lambda i: [_cost_cell(trends.costs[r][i]) for r in present] + [_running(trends, i)],
            span,
        )
        notes = [_bucketing(trends), "Each resource is priced as in the Cost Breakdown.", *left]
        if any(c.unpriced for r in present for c in trends.costs[r]):
            notes.append("A cost with unpriced records leaves them out: it is a lower bound (≥).")
        if len(present) > 1:
            notes.append(_order([COST_LABELS[r] for r in present]))
        columns = ("Period", *(COST_LABELS[r] for r in present), "Running total")
        figures.append(Figure(title, chart, tuple(notes), columns, table))
    else:
        figures.append(
            Figure(f"Running cost per {per}", None, ("No data: no usage records.",), (), ())
        )
    if trends.claude_code is not None:
        claude = list(trends.claude_code)
        title = f"Claude Code cost per {per} (USD)"
        reasons = ["not recorded"] * len(claude)
        chart, left = _plot(trends, title, "USD", "bar", [("Claude Code", claude)], reasons, 2)
        span = _span(claude, lambda v: v is not None)
        table = _rows(
            trends, lambda i: [usd(claude[i], 2) if claude[i] is not None else "not recorded"], span
        )
        notes = (
            f"As recorded in cost-breakdown.jsonl (the first record of each day); a {per} "
            "without one is not recorded, not $0.",
            *left,
        )
        figures.append(Figure(title, chart, notes, ("Period", "Claude Code"), table))
    return figures


def _cost_gap(trends: Trends, present: list[str], i: int) -> str:
    """Return why bucket ``i`` has no cost for some resource: no records, or none priced."""
    gaps = [
        f"{'no' if trends.costs[r][i].records == 0 else 'unpriced'} {COST_LABELS[r]} records"
        for r in present
        if trends.costs[r][i].usd is None
    ]
    return ", ".join(gaps) or NO_RECORDS


def _running(trends: Trends, i: int) -> str:
    cells = [trends.costs[r][i] for r in COST_LABELS]
    known = [c.usd for c in cells if c.usd is not None]
    if not known:
        return "unpriced" if any(c.records for c in cells) else MISSING
    lower = any(c.unpriced or (c.records and c.usd is None) for c in cells)
    return ("≥ " if lower else "") + usd(sum(known), COST_DIGITS)


def figures(trends: Trends | None) -> dict[str, list[Figure]] | None:
    """Return every chart block's figures, by block name; None when charts are turned off."""
    if trends is None:
        return None
    if trends.empty:
        empty = [Figure("Trends", None, ("No dated records, so nothing to chart.",), (), ())]
        return {name: empty for name in BLOCKS}
    return {
        "chart_inferences": inferences(trends),
        "chart_latency": latency(trends),
        "chart_workflows": workflows(trends),
        "chart_costs": costs(trends),
    }


BLOCKS = ("chart_inferences", "chart_latency", "chart_workflows", "chart_costs")
