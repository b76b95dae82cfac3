"""The index of every experiment (EXPERIMENTS.md): one table row per experiment.

Each row is worded from the experiment's results.json, as built now, and from whether its
paper is current: number, title linked to its paper, period, outcome, criteria passed /
failed / inconclusive, cost per unit and running cost per unit (``≥`` for a lower bound),
records and staleness. :mod:`paperkit.index_file` puts the table between generated-block
markers and writes it. Titles come from the spec and are escaped like any user text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from paperkit.paper.diff_report import text
from paperkit.paper.render import MISSING, num, usd

HEADER = (
    "| # | Experiment | Period | Outcome | Criteria (pass / fail / inconclusive) "
    "| Cost per unit | Running cost per unit | Records | Paper |\n"
    "|---:|---|---|---|---|---:|---:|---:|---|"
)


@dataclass(frozen=True)
class Entry:
    """One experiment as the index shows it.

    ``paper`` is the path of its PAPER.md relative to the index file; ``results`` its
    results.json as built now (None when the build failed, with ``error`` saying why);
    ``state`` is "current", "stale" (PAPER.md or results.json would change), "not built yet"
    or "build failed".
    """

    name: str
    number: int | None
    title: str | None
    paper: str
    results: Mapping[str, Any] | None
    state: str
    error: str | None = None


def render_index(entries: list[Entry]) -> str:
    """Return the index table, one row per experiment, by number then name, ending in "\\n"."""
    if not entries:
        return "_No experiments yet._\n"
    ordered = sorted(entries, key=lambda e: (e.number is None, e.number or 0, e.name))
    return HEADER + "\n" + "".join(_row(e) + "\n" for e in ordered)


def _row(e: Entry) -> str:
    link = f"[{text(e.title or e.name)}]({quote(e.paper)})"
    if e.title:
        link += f" (`{e.name}`)" if "`" not in e.name else f" ({text(e.name)})"
    number = num(e.number) if e.number is not None else MISSING
    r = e.results
    if r is None:
        cells = [number, link, MISSING, f"build failed: {text(e.error)}", MISSING]
        return "| " + " | ".join([*cells, MISSING, MISSING, MISSING, text(e.state)]) + " |"
    provenance = r.get("provenance") or {}
    first, last = provenance.get("first_day"), provenance.get("last_day")
    period = f"{first} to {last}" if first and last else MISSING
    verdicts = [c.get("verdict") for c in r.get("criteria") or []]
    tally = (
        " / ".join(str(verdicts.count(v)) for v in ("pass", "fail", "inconclusive"))
        if verdicts
        else "none stated"
    )
    costs = r.get("costs") or {}
    unit = costs.get("unit") or "unit"
    mark = "≥ " if costs.get("lower_bound") else ""
    per_unit = costs.get("per_unit_usd")
    running = costs.get("running_per_unit_usd")
    records = sum(
        (f.get("records") or 0) for f in ((r.get("data_quality") or {}).get("files") or {}).values()
    )
    cells = [
        number,
        link,
        period,
        text((r.get("outcome") or {}).get("computed")),
        tally,
        f"{mark}{usd(per_unit)} per {text(unit)}" if per_unit is not None else MISSING,
        f"{mark}{usd(running)} per {text(unit)}" if running is not None else MISSING,
        f"{records:,}",
        text(e.state),
    ]
    return "| " + " | ".join(cells) + " |"
