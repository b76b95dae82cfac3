"""What each resource cost over the period, and how each cost was obtained.

One :class:`CostLine` per resource (Worker AI per operation, Workflows, D1/KV/R2 and any other
``cloudflare.jsonl`` resource, Claude Code). Its :class:`Basis` counts the records priced, taken
from their logged estimate, or left unpriced, so the paper can say when a total is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from paperkit.measure.stats import sum_known
from paperkit.prices.pricing import INVOCATION_ONLY, LIST_PRICE, LOGGED, PRICE_DATA, SPEC, UNPRICED

# cloudflare.jsonl resources that have their own log file, and so are not costed from it.
NOT_COSTED = ("worker_ai", "workers_ai", "workflows")
DEV_LABEL = "Claude Code (development)"
_RESOURCE_LABELS = {"d1": "D1", "kv": "KV", "r2": "R2"}
_DATE = r"\d{4}-\d{2}-\d{2}"
LOWER, UPPER = "lower", "upper"


@dataclass(frozen=True)
class Basis:
    """How a cost was obtained: counts of records priced, taken from logs, or left unpriced.

    ``partial`` counts those of the priced records whose price is only a lower bound (a
    Workflows execution without ``cpu_ms``, charged its invocation only).
    """

    priced: int = 0
    logged: int = 0
    unpriced: int = 0
    partial: int = 0

    def __add__(self, other: Basis) -> Basis:
        return Basis(
            self.priced + other.priced,
            self.logged + other.logged,
            self.unpriced + other.unpriced,
            self.partial + other.partial,
        )

    @property
    def lower_bound(self) -> bool:
        """True when the cost leaves something out: unpriced records, or partial prices."""
        return bool(self.unpriced or self.partial)


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
    """Return text labels with missing and blank values replaced by ``missing``.

    Each distinct value is labelled once and the labels are shared, so a million records of a
    few operations cost a million pointers, not a million strings.
    """
    codes, distinct = pd.factorize(series.to_numpy(dtype=object))
    named = [str(value).strip() or missing for value in distinct]
    shared = np.array([*named, missing], dtype=object)  # code -1, a missing value, is last
    return pd.Series(shared[codes], index=series.index, dtype=object)


def basis_of(sources: pd.Series) -> Basis:
    """Return the Basis of some records, from their ``cost_source`` column."""
    counts = sources.value_counts()
    partial = int(counts.get(INVOCATION_ONLY, 0))
    priced = sum(int(counts.get(s, 0)) for s in (PRICE_DATA, SPEC, LIST_PRICE)) + partial
    return Basis(priced, int(counts.get(LOGGED, 0)), int(counts.get(UNPRICED, 0)), partial)


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
            mine = (operations == op).to_numpy(dtype=bool)  # two columns, not every record
            basis = basis_of(ai["cost_source"][mine])
            total = sum_known(ai["cost_usd"][mine])
            lines.append(CostLine(f"Worker AI ({op})", total, basis, "token prices"))
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


@dataclass(frozen=True)
class Bound:
    """A value that is only a bound on the truth, which side it bounds, and why.

    ``side`` is "lower" (the true value may be higher: a cost that leaves records out) or
    "upper" (it may be lower: a cost reduction computed from such a cost). ``why`` says what
    was left out: "15 records unpriced, 2 days without Claude Code cost".
    """

    side: str
    why: str

    def __str__(self) -> str:
        return f"{self.side} bound: {self.why}"


def bound_reason(records: int, days: int = 0, partial: int = 0, requests: int = 0) -> str | None:
    """Return what a total leaves out ("15 records unpriced, 1 day without Claude Code cost").

    ``requests`` counts Claude Code requests of claude-code.jsonl that have no price.
    """
    parts = []
    if records:
        parts.append(f"{records:,} record{'' if records == 1 else 's'} unpriced")
    if partial:
        noun = "record" if partial == 1 else "records"
        parts.append(f"{partial:,} {noun} without cpu_ms (invocation price only)")
    if days:
        parts.append(f"{days:,} day{'' if days == 1 else 's'} without Claude Code cost")
    if requests:
        noun = "request" if requests == 1 else "requests"
        parts.append(f"{requests:,} Claude Code {noun} unpriced")
    return ", ".join(parts) or None


def cost_bounds(lines: tuple[CostLine, ...], dev_days_missing: int) -> dict[str, Bound]:
    """Return the cost metrics that are only bounds, each with why (docs/metrics.md).

    A cost leaving out unpriced records is a lower bound, as is every total that includes
    development cost while some day of usage has no Claude Code cost recorded; the comparison's
    cost reduction, computed from such a cost, is then an upper bound.
    """

    def left_out(*prefixes: str) -> str | None:
        picked = [
            line.basis
            for line in lines
            if not line.development
            and any(line.label == p or line.label.startswith(f"{p} (") for p in prefixes)
        ]
        basis = sum(picked, Basis())
        return bound_reason(basis.unpriced, 0, basis.partial)

    bounds: dict[str, Bound] = {}

    def put(names: tuple[str, ...], why: str | None, side: str = LOWER) -> None:
        if why is not None:
            bounds.update(dict.fromkeys(names, Bound(side, why)))

    put(("ai.cost_usd", "cost.worker_ai_usd"), left_out("Worker AI"))
    put(("workflows.cost_usd", "cost.workflows_usd"), left_out("Workflows"))
    for label in ("D1", "KV", "R2"):
        put((f"cost.{label.lower()}_usd",), left_out(label))
    # Development from claude-code.jsonl leaves out its unpriced requests; from
    # cost-breakdown.jsonl, the days without a claude_code_cost.
    requests = sum(line.basis.unpriced for line in lines if line.development)
    put(("cost.claude_code_usd",), bound_reason(0, dev_days_missing, 0, requests))
    put(
        ("dev.claude_code.cost_usd", "dev.claude_code.cost_per_session_usd"),
        bound_reason(0, 0, 0, requests),
    )
    running = sum((line.basis for line in lines if not line.development), Basis())
    put(("cost.running_per_unit_usd",), bound_reason(running.unpriced, 0, running.partial))
    total = bound_reason(running.unpriced, dev_days_missing, running.partial, requests)
    put(("cost.total_usd", "cost.per_unit_usd", "cost.per_1k_units_usd"), total)
    put(("comparison.cost_reduction",), total, UPPER)
    return bounds


def record_days(frame: pd.DataFrame, timezone: str) -> pd.Series:
    """Return the day of each ``cost-breakdown.jsonl`` record: what ``--write`` replaces.

    ``period`` when it is a date (``2025-01-14``); otherwise (absent, or ``day_1`` as the
    methodology writes it) the day of ``timestamp`` in ``timezone``.
    """
    text = frame["period"].astype(object).where(frame["period"].notna(), "").astype(str)
    written = text.str.strip().where(text.str.strip().str.fullmatch(_DATE), None)
    as_date = pd.to_datetime(written, format="%Y-%m-%d", errors="coerce")
    local = frame["timestamp"].dt.tz_convert(timezone).dt.date
    days = np.where(as_date.notna(), as_date.dt.date, local)
    return pd.Series(days, index=frame.index, dtype=object)


def local_days(stamps: pd.Series, timezone: str) -> np.ndarray:
    """Return each UTC timestamp's calendar day in ``timezone`` (``datetime64[D]``, NaT for
    a missing one): whole days group and compare fast, and become ``date``s only at the end."""
    local = stamps.dt.tz_convert(timezone).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def days_without_claude_code(
    ai: pd.DataFrame, wf: pd.DataFrame, cf: pd.DataFrame, cb: pd.DataFrame, timezone: str
) -> tuple[date, ...]:
    """Return the days with usage records but no Claude Code cost, as ``paperkit costs`` sees them.

    Only when some day has a Claude Code cost: an experiment that records none has no
    development line to be incomplete (its paper shows running costs only).
    """
    if not len(cb) or not cb["claude_code_cost"].notna().any():
        return ()
    costed = ~labels(cf["resource"], "unspecified resource").isin(NOT_COSTED)
    stamps = [frame["timestamp"] for frame in (ai, wf, cf[costed]) if len(frame)]
    used = set()
    for stamp in stamps:
        # The distinct local days first, then a date for each: not a date object per record.
        days = local_days(stamp, timezone)
        used.update(np.unique(days[~np.isnat(days)]).astype(object))
    recorded = set(record_days(cb, timezone)[cb["claude_code_cost"].notna()])
    return tuple(sorted(used - recorded))
