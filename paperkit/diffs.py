"""``paperkit diff``: which results to compare, fetched and built, then lined up.

The new side is always built in memory from the working tree (so it is current even when
results.json is not); the old side is an experiment's results at a git revision
(:mod:`paperkit.revisions`) or another experiment. :mod:`paperkit.paper.diff_results` compares them
and :mod:`paperkit.paper.diff_report` words the outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from paperkit.build import names_to_build, render_experiment
from paperkit.errors import DataWarning, PaperkitError
from paperkit.paper.diff_report import as_json, markdown, text
from paperkit.paper.diff_results import Report, compare_results
from paperkit.revisions import names_at, repository, resolve, results_at
from paperkit.spec.types import Spec

WORKING_TREE = "working tree"
BUILT_NOW = "built now from the working tree's logs and spec"


@dataclass(frozen=True)
class Compared:
    """One comparison: its title, where each side came from, and the report.

    ``report`` is None when one side does not exist: an experiment new since the revision
    (``new_results`` is then what it has now), or one removed since (``removed``), or one
    side that could not be built or read (``error``; the other experiments are still compared).
    """

    title: str
    old_source: str
    new_source: str
    report: Report | None
    warnings: tuple[DataWarning, ...]
    new_results: dict[str, Any]
    removed: bool = False
    error: PaperkitError | None = None

    @property
    def failed(self) -> bool:
        return self.report is not None and self.report.failed

    def markdown(self) -> str:
        """Return this comparison as Markdown (a short note for an experiment that is new)."""
        if self.error is not None:
            return f"## {text(self.title)}: not compared\n\n{text(self.error)}\n"
        if self.removed:
            return (
                f"## {text(self.title)}: removed\n\nIt was an experiment at "
                f"{text(self.old_source)} and is not one now.\n"
            )
        if self.report is None:
            outcome = (self.new_results.get("outcome") or {}).get("computed")
            return (
                f"## {text(self.title)}: new\n\nNothing to compare with: "
                f"{text(self.old_source)}. Outcome now: {text(outcome)}.\n"
            )
        return markdown(self.report, self.title, (self.old_source, self.new_source))

    def to_json(self) -> dict[str, Any]:
        return {
            "experiment": self.title,
            "old_source": self.old_source,
            "new_source": self.new_source,
            "new": self.report is None and not self.removed and self.error is None,
            "removed": self.removed,
            "error": str(self.error) if self.error is not None else None,
            "report": as_json(self.report) if self.report is not None else None,
        }


def overview(compared: list[Compared], rev: str) -> str:
    """Return a table with one line per experiment compared, for the top of a long report."""
    lines = [
        f"# What changed against {text(rev)}",
        "",
        "| Experiment | Outcome | Verdicts changed | Real changes |",
        "|---|---|---:|---:|",
    ]
    for one in compared:
        report = one.report
        if report is None:
            state = "not compared" if one.error else ("removed" if one.removed else "new")
            lines.append(f"| {text(one.title)} | {state} | – | – |")
            continue
        old, new = report.old_outcome, report.new_outcome
        outcome = text(new) if old == new else f"{text(old)} → {text(new)}"
        if report.outcome_worse:
            outcome = f"**{outcome}**"
        flips = [c for c in report.criteria if c.flipped]
        worse = sum(c.worse for c in flips)
        flipped = f"{len(flips):,}" + (f" ({worse:,} pass → fail)" if worse else "")
        real = sum(d.change is not None and d.change.real for d in report.metrics)
        lines.append(f"| {text(one.title)} | {outcome} | {flipped} | {real:,} |")
    return "\n".join(lines) + "\n"


def against(spec: Spec, names: list[str], rev: str, *, rebuild: bool = False) -> list[Compared]:
    """Compare each named experiment (every one when ``names`` is empty) with itself at ``rev``.

    ``rebuild`` builds each at ``rev`` from its logs and spec rather than reading the committed
    results.json.
    """
    resolve(rev, repository(spec))  # an unknown revision or no git stops here, once
    compared = []
    for name in names_to_build(spec, names):
        try:
            built = render_experiment(spec, name)
            new = json.loads(built.results)
            old = results_at(spec, name, rev, rebuild=rebuild)
        except PaperkitError as error:
            compared.append(Compared(name, rev, WORKING_TREE, None, (), {}, error=error))
            continue
        report = (
            None if old.results is None else compare_results(old.results, new, rev, WORKING_TREE)
        )
        compared.append(Compared(name, old.source, BUILT_NOW, report, built.warnings, new))
    if not names:
        now = {one.title for one in compared}
        for gone in (name for name in names_at(spec, rev) if name not in now):
            compared.append(Compared(gone, rev, WORKING_TREE, None, (), {}, removed=True))
    return compared


def pair(spec: Spec, old_name: str, new_name: str) -> Compared:
    """Compare experiment ``old_name`` (before) with ``new_name`` (after), both built now."""
    old_built = render_experiment(spec, old_name)
    new_built = render_experiment(spec, new_name)
    new = json.loads(new_built.results)
    report = compare_results(json.loads(old_built.results), new, old_name, new_name)
    return Compared(
        "experiments",
        f"{old_name}, {BUILT_NOW}",
        f"{new_name}, {BUILT_NOW}",
        report,
        (*old_built.warnings, *new_built.warnings),
        new,
    )
