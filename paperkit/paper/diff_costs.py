"""The costs side of ``paperkit diff``: the cost per unit and running cost per unit, and bounds.

A cost with unpriced records left out is only a lower bound; its change is then not known, and
the report says so rather than subtract two bounds (:mod:`paperkit.paper.diff_results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paperkit.measure.differences import Difference
from paperkit.paper.wording import count


@dataclass(frozen=True)
class CostChange:
    """A cost per unit before and after, with how each side's cost was obtained."""

    label: str
    difference: Difference
    basis_old: str
    basis_new: str


def lower_bounds(doc: Mapping[str, Any]) -> set[str]:
    """Return the cost metrics of a results.json that are only lower bounds.

    A results.json names them under ``bounds`` (unpriced records, Workflows runs without
    ``cpu_ms``, days or requests of Claude Code without a cost). For an older one without it:
    unpriced Workers AI calls make the Worker AI cost and every total built on it a lower
    bound, and any unpriced usage record (``costs.lower_bound``) makes the totals one.
    """
    bounds = doc.get("bounds")
    if isinstance(bounds, Mapping):  # results.json says which values are bounds, and of which side
        return {
            name
            for name, b in bounds.items()
            if isinstance(b, Mapping) and b.get("side") == "lower"
        }
    # An older results.json without ``bounds``: what its counts tell.
    metrics, costs = doc.get("metrics") or {}, doc.get("costs") or {}
    found = set()
    if metrics.get("ai.unpriced_calls"):
        found |= {"ai.cost_usd", "cost.worker_ai_usd"}
    if metrics.get("ai.unpriced_calls") or costs.get("lower_bound"):
        found |= {
            "cost.total_usd",
            "cost.per_unit_usd",
            "cost.per_1k_units_usd",
            "cost.running_per_unit_usd",
        }
    return found


def costs(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[CostChange, ...]:
    """Return the cost per unit and the running cost per unit, each with both sides' basis."""
    costs_old, costs_new = old.get("costs") or {}, new.get("costs") or {}
    unit = costs_new.get("unit") or costs_old.get("unit") or "unit"
    per_old = costs_old.get("per_unit_usd", (old.get("metrics") or {}).get("cost.per_unit_usd"))
    per_new = costs_new.get("per_unit_usd", (new.get("metrics") or {}).get("cost.per_unit_usd"))
    lower_old, lower_new = lower_bounds(old), lower_bounds(new)

    def cost(name: str, a: float | None, b: float | None) -> Difference:
        return Difference(name, a, b, lower_old=name in lower_old, lower_new=name in lower_new)

    return (
        CostChange(
            f"Cost per {unit}",
            cost("cost.per_unit_usd", per_old, per_new),
            _basis(costs_old, development=True),
            _basis(costs_new, development=True),
        ),
        CostChange(
            f"Running cost per {unit} (without development)",
            cost(
                "cost.running_per_unit_usd",
                costs_old.get("running_per_unit_usd"),
                costs_new.get("running_per_unit_usd"),
            ),
            _basis(costs_old, development=False),
            _basis(costs_new, development=False),
        ),
    )


def _basis(costs: Mapping[str, Any], *, development: bool) -> str:
    """Word how a cost was obtained: "540 priced, 25 logged, 6 days of Claude Code cost"."""
    basis = costs.get("basis")
    if not basis:
        return "basis unknown (older results.json)"
    parts = [
        f"{basis[key]:,} {word}"
        for key, word in (("priced", "priced"), ("logged", "logged"), ("unpriced", "unpriced"))
        if basis.get(key)
    ]
    if development and basis.get("development_days"):
        parts.append(f"{count(basis['development_days'], 'day')} of Claude Code cost")
    text = ", ".join(parts) if parts else "no records"
    return f"{text}; lower bound" if costs.get("lower_bound") else text
