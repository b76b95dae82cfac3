"""A short Markdown summary of one experiment's results.json, for a CI job's summary page.

GitHub Actions shows whatever a step appends to ``$GITHUB_STEP_SUMMARY``; this is the verdict,
the criteria table, the headline cost and the count of data problems, worded as the paper
words them (the same formatting functions), so the two never disagree. A summary is kept
within ``LIMIT``: a long criteria table loses rows from its end, and says how many.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paperkit.errors import PaperkitError
from paperkit.measure.evidence import kind_of
from paperkit.paper.criteria import VERDICT_LABELS, interval_words, measured_words
from paperkit.paper.render import MISSING, cell, num, usd
from paperkit.paper.wording import count, format_metric

__all__ = ["LIMIT", "summary"]

# GitHub drops a step summary over 1 MiB, and takes at most 65,536 characters in a comment or a
# check run's summary. Keeping each experiment's summary within 65,536 bytes (so characters too)
# lets it go anywhere, and lets a job's step summarise a dozen experiments.
LIMIT = 65_536

_HEADER = "| Criterion | Target | Measured | Interval | n | Verdict |\n|---|---|---|---|---|---|"


def summary(result_json: Mapping[str, Any], name: str, *, unit: str = "unit") -> str:
    """Return the Markdown summary of one experiment's results.json, ending in a newline.

    ``unit`` is the experiment's unit name ("document"), which results.json does not hold;
    it words the cost per 1,000. The text is at most ``LIMIT`` UTF-8 bytes (so also at most
    ``LIMIT`` characters): when the whole criteria table would not fit, rows are left out from
    the end and the summary says how many. Raises ``PaperkitError`` when ``result_json`` lacks
    what paperkit writes into results.json.
    """
    try:
        head = _heading(result_json["outcome"], name)
        head += "\n\n" + _tally([c["verdict"] for c in result_json["criteria"]])
        rows = [_row(criterion) for criterion in result_json["criteria"]]
        tail = [_cost(result_json, unit), _data(result_json["data_quality"])]
    except (KeyError, TypeError, AttributeError) as e:
        problem = f"{type(e).__name__}: {e}"
        raise PaperkitError(f"{name}: not a results.json paperkit wrote ({problem})") from e
    kept = _rows_that_fit(head, rows, tail)
    return _assemble(head, rows[:kept], len(rows) - kept, tail)


def _rows_that_fit(head: str, rows: list[str], tail: list[str]) -> int:
    """Returns how many rows, from the first, fit within ``LIMIT`` bytes with everything else.

    Sizes are added up rather than texts assembled, so 5,000 rows cost one pass, not 5,000.
    """
    table = len(_HEADER.encode("utf-8")) + len("\n\n")  # the header, and the gap before it
    rows_bytes = sum(len(row.encode("utf-8")) + len("\n") for row in rows)
    for kept in range(len(rows), 0, -1):
        rest = len(_assemble(head, [], len(rows) - kept, tail).encode("utf-8"))
        if rest + table + rows_bytes <= LIMIT:
            return kept
        rows_bytes -= len(rows[kept - 1].encode("utf-8")) + len("\n")
    return 0


def _assemble(head: str, rows: list[str], left_out: int, tail: list[str]) -> str:
    """Returns the summary with ``rows`` of the table and a note on the ``left_out`` ones."""
    parts = [head]
    if rows:
        parts.append("\n".join([_HEADER, *rows]))
    if left_out:
        what = "criterion" if left_out == 1 else "criteria"
        parts.append(
            f"_{left_out:,} more {what} left out to keep this summary within {LIMIT:,} "
            "characters; see results.json._"
        )
    return "\n\n".join([*parts, *tail]) + "\n"


def _heading(outcome: Mapping[str, Any], name: str) -> str:
    """Returns the heading: the experiment, the computed outcome, and a different declared one."""
    computed, declared = outcome["computed"], outcome.get("declared")
    also = f" (declared: {declared})" if declared and declared != computed else ""
    return f"## {name}: {computed}{also}"


def _tally(verdicts: list[str]) -> str:
    """Returns how many criteria pass, fail and are inconclusive, as one sentence."""
    if not verdicts:
        return "No success criteria are stated."
    parts = [f"{verdicts.count(v):,} {v}" for v in VERDICT_LABELS if verdicts.count(v)]
    return f"Criteria: {', '.join(parts)} (of {len(verdicts):,})."


def _row(c: Mapping[str, Any]) -> str:
    """Returns one criteria table row, worded as the paper's Success Criteria Results table."""
    where = c.get("where")
    text = c["text"]
    if where:
        text += " (where " + ", ".join(f"{k} = {' or '.join(v)}" for k, v in where.items()) + ")"
    metric = c["metric"]
    if metric is None:
        target = measured = "judged by hand"
        span = MISSING
    else:
        bound = c.get("bound")
        target = f"{c['op']} {format_metric(metric, c['target'])}"
        measured = measured_words(metric, c["value"], bound["side"] if bound else None)
        interval = c.get("interval")
        span = interval_words(
            metric,
            kind=c.get("kind") or kind_of(metric),
            use_interval=c.get("interval_used", True),
            interval=None
            if interval is None
            else (interval["low"], interval["high"], interval["confidence"], interval["method"]),
            has_value=c["value"] is not None,
            bound=f"{bound['side']} bound: {bound['why']}" if bound else None,
        )
    n = num(c["n"]) if c.get("n") is not None else MISSING
    verdict = VERDICT_LABELS.get(c["verdict"], c["verdict"])
    cells = [text, target, measured, span, n, verdict]
    return "| " + " | ".join(cell(value) for value in cells) + " |"


def _cost(result_json: Mapping[str, Any], unit: str) -> str:
    """Returns the headline cost: per 1,000 units and in total, marked when a lower bound."""
    metrics = result_json["metrics"]
    per_1k, total = metrics["cost.per_1k_units_usd"], metrics["cost.total_usd"]
    if "bounds" in result_json:
        bound = result_json["bounds"].get("cost.total_usd")
    else:  # written before paperkit listed its bounds: only unpriced calls were known
        unpriced = metrics.get("ai.unpriced_calls") or 0
        bound = (
            {"why": f"{count(unpriced, 'unpriced Workers AI call')} left out"} if unpriced else None
        )
    mark = "≥ " if bound else ""
    per_1k_text = f"{mark}{usd(per_1k)}" if per_1k is not None else MISSING
    total_text = f"{mark}{usd(total)}" if total is not None else MISSING
    line = f"**Cost:** {per_1k_text} per 1,000 {unit}s; {total_text} in total."
    if bound:
        line += f" Lower bounds: {bound['why']}."
    return line


def _data(quality: Mapping[str, Any]) -> str:
    """Returns the count of data problems: log warnings, and the skipped lines among them."""
    warnings = len(quality["warnings"])
    skipped = {name: f["skipped"] for name, f in quality["files"].items() if f["skipped"]}
    if not warnings and not skipped:
        return "**Data problems:** none."
    text = count(warnings, "log warning")
    if skipped:
        files = ", ".join(f"{name} {n:,}" for name, n in skipped.items())
        text += f", including {count(sum(skipped.values()), 'skipped line')} ({files})"
    return f"**Data problems:** {text}; see the paper's Data Quality section."
