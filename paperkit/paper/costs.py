"""The paper's cost wording: the Worker AI table, the cost breakdown, the comparison, the prices.

Like :mod:`paperkit.paper.context`, this decides wording that depends on the data: how each cost was
obtained (priced, logged, unpriced) and whether a total is only a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from paperkit.logs.load import Logs
from paperkit.measure.costs import Basis
from paperkit.measure.metrics import Metrics, latency_seconds
from paperkit.paper.render import MISSING, num, pct, usd
from paperkit.paper.wording import count
from paperkit.prices.pricing import ModelPriceInfo
from paperkit.prices.rates import FIELD_WORDS, Rates
from paperkit.spec.types import Comparison


@dataclass(frozen=True)
class RunningCost:
    """The cost lines other than Claude Code's, whose cost is development, not running.

    ``basis`` counts how their records were costed, all lines together; ``per_1k`` is their
    known cost per 1,000 units, None without a Claude Code line (it would equal the total),
    without a known cost or without units; ``dev_days`` counts the days of Claude Code cost
    in cost-breakdown.jsonl (0 without a Claude Code line, or with one priced from
    claude-code.jsonl, whose requests ``dev_basis`` counts).
    """

    basis: Basis
    per_1k: float | None
    dev_days: int
    dev_basis: Basis = Basis()  # of a Claude Code line priced from claude-code.jsonl

    @property
    def has_dev(self) -> bool:
        """True when there is a Claude Code line, logged per day or priced per request."""
        return bool(self.dev_days or self.dev_basis.priced or self.dev_basis.unpriced)

    @property
    def lower_bound(self) -> bool:
        """True when the total leaves something out: an unpriced record (Claude Code's
        included) or a Workflows execution charged its invocation only."""
        return bool(self.basis.lower_bound or self.dev_basis.unpriced)


def _basis_text(basis: Basis, priced_word: str, logged_word: str = "logged cost_estimate") -> str:
    parts = [
        (basis.priced - basis.partial, priced_word),
        (basis.partial, "invocation only (no cpu_ms)"),
        (basis.logged, logged_word),
        (basis.unpriced, "unpriced"),
    ]
    present = [f"{n:,} {word}" for n, word in parts if n]
    return ", ".join(present) if present else "no records"


def cost_cell(usd_value: float | None, basis: Basis) -> str:
    """Return a cost as a table cell: "≥ $1.23 (partly logged; 4 unpriced)", "unpriced", n/a."""
    if usd_value is None:
        return "unpriced" if basis.unpriced else MISSING
    text = usd(usd_value)
    marks = []
    if basis.logged:
        marks.append("logged" if not basis.priced else "partly logged")
    if basis.unpriced:
        marks.append(f"{basis.unpriced:,} unpriced")
    if basis.partial:
        marks.append(f"{basis.partial:,} without cpu_ms")
    if basis.lower_bound:
        text = f"≥ {text}"
    return f"{text} ({'; '.join(marks)})" if marks else text


def model_rows(metrics: Metrics) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Return the Worker AI table: one row per model, and the total row (None without calls)."""

    def row(m: Any) -> dict[str, Any]:
        return {
            "label": m.model,
            "calls": m.calls,
            "tokens_in": m.input_tokens_mean,
            "tokens_out": m.output_tokens_mean,
            "latency_mean": m.latency_ms_mean,
            "latency_p95": m.latency_ms_p95,
            "success_rate": m.success_rate,
            "cost": cost_cell(m.cost_usd, m.basis),
        }

    total = row(metrics.ai_total) if metrics.ai_total else None
    return [row(m) for m in metrics.models], total


def workflows_cost(metrics: Metrics) -> str:
    """Return the Workflows cost cell, e.g. "$0.5502 (partly logged)", or n/a without it."""
    line = next((line for line in metrics.cost_lines if line.label == "Workflows"), None)
    return cost_cell(line.usd, line.basis) if line else MISSING


def model_notes(metrics: Metrics) -> list[str]:
    """Return the notes under the Worker AI table: the cost formula, logged and unpriced calls."""
    notes = [
        "Cost = input tokens × input price + output tokens × output price, at the model's "
        "price at the time of the call (see Prices Used)."
    ]
    total = metrics.ai_total
    if total is None:
        return notes
    if total.basis.logged:
        notes.append(
            "(logged): costed at their own logged `cost_estimate`, not at a list price: "
            f"{count(total.basis.logged, 'call')} with no price."
        )
    if total.basis.unpriced:
        notes.append(
            "**Lower bound:** left out of every cost total: "
            f"{count(total.basis.unpriced, 'call')} with neither a price nor a logged cost."
        )
    return [n + "\n" if i < len(notes) - 1 else n for i, n in enumerate(notes)]


def cost_rows(metrics: Metrics, units: float | None) -> list[dict[str, Any]]:
    """Return the Cost Breakdown rows (none without units): cost per 1K units, share, basis."""
    total = metrics.values["cost.total_usd"]
    rows = []
    for line in metrics.cost_lines:
        if units is None or not units:
            break
        per_1k = None if line.usd is None else line.usd / units * 1000.0
        share = None if line.usd is None or not total else line.usd / float(total)
        basis = (
            f"{count(line.basis.logged, 'day')} in cost-breakdown.jsonl"
            if line.development and line.basis.logged
            else _basis_text(line.basis, line.priced_by)
        )
        lower = line.basis.lower_bound
        row = {"label": line.label, "per_1k": per_1k, "share": share, "basis": basis}
        rows.append({**row, "lower": lower})
    return rows


def running_cost(metrics: Metrics) -> RunningCost:
    """Return the running cost: every cost line but Claude Code's, per 1,000 units."""
    units = metrics.values["units.count"]
    basis = Basis()
    running: list[float] = []
    dev_days = 0
    dev_basis = Basis()
    for line in metrics.cost_lines:
        if line.development:
            if line.basis.logged:
                dev_days = line.basis.logged
            else:
                dev_basis = line.basis
            continue
        basis = basis + line.basis
        if line.usd is not None:
            running.append(line.usd)
    per_1k = sum(running) / units * 1000.0 if running and units else None
    result = RunningCost(basis, None, dev_days, dev_basis)
    return RunningCost(basis, per_1k if result.has_dev else None, dev_days, dev_basis)


def total_basis(running: RunningCost) -> str:
    """Return how the total's records were costed, e.g. "540 priced, 6 days of Claude Code cost"."""
    text = _basis_text(running.basis, "priced")
    if running.dev_days:
        return text + f", {count(running.dev_days, 'day')} of Claude Code cost"
    if running.has_dev:
        return text + ", " + _basis_text(running.dev_basis, "Claude Code requests priced")
    return text


def running_reduction(running: RunningCost, comparison: Comparison | None) -> float | None:
    """Return the running cost's reduction against the comparison's cost per 1K units, or None."""
    if running.per_1k is None or not comparison or not comparison.cost_per_1k_units_usd:
        return None
    return 1.0 - running.per_1k / comparison.cost_per_1k_units_usd


def cost_notes(running: RunningCost, dev_days_missing: tuple[date, ...] = ()) -> list[str]:
    """Return the lower-bound notes under the cost table: unpriced records, Claude Code gaps."""
    notes = []
    if running.basis.unpriced:
        notes.append(
            "\n**Lower bound:** left out of these costs: "
            f"{count(running.basis.unpriced, 'unpriced record')}."
        )
    if running.basis.partial:
        notes.append(
            "\n**Lower bound:** "
            f"{count(running.basis.partial, 'Workflows execution')} without cpu_ms "
            f"{'is' if running.basis.partial == 1 else 'are'} charged the invocation price "
            "only; their CPU time is left out."
        )
    if running.dev_basis.unpriced:
        notes.append(
            "\n**Lower bound:** left out of these costs: "
            + count(running.dev_basis.unpriced, "unpriced Claude Code request")
            + " (their models have no known price)."
        )
    if dev_days_missing:
        listed = ", ".join(day.isoformat() for day in dev_days_missing)
        notes.append(
            "\n**Lower bound:** no Claude Code cost is recorded in cost-breakdown.jsonl for "
            f"{count(len(dev_days_missing), 'day')} with usage ({listed}), so the total, the "
            "cost per unit and everything that includes development cost leave it out."
        )
    return notes


def cost_change(reduction: float) -> str:
    """Word a cost reduction (a fraction; negative means dearer): "93.8% cost reduction"."""
    if reduction >= 0:
        return f"{pct(reduction)} cost reduction"
    return f"{pct(-reduction)} cost increase"


def comparison_result(values: dict[str, Any], comparison: Comparison | None = None) -> str:
    """Return the comparison's result: "1208.7% cost increase, 363% higher latency".

    A figure of 0 on the other side is known: there is no ratio to it, but the difference
    is said as such rather than called unknown.
    """
    reduction = values["comparison.cost_reduction"]
    ratio = values["comparison.latency_ratio"]
    ours = values["cost.per_1k_units_usd"]
    theirs = comparison.cost_per_1k_units_usd if comparison else None
    if reduction is not None:
        parts = [cost_change(reduction)]
    elif theirs == 0 and ours is not None:
        parts = [f"the other stack costs $0 per 1K units, this one {usd(ours)} (no ratio to $0)"]
    else:
        parts = ["cost difference unknown (no cost per 1K units on one side)"]
    ours_s = latency_seconds(values, comparison.latency_metric) if comparison else None
    if ratio is None and comparison is not None and comparison.latency_s == 0 and ours_s:
        parts.append(f"the other stack's latency is 0 s, this one's {num(ours_s, 2)} s")
    elif ratio is None:
        parts.append("latency difference unknown")
    elif ratio >= 1:
        parts.append(f"{pct(ratio - 1, 0)} higher latency")
    else:
        parts.append(f"{pct(1 - ratio, 0)} lower latency")
    return ", ".join(parts)


def our_latency(comparison: Comparison, values: dict[str, Any]) -> str:
    """Return this stack's latency in seconds and the metric it comes from."""
    seconds = latency_seconds(values, comparison.latency_metric)
    if seconds is None:
        return f"no data ({comparison.latency_metric})"
    return f"{num(seconds, 1)} s ({comparison.latency_metric})"


def comparison_source(comparison: Comparison | None) -> str:
    """Return where the comparison's figures come from, or a warning that nobody said."""
    if not comparison:
        return ""
    if comparison.source:
        return f"Figures for {comparison.name}: {comparison.source}."
    return (
        f"**No source given** for the {comparison.name} figures: they are hand-entered "
        "and unchecked."
    )


def prices(infos: tuple[ModelPriceInfo, ...], logs: Logs, rates: Rates) -> list[dict[str, str]]:
    """Return the Prices Used table: each model's price, then each list-priced service's."""
    rows = []
    for info in infos:
        if info.input_per_mtok is None:
            price = "no price"
            source = (
                "not in the price data nor experiments.yaml: calls use their logged "
                "cost_estimate, or are unpriced without one"
            )
        else:
            price = f"in {usd(info.input_per_mtok, 3)}"
            if info.output_per_mtok is None:
                price += " per M tokens; no output price"
            else:
                price += f", out {usd(info.output_per_mtok, 3)} per M tokens"
            source = info.source + (" (price changed during the period)" if info.varies else "")
        rows.append({"item": info.model, "price": price, "source": source})
    f = logs.files
    services = []
    if f["workflows.jsonl"].present:
        services.append(("Workflows", "workflows", "per M invocations", "per M CPU-ms"))
    resources = (
        set(logs.cloudflare["resource"].dropna()) if f["cloudflare.jsonl"].present else set()
    )
    for key, label in (("d1", "D1"), ("kv", "KV"), ("r2", "R2")):
        if key in resources:
            services.append((label, key, "", ""))
    for label, key, *_ in services:
        rate = rates[key]
        price = ", ".join(
            f"{usd(v, 3)} per M {FIELD_WORDS[field]}" for field, v in rate.per_m.items()
        )
        rows.append({"item": label, "price": price, "source": rate.source})
    return rows
