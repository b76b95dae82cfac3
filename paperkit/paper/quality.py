"""The Quality section: judgements per model and baseline, their rates, scores and agreement.

:mod:`paperkit.measure.quality` counts; this module words the counts for the paper. People and
LLM judges get rows of their own, and an LLM judge's row says so, so a reader never takes a
model's verdict for a person's. The lines for What This Doesn't Prove (unblinded judgements,
too few items, judges alone, low agreement) are built here too, from the same rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from paperkit.measure import quality
from paperkit.measure.intervals import Interval
from paperkit.paper.render import MISSING, num, pct
from paperkit.paper.wording import count
from paperkit.spec.types import DEFAULT_MIN_N, Comparison


def _rate(value: float | None, interval: Interval | None) -> str:
    """ "65.0% (43.3% to 81.9%)"; the interval is left out when there is none."""
    if value is None:
        return MISSING
    if interval is None:
        return pct(value)
    return f"{pct(value)} ({pct(interval.low)} to {pct(interval.high)})"


def _raters(kind: str, raters: tuple[str, ...]) -> str:
    """Who judged: "people: ana, ben" or "LLM judge: llm:openai:gpt-4o-mini"."""
    if kind == quality.LLM:
        label = "LLM judge" if len(raters) == 1 else "LLM judges"
    else:
        label = "person" if len(raters) == 1 else "people"
    return f"{label}: {', '.join(raters)}"


def _listed(names: tuple[str, ...]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _who(kind: str, raters: tuple[str, ...]) -> str:
    """Who judged, for a sentence: "author", "the LLM judge llm:openai:gpt-4o-mini"."""
    if kind == quality.LLM:
        return f"the LLM judge{'s' if len(raters) > 1 else ''} {_listed(raters)}"
    return _listed(raters)


def _blind(blind: int, judged: int) -> str:
    if blind == judged:
        return "yes"
    return "no" if blind == 0 else f"{blind:,} of {judged:,}"


def _comparison_name(model: str, baseline: str | None, rubric: str | None) -> str:
    """ "MODEL vs BASELINE (RUBRIC)"; "MODEL scores (RUBRIC)" for ratings."""
    compared = f"{model} scores" if baseline is None else f"{model} vs {baseline}"
    return compared + (f" ({rubric})" if rubric else "")


def _agreement_value(value: float | None) -> str:
    return "n/a (every judgement the same)" if value is None else num(value, 2)


def quality_context(frame: pd.DataFrame, present: bool, confidence: float) -> dict[str, Any]:
    """Return the ``quality`` template variable (docs/templates.md) from the judgements."""
    pairs = quality.comparisons(frame, confidence)
    scored = quality.ratings(frame, confidence)
    agreed = quality.agreements(frame)
    pairwise = [
        {
            "model": c.model,
            "baseline": c.baseline,
            "rubric": c.rubric or MISSING,
            "raters": _raters(c.kind, c.raters),
            "llm": c.kind == quality.LLM,
            "judgements": f"{c.tally.judged:,}",
            "item_count": f"{c.items:,}",
            "wins_ties_losses": f"{c.tally.wins:,} / {c.tally.ties:,} / {c.tally.losses:,}",
            "win_rate": _rate(c.tally.win_rate, c.win_interval),
            "not_worse": _rate(c.tally.not_worse_rate, c.not_worse_interval),
            "blind": _blind(c.blind, c.tally.judged),
        }
        for c in pairs
    ]
    ratings = [
        {
            "model": r.model,
            "rubric": r.rubric or MISSING,
            "raters": _raters(r.kind, r.raters),
            "llm": r.kind == quality.LLM,
            "ratings": f"{r.n:,}",
            "item_count": f"{r.items:,}",
            "mean": (
                "n/a (scores on several scales)"
                if r.scale is None
                else (
                    num(r.mean, 2)
                    if r.interval is None
                    else f"{num(r.mean, 2)} ({num(r.interval.low, 2)} to {num(r.interval.high, 2)})"
                )
            ),
            "scale": MISSING if r.scale is None else f"{num(r.scale[0])} to {num(r.scale[1])}",
            "blind": _blind(r.blind, r.n),
        }
        for r in scored
    ]
    agreements = [
        {
            "comparison": _comparison_name(a.model, a.baseline, a.rubric),
            "raters": _listed(a.raters),
            "item_count": f"{a.items:,}",
            "statistic": a.statistic,
            "value": _agreement_value(a.value),
            "low": a.low,
        }
        for a in agreed
    ]
    return {
        "present": present,
        "pairwise": pairwise,
        "ratings": ratings,
        "agreements": agreements,
        "low_agreement": f"{quality.LOW_AGREEMENT:g}",
    }


def quality_unproven(frame: pd.DataFrame) -> list[str]:
    """Return the Doesn't Prove lines of the judgements: unblinded, too few items, several
    people on the same items, judges alone, low agreement."""
    lines = []
    pairs = quality.comparisons(frame, 0.95)
    human = {(c.model, c.baseline, c.rubric) for c in pairs if c.kind == quality.HUMAN}
    for c in pairs:
        name = _comparison_name(c.model, c.baseline, c.rubric)
        unblind = c.tally.judged - c.blind
        if unblind:
            lines.append(
                f"That the judgements of {name} hold when blind: {unblind:,} of the "
                f"{count(c.tally.judged, 'judgement')} by {_who(c.kind, c.raters)} were not "
                "marked blind"
            )
        judged_by_people = (c.model, c.baseline, c.rubric) in human
        if c.items < DEFAULT_MIN_N and (c.kind == quality.HUMAN or not judged_by_people):
            lines.append(
                f"The quality of {name} beyond the {count(c.items, 'item')} "
                f"{_who(c.kind, c.raters)} judged (fewer than {DEFAULT_MIN_N})"
            )
        if c.kind == quality.HUMAN and len(c.raters) > 1 and c.tally.judged > c.items:
            lines.append(
                f"As much as its interval suggests about {name}: it counts the "
                f"{count(c.tally.judged, 'judgement')} of {len(c.raters)} people on "
                f"{count(c.items, 'item')} as independent, and judgements of one item are not"
            )
        if c.kind == quality.LLM and not judged_by_people:
            lines.append(
                f"That people would judge {name} as {_who(c.kind, c.raters)} did: "
                "no person judged it"
            )
    for a in quality.agreements(frame):
        if a.low:
            lines.append(
                f"That the raters of {_comparison_name(a.model, a.baseline, a.rubric)} "
                f"agree: {a.statistic} {num(a.value, 2)} is below {quality.LOW_AGREEMENT:g}"
            )
    return lines


def quality_row(comparison: Comparison, frame: pd.DataFrame, confidence: float) -> dict | None:
    """Return the comparison table's quality row for ``comparison.baseline``, or None.

    The row gives the people's not-worse rate of every candidate against that baseline; it is
    left out when the spec names no baseline or no person judged against it.
    """
    if comparison.baseline is None or not len(frame):
        return None
    judged = frame[(frame["baseline"] == comparison.baseline) & frame["preference"].notna()]
    judged = quality.scoped(judged, None)
    if not len(judged):
        return None
    counts = quality.tally(judged)
    interval = counts.not_worse_interval(confidence)
    return {
        "label": f"Quality: judged not worse than {comparison.baseline} (people)",
        "ours": f"{_rate(counts.not_worse_rate, interval)}, n = {counts.judged:,}",
        "theirs": "the baseline",
        "diff": MISSING,
        "rel": MISSING,
    }


def quality_json(frame: pd.DataFrame, present: bool, confidence: float) -> dict | None:
    """Return results.json's ``quality``: the section's numbers, unformatted (None when the
    experiment has no quality.jsonl). Intervals are ``(low, high)`` pairs."""
    if not present:
        return None

    def pair(interval: Interval | None) -> list[float] | None:
        return None if interval is None else [interval.low, interval.high]

    return {
        "pairwise": [
            {
                "model": c.model,
                "baseline": c.baseline,
                "rubric": c.rubric,
                "rater_kind": c.kind,
                "raters": list(c.raters),
                "items": c.items,
                "wins": c.tally.wins,
                "ties": c.tally.ties,
                "losses": c.tally.losses,
                "blind": c.blind,
                "win_rate": c.tally.win_rate,
                "win_rate_interval": pair(c.win_interval),
                "not_worse_rate": c.tally.not_worse_rate,
                "not_worse_rate_interval": pair(c.not_worse_interval),
            }
            for c in quality.comparisons(frame, confidence)
        ],
        "ratings": [
            {
                "model": r.model,
                "rubric": r.rubric,
                "rater_kind": r.kind,
                "raters": list(r.raters),
                "items": r.items,
                "n": r.n,
                "mean": r.mean,
                "mean_interval": pair(r.interval),
                "scale": None if r.scale is None else list(r.scale),
                "blind": r.blind,
            }
            for r in quality.ratings(frame, confidence)
        ],
        "agreement": [
            {
                "model": a.model,
                "baseline": a.baseline,
                "rubric": a.rubric,
                "raters": list(a.raters),
                "items": a.items,
                "statistic": a.statistic,
                "value": a.value,
                "low": a.low,
            }
            for a in quality.agreements(frame)
        ],
    }
