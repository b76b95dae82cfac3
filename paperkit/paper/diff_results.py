"""What changed between two results.json documents, and whether it is real: ``paperkit diff``.

``compare_results`` lines the two documents up: the outcome and each criterion's verdict (flips
first), every metric whose value changed, with its absolute and relative change and, for rates,
means and percentiles, whether the change is larger than its uncertainty
(:mod:`paperkit.measure.differences`), the cost per unit and running cost per unit with their bases,
and the data-quality changes. :mod:`paperkit.paper.diff_report` words the result. A results.json
written before paperkit kept counts and spreads still compares: its uncertainty is "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from paperkit.errors import PaperkitError
from paperkit.measure.criteria import FAIL, PASS
from paperkit.measure.differences import Difference, compare
from paperkit.measure.evidence import EXACT, kind_of
from paperkit.paper.diff_costs import CostChange, costs, lower_bounds
from paperkit.paper.render import MISSING, num
from paperkit.spec.types import DEFAULT_CONFIDENCE

# Best first: an outcome "got worse" when it moved down this list.
OUTCOME_ORDER = (
    "Validated",
    "Validated with caveats",
    "Partially validated",
    "Inconclusive",
    "Refuted",
)


@dataclass(frozen=True)
class VerdictChange:
    """One criterion's verdict before and after (None on the side where it does not exist)."""

    text: str
    metric: str | None
    old: str | None
    new: str | None
    value: Difference | None

    @property
    def flipped(self) -> bool:
        return self.old is not None and self.new is not None and self.old != self.new

    @property
    def worse(self) -> bool:
        """True for the flip ``--fail-on-flip`` stops on: from pass to fail."""
        return self.old == PASS and self.new == FAIL


@dataclass(frozen=True)
class Report:
    """Everything ``paperkit diff`` says about one experiment (or one pair of experiments)."""

    old_label: str
    new_label: str
    old_outcome: str | None
    new_outcome: str | None
    criteria: tuple[VerdictChange, ...]
    metrics: tuple[Difference, ...]
    unchanged_metrics: int
    costs: tuple[CostChange, ...]
    quality: tuple[str, ...]
    new_warnings: tuple[str, ...]
    confidence: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def outcome_worse(self) -> bool:
        old, new = self.old_outcome, self.new_outcome
        if old not in OUTCOME_ORDER or new not in OUTCOME_ORDER:
            return False
        return OUTCOME_ORDER.index(new) > OUTCOME_ORDER.index(old)

    @property
    def failed(self) -> bool:
        """True when a verdict went from pass to fail or the outcome got worse (exit 4)."""
        return self.outcome_worse or any(c.worse for c in self.criteria)


def compare_results(
    old: Mapping[str, Any], new: Mapping[str, Any], old_label: str, new_label: str
) -> Report:
    """Return what changed from ``old`` to ``new`` (two results.json documents, parsed).

    Raises PaperkitError when either is not shaped like a results.json paperkit wrote.
    """
    try:
        return _compare(old, new, old_label, new_label)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        problem = f"{type(e).__name__}: {e}"
        raise PaperkitError(
            f"{old_label} → {new_label}: not a results.json paperkit wrote ({problem})"
        ) from e


def _compare(
    old: Mapping[str, Any], new: Mapping[str, Any], old_label: str, new_label: str
) -> Report:
    samples_new = new.get("samples") or {}
    samples_old = old.get("samples") or {}
    confidence = float(
        samples_new.get("confidence") or samples_old.get("confidence") or DEFAULT_CONFIDENCE
    )
    notes = []
    if not old.get("samples") or not new.get("samples"):
        side = "before" if not old.get("samples") else "after"
        notes.append(
            f"The results.json {side} the change was written by an older paperkit and keeps no "
            "counts or spreads: every rate, mean and percentile there has its uncertainty "
            "unknown. Rebuild it (with --against, pass --rebuild) to test its changes."
        )
    differences = _metrics(old, new, confidence)
    return Report(
        old_label=old_label,
        new_label=new_label,
        old_outcome=(old.get("outcome") or {}).get("computed"),
        new_outcome=(new.get("outcome") or {}).get("computed"),
        criteria=_criteria(old, new, confidence),
        metrics=tuple(d for d in differences if d.changed),
        unchanged_metrics=sum(not d.changed for d in differences),
        costs=costs(old, new),
        quality=tuple(_quality(old.get("data_quality"), new.get("data_quality"), old, new)),
        new_warnings=tuple(_new_warnings(old.get("data_quality"), new.get("data_quality"))),
        confidence=confidence,
        notes=tuple(notes),
    )


def _difference(
    metric: str,
    a: float | None,
    b: float | None,
    sample_a: Mapping[str, Any] | None,
    sample_b: Mapping[str, Any] | None,
    confidence: float,
) -> Difference:
    """Return one number's change, tested against its uncertainty when it is sampled."""
    if kind_of(metric) == EXACT or a == b:
        return Difference(metric, a, b)
    if a is None or b is None:
        return Difference(metric, a, b, None, "no data on one side")
    change, why = compare(sample_a, sample_b, confidence)
    return Difference(metric, a, b, change, why)


def _metrics(old: Mapping[str, Any], new: Mapping[str, Any], c: float) -> list[Difference]:
    """Return a Difference for every metric either side has, in the new side's order."""
    values_old, values_new = old.get("metrics") or {}, new.get("metrics") or {}
    samples_old = (old.get("samples") or {}).get("metrics") or {}
    samples_new = (new.get("samples") or {}).get("metrics") or {}
    names = list(values_new) + [name for name in values_old if name not in values_new]
    lower_old, lower_new = lower_bounds(old), lower_bounds(new)
    return [
        replace(
            _difference(
                name,
                values_old.get(name),
                values_new.get(name),
                samples_old.get(name),
                samples_new.get(name),
                c,
            ),
            lower_old=name in lower_old,
            lower_new=name in lower_new,
        )
        for name in names
    ]


def _criteria(
    old: Mapping[str, Any], new: Mapping[str, Any], c: float
) -> tuple[VerdictChange, ...]:
    """Pair criteria by their text (the n-th of a repeated text with the n-th), flips first."""
    keyed_old = _keyed(old.get("criteria") or [])
    bounds = lower_bounds(old), lower_bounds(new)
    rows = []
    for key, b in _keyed(new.get("criteria") or []).items():
        a = keyed_old.pop(key, None)
        rows.append(_verdict(b["text"], a, b, c, *bounds))
    rows.extend(_verdict(a["text"], a, None, c, *bounds) for a in keyed_old.values())
    return tuple(sorted(rows, key=lambda r: (not r.worse, not r.flipped)))


def _keyed(criteria: list[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    seen: dict[str, int] = {}
    keyed = {}
    for criterion in criteria:
        text = str(criterion.get("text"))
        seen[text] = seen.get(text, 0) + 1
        keyed[(text, seen[text])] = criterion
    return keyed


def _verdict(
    text: str,
    a: Mapping[str, Any] | None,
    b: Mapping[str, Any] | None,
    c: float,
    lower_old: set[str],
    lower_new: set[str],
) -> VerdictChange:
    metric = (b or a or {}).get("metric")
    value = None
    if a is not None and b is not None and metric is not None:
        # The criterion's own confidence, which its interval records; else the spec's.
        confidence = (b.get("interval") or {}).get("confidence") or c
        value = replace(
            _difference(
                metric, a.get("value"), b.get("value"), a.get("sample"), b.get("sample"), confidence
            ),
            # A scoped criterion's cost is not one of the run's totals; only unscoped ones are.
            lower_old=not a.get("where") and metric in lower_old,
            lower_new=not b.get("where") and metric in lower_new,
        )
    return VerdictChange(
        text, metric, a.get("verdict") if a else None, b.get("verdict") if b else None, value
    )


def _quality(
    old_q: Mapping[str, Any] | None,
    new_q: Mapping[str, Any] | None,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
) -> list[str]:
    """Return a plain sentence for each data-quality figure that changed."""
    old_q, new_q = old_q or {}, new_q or {}
    lines = []
    files_old, files_new = old_q.get("files") or {}, new_q.get("files") or {}
    for name in list(files_new) + [n for n in files_old if n not in files_new]:
        a = (files_old.get(name) or {}).get("skipped", 0)
        b = (files_new.get(name) or {}).get("skipped", 0)
        if a != b:
            lines.append(f"{name}: skipped lines {a:,} → {b:,} ({b - a:+,})")
    a, b = len(old_q.get("warnings") or []), len(new_q.get("warnings") or [])
    if a != b:
        lines.append(f"log warnings {a:,} → {b:,} ({b - a:+,})")
    gaps_a = (old.get("reconciliation") or {}).get("flagged")
    gaps_b = (new.get("reconciliation") or {}).get("flagged")
    if gaps_a != gaps_b:
        change = f" ({gaps_b - gaps_a:+,})" if gaps_a is not None and gaps_b is not None else ""
        lines.append(
            f"reconciliation gaps flagged {num(gaps_a) if gaps_a is not None else MISSING} → "
            f"{num(gaps_b) if gaps_b is not None else MISSING}{change}"
        )
    return lines


def _new_warnings(old_q: Mapping[str, Any] | None, new_q: Mapping[str, Any] | None) -> list[str]:
    before = set((old_q or {}).get("warnings") or [])
    return [w for w in (new_q or {}).get("warnings") or [] if w not in before]
