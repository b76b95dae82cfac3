"""The paper's trends as figures: volume, latency, workflows and cost per day (week, month).

Each function turns the series of :mod:`paperkit.measure.series` into :class:`Figure`s (a chart
and the table of its numbers) for one chart block; :mod:`paperkit.paper.charts` draws them in
Mermaid and decides how a gap is shown.
"""

from __future__ import annotations

from paperkit.measure.series import MIN_RECORDS, RESOURCE_LABELS, Cost, Spread, Trends
from paperkit.paper.charts import (
    NO_RECORDS,
    TOO_THIN,
    Figure,
    bucketing,
    plot,
    series_order,
    span_of,
    table_rows,
)
from paperkit.paper.render import MISSING, num, pct, usd

COST_DIGITS = 6  # a day's D1 or KV cost is a few ten-thousandths of a dollar


def inferences(trends: Trends) -> list[Figure]:
    """Return the chart of inferences per bucket, one line per model."""
    title = f"Inferences per {trends.bucket}"
    models = sorted(trends.inferences)
    if not models:
        return [Figure(title, None, ("No data: no Worker AI inferences.",), (), ())]
    reasons = [NO_RECORDS] * len(trends.buckets)
    series = [(m, list(trends.inferences[m])) for m in models]
    chart, left = plot(trends, title, "inferences", "line", series, reasons, 0)  # type: ignore[arg-type]
    span = span_of(trends.ai_records, bool)
    table = table_rows(
        trends,
        lambda i: (
            [num(trends.inferences[m][i]) for m in models] + [num(trends.ai_records[i])]
            if trends.ai_records[i]
            else [NO_RECORDS] * (len(models) + 1)
        ),
        span,
    )
    notes = [bucketing(trends), *left]
    if len(models) > 1:
        notes.append(series_order(models))
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
        span = span_of(spreads, lambda s: s.n > 0)
        chart, left = plot(trends, title, "ms", "line", series, reasons, 0, within=span)
        table = table_rows(
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
    span = span_of(items, lambda w: w is not None)
    runs, left_runs = plot(
        trends,
        f"Workflow executions per {per}",
        "executions",
        "bar",
        [("executions", [w.executions if w else None for w in items])],
        reasons,
        0,
    )
    rate_reasons = [NO_RECORDS if w is None else "no outcome logged" for w in items]
    rates, left_rates = plot(
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
    runs_table = table_rows(
        trends,
        lambda i: (
            [num(items[i].executions), num(items[i].succeeded), num(items[i].failed)]  # type: ignore[union-attr]
            if items[i]
            else [NO_RECORDS] * 3
        ),
        span,
    )
    rate_table = table_rows(
        trends,
        lambda i: [pct(items[i].success_rate) if items[i] else NO_RECORDS],  # type: ignore[union-attr]
        span,
    )
    figures = [
        Figure(
            f"Workflow executions per {per}",
            runs,
            (bucketing(trends), *left_runs),
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
    duration, left_dur = plot(
        trends,
        f"Workflow duration per {per} (s)",
        "seconds",
        "line",
        [("p50", [s.p50 for s in spreads]), ("p95", [s.p95 for s in spreads])],
        dur_reasons,
        2,
        within=span_of(spreads, lambda s: s.n > 0),
    )
    dur_table = table_rows(
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
    present = [r for r in RESOURCE_LABELS if any(c.records for c in trends.costs[r])]
    figures = []
    if present:
        reasons = [_cost_gap(trends, present, i) for i in range(len(trends.buckets))]
        series = [(RESOURCE_LABELS[r], [c.usd for c in trends.costs[r]]) for r in present]
        title = f"Running cost per {per} (USD)"
        span = span_of(
            list(range(len(trends.buckets))),
            lambda i: any(trends.costs[r][i].records for r in present),
        )
        chart, left = plot(trends, title, "USD", "line", series, reasons, 6, within=span)
        table = table_rows(
            trends,
            lambda i: [_cost_cell(trends.costs[r][i]) for r in present] + [_running(trends, i)],
            span,
        )
        notes = [bucketing(trends), "Each resource is priced as in the Cost Breakdown.", *left]
        if any(c.unpriced for r in present for c in trends.costs[r]):
            notes.append("A cost with unpriced records leaves them out: it is a lower bound (≥).")
        if len(present) > 1:
            notes.append(series_order([RESOURCE_LABELS[r] for r in present]))
        columns = ("Period", *(RESOURCE_LABELS[r] for r in present), "Running total")
        figures.append(Figure(title, chart, tuple(notes), columns, table))
    else:
        figures.append(
            Figure(f"Running cost per {per}", None, ("No data: no usage records.",), (), ())
        )
    if trends.claude_code is not None:
        claude = list(trends.claude_code)
        title = f"Claude Code cost per {per} (USD)"
        reasons = ["not recorded"] * len(claude)
        chart, left = plot(trends, title, "USD", "bar", [("Claude Code", claude)], reasons, 2)
        span = span_of(claude, lambda v: v is not None)
        table = table_rows(
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
        f"{'no' if trends.costs[r][i].records == 0 else 'unpriced'} {RESOURCE_LABELS[r]} records"
        for r in present
        if trends.costs[r][i].usd is None
    ]
    return ", ".join(gaps) or NO_RECORDS


def _running(trends: Trends, i: int) -> str:
    cells = [trends.costs[r][i] for r in RESOURCE_LABELS]
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
