"""The paper's charts: a Mermaid ``xychart-beta`` with the table of its numbers (a Figure).

Mermaid's xychart takes numbers only, so it cannot leave a point out of one line. A bucket
(day, week or month) with no value in some series is therefore left out of that chart: its
category is not on the x-axis, the caption names it, and the table below the chart shows it as
"no records" (or "too thin" for a percentile), never as 0. The x-axis keeps the dates, so a
reader sees where a day is missing. Text from the logs (model names) is made safe for Mermaid's
quoted strings.

The paper stage; :mod:`paperkit.paper.trends` makes the figures of each chart block from
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
    MONTH,
    WEEK,
    WEEKLY_LIMIT,
    Trends,
)
from paperkit.paper.svg import PALETTE
from paperkit.paper.wording import count

NO_RECORDS = "no records"
TOO_THIN = "too thin"
LISTED = 10  # left-out buckets named in a caption before "and N more"


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


def span_of(values: Sequence[Any], present: Callable[[Any], bool]) -> range:
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


def bucketing(trends: Trends) -> str:
    """Return the note saying how records are grouped: per day, week or month, and why."""
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


def plot(
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
        else span_of(list(rows), lambda i: any(s[i] is not None for _, s in series))
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


def table_rows(trends: Trends, cells: Callable[[int], list[str]], span: range) -> tuple:
    """Return the table rows of a figure: each bucket's name, then ``cells(i)``."""
    return tuple((_label(trends.buckets[i], trends.bucket, False), *cells(i)) for i in span)


def series_order(names: Sequence[str]) -> str:
    """Return the note naming a chart's series in drawing order (for renderers without a legend)."""
    return "Series, in drawing order: " + ", ".join(names) + "."
