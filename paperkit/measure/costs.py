"""What each resource cost over the period, and how each cost was obtained.

One :class:`CostLine` per resource (Worker AI per operation, Workflows, D1/KV/R2 and any other
``cloudflare.jsonl`` resource, Claude Code). Its :class:`Basis` counts the records priced, taken
from their logged estimate, or left unpriced, so the paper can say when a total is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from paperkit.measure.stats import sum_known
from paperkit.prices.pricing import LIST_PRICE, LOGGED, PRICE_DATA, SPEC, UNPRICED

# cloudflare.jsonl resources that have their own log file, and so are not costed from it.
NOT_COSTED = ("worker_ai", "workers_ai", "workflows")
DEV_LABEL = "Claude Code (development)"
_RESOURCE_LABELS = {"d1": "D1", "kv": "KV", "r2": "R2"}


@dataclass(frozen=True)
class Basis:
    """How a cost was obtained: counts of records priced, taken from logs, or left unpriced."""

    priced: int = 0
    logged: int = 0
    unpriced: int = 0

    def __add__(self, other: Basis) -> Basis:
        return Basis(
            self.priced + other.priced, self.logged + other.logged, self.unpriced + other.unpriced
        )


@dataclass(frozen=True)
class CostLine:
    """One resource's cost over the whole period, e.g. ("Worker AI (summarization)", 1.23).

    ``priced_by`` names how its priced records were priced ("token prices", "list price");
    ``development`` marks the Claude Code line, which is not a running cost.
    """

    label: str
    usd: float | None
    basis: Basis
    priced_by: str
    development: bool = False


def labels(series: pd.Series, missing: str) -> pd.Series:
    """Return text labels with missing and blank values replaced by ``missing``."""
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    return text.where(text != "", missing)


def basis_of(sources: pd.Series) -> Basis:
    """Return the Basis of some records, from their ``cost_source`` column."""
    counts = sources.value_counts()
    priced = sum(int(counts.get(s, 0)) for s in (PRICE_DATA, SPEC, LIST_PRICE))
    return Basis(priced, int(counts.get(LOGGED, 0)), int(counts.get(UNPRICED, 0)))


def source_label(basis: Basis, priced_word: str) -> str:
    """Return one word for how a cost was obtained: ``priced_word``, logged, unpriced or mixed."""
    parts = [
        (basis.priced, priced_word),
        (basis.logged, "logged"),
        (basis.unpriced, "unpriced"),
    ]
    present = [(n, word) for n, word in parts if n]
    if len(present) == 1:
        return present[0][1]
    return "mixed" if present else "no data"


def cost_lines(
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    cf: pd.DataFrame,
    cb: pd.DataFrame,
    present: dict[str, bool],
    *,
    claude: pd.DataFrame | None = None,
) -> tuple[CostLine, ...]:
    """Return the cost lines of the Cost Breakdown, in the paper's order.

    ``ai``, ``wf`` and ``cf`` are the priced worker-ai, workflows and cloudflare frames, ``cb``
    the cost-breakdown frame, and ``present`` tells which log files exist. ``claude``, the
    priced requests of claude-code.jsonl, replaces the Claude Code cost cost-breakdown.jsonl
    records (which is then reconciled against it instead).
    """
    lines: list[CostLine] = []
    if present["worker-ai.jsonl"]:
        operations = labels(ai["operation"], "unspecified operation")
        for op in sorted(operations.unique()):
            calls = ai[operations == op]
            basis = basis_of(calls["cost_source"])
            lines.append(
                CostLine(f"Worker AI ({op})", sum_known(calls["cost_usd"]), basis, "token prices")
            )
    if present["workflows.jsonl"]:
        basis = basis_of(wf["cost_source"])
        lines.append(CostLine("Workflows", sum_known(wf["cost_usd"]), basis, "list price"))
    if present["cloudflare.jsonl"]:
        # worker_ai/workflows records here would double-count their own files: not costed.
        resources = labels(cf["resource"], "unspecified resource")
        others = sorted(set(resources) - {"d1", "kv", "r2", *NOT_COSTED})
        for resource in ["d1", "kv", "r2", *others]:
            records = cf[resources == resource]
            if len(records):
                basis = basis_of(records["cost_source"])
                label = _RESOURCE_LABELS.get(resource, resource)
                lines.append(CostLine(label, sum_known(records["cost_usd"]), basis, "list price"))
    if claude is not None:
        basis = basis_of(claude["cost_source"])
        usd = sum_known(claude["cost_usd"])
        lines.append(
            CostLine(DEV_LABEL, usd, basis, "Claude Code requests priced", development=True)
        )
        return tuple(lines)
    logged = cb["claude_code_cost"] if present["cost-breakdown.jsonl"] else pd.Series(dtype=float)
    if logged.notna().any():
        basis = Basis(logged=int(logged.notna().sum()))
        lines.append(CostLine(DEV_LABEL, sum_known(logged), basis, "", development=True))
    return tuple(lines)


def resource_cost(lines: tuple[CostLine, ...], prefix: str) -> float | None:
    """Return the known cost of the lines labelled ``prefix`` or ``prefix (…)``, or None."""
    picked = [
        line.usd
        for line in lines
        if (line.label == prefix or line.label.startswith(f"{prefix} (")) and line.usd is not None
    ]
    return float(sum(picked)) if picked else None
