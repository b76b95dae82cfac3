"""Charts as inline SVG for PAPER.html, drawn from the Mermaid ``xychart-beta`` text of the paper.

The HTML page is made from PAPER.md as it stands, so each chart is read back from its Mermaid
block (:func:`parse`) and drawn here: the page shows exactly the numbers the Markdown holds.
Hand-written rather than drawn with a plotting library: a line or bar chart over categories is
a few dozen SVG elements, and writing them ourselves keeps the bytes the same on every build
(no ids, dates or font metrics of a renderer) and adds no dependency (README, Dependencies).
Every text in the SVG is escaped.

The paper stage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 40, 64  # room for the y labels, title and x labels
MAX_LABELS = 12  # x labels written at most; the others are in each point's tooltip
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")

_STRING = r'"([^"]*)"'
_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"


@dataclass(frozen=True)
class XYChart:
    """The parts of a Mermaid xychart this module draws."""

    title: str
    categories: tuple[str, ...]
    x_label: str
    y_label: str
    y_min: float | None
    y_max: float | None
    series: tuple[tuple[str, str, tuple[float, ...]], ...]  # kind, name, values


def parse(source: str) -> XYChart | None:
    """Return the chart a Mermaid ``xychart-beta`` text describes, or None when it cannot be
    read (another diagram, a numeric x-axis, series of another length): the page then shows
    the source instead of guessing."""
    lines = [line.strip() for line in source.strip().splitlines() if line.strip()]
    if lines and lines[0] == "---":  # front matter (Mermaid's configuration): not drawn here
        end = lines.index("---", 1) if "---" in lines[1:] else len(lines)
        lines = lines[end + 1 :]
    if not lines or lines[0] not in ("xychart-beta", "xychart"):
        return None
    title, x_label, y_label = "", "", ""
    categories: tuple[str, ...] = ()
    y_min = y_max = None
    series: list[tuple[str, str, tuple[float, ...]]] = []
    for line in lines[1:]:
        if m := re.fullmatch(rf"title\s+{_STRING}", line):
            title = m[1]
        elif m := re.fullmatch(r"x-axis\s+(?:" + _STRING + r"\s+)?\[(.*)\]", line):
            x_label, categories = m[1] or "", tuple(re.findall(_STRING, m[2]))
        elif m := re.fullmatch(rf"y-axis\s+{_STRING}(?:\s+({_NUMBER})\s+-->\s+({_NUMBER}))?", line):
            y_label = m[1]
            if m[2] is not None:
                y_min, y_max = float(m[2]), float(m[3])
        elif m := re.fullmatch(rf"(line|bar)\s+(?:{_STRING}\s+)?\[(.*)\]", line):
            values = [v.strip() for v in m[3].split(",")]
            if not all(re.fullmatch(_NUMBER, v) for v in values):
                return None
            series.append((m[1], m[2] or "", tuple(float(v) for v in values)))
        else:
            return None
    if not categories or not series or any(len(v) != len(categories) for _, _, v in series):
        return None
    return XYChart(title, categories, x_label, y_label, y_min, y_max, tuple(series))


def _f(value: float) -> str:
    """Write a coordinate with one decimal, the same on every platform."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _label(value: float) -> str:
    """Write a tick or tooltip number without needless decimals."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def svg(chart: XYChart) -> str:
    """Return ``chart`` as an inline SVG element (a line or bar chart over its categories)."""
    values = [v for _, _, vals in chart.series for v in vals]
    low = chart.y_min if chart.y_min is not None else min(0.0, *values)
    high = chart.y_max if chart.y_max is not None else max(values)
    if not math.isfinite(high - low) or high <= low:
        high = low + 1.0
    rows = _legend_rows(chart)
    height = HEIGHT + 18 * max(0, len(rows) - 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(chart.categories)
    band = plot_w / n

    def x(i: int) -> float:
        return LEFT + band * (i + 0.5)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (min(max(v, low), high) - low) / (high - low))

    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(chart.title)}">',
        f'<text class="title" x="{WIDTH / 2:.1f}" y="22" text-anchor="middle">'
        f"{escape(chart.title)}</text>",
        '<g class="axes">',
    ]
    for tick in _ticks(low, high):
        ty = _f(y(tick))
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty}" y2="{ty}"/>'
            f'<text x="{LEFT - 6}" y="{ty}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(_label(round(tick, 6)))}</text>"
        )
    step = max(1, math.ceil(n / MAX_LABELS))
    for i in range(0, n, step):
        out.append(
            f'<text x="{_f(x(i))}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{escape(chart.categories[i])}</text>"
        )
    if chart.x_label:
        out.append(
            f'<text x="{_f(LEFT + plot_w / 2)}" y="{TOP + plot_h + 32}" text-anchor="middle">'
            f"{escape(chart.x_label)}</text>"
        )
    out.append(
        f'<text x="14" y="{_f(TOP + plot_h / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_f(TOP + plot_h / 2)})">{escape(chart.y_label)}</text>'
    )
    out.append("</g>")
    out.append('<g class="plot">')
    bars = [s for s in chart.series if s[0] == "bar"]
    width = band * 0.8 / max(1, len(bars))
    for index, (kind, name, vals) in enumerate(chart.series):
        color = PALETTE[index % len(PALETTE)]
        tips = [
            f"{chart.categories[i]}: {_label(v)}" + (f" ({name})" if name else "")
            for i, v in enumerate(vals)
        ]
        if kind == "bar":
            k = bars.index((kind, name, vals))
            for i, v in enumerate(vals):
                left = LEFT + band * i + band * 0.1 + width * k
                top, bottom = y(max(v, 0.0)), y(min(v, 0.0))
                out.append(
                    f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(width)}" '
                    f'height="{_f(bottom - top)}" fill="{color}">'
                    f"<title>{escape(tips[i])}</title></rect>"
                )
        else:
            points = " ".join(f"{_f(x(i))},{_f(y(v))}" for i, v in enumerate(vals))
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
            for i, v in enumerate(vals):
                out.append(
                    f'<circle cx="{_f(x(i))}" cy="{_f(y(v))}" r="3" fill="{color}">'
                    f"<title>{escape(tips[i])}</title></circle>"
                )
    out.append("</g>")
    out.extend(_legend(chart, rows))
    out.append("</svg>")
    return "\n".join(out)


def _legend_rows(chart: XYChart) -> list[list[tuple[int, str, float]]]:
    """Return the named series as legend rows of (series index, name, x), wrapped to fit."""
    rows: list[list[tuple[int, str, float]]] = [[]]
    lx = float(LEFT)
    for i, (_, name, _) in enumerate(chart.series):
        if not name:
            continue
        width = 28 + 7 * len(name)
        if rows[-1] and lx + width > WIDTH - RIGHT:
            rows.append([])
            lx = float(LEFT)
        rows[-1].append((i, name, lx))
        lx += width
    return [row for row in rows if row]


def _legend(chart: XYChart, rows: list[list[tuple[int, str, float]]]) -> list[str]:
    """Return the legend: a colour swatch and the name of each named series."""
    if not rows:
        return []
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        top = HEIGHT - 26 + 18 * r
        for i, name, lx in row:
            color = PALETTE[i % len(PALETTE)]
            out.append(
                f'<rect x="{_f(lx)}" y="{top}" width="12" height="12" fill="{color}"/>'
                f'<text x="{_f(lx + 16)}" y="{top + 10}">{escape(name)}</text>'
            )
    out.append("</g>")
    return out
