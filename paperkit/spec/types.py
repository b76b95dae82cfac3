"""The experiments.yaml spec as frozen dataclasses: what every module past ``spec`` sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

OPS = (">=", ">", "<=", "<", "==")
VERDICTS = ("pass", "fail", "inconclusive")
OUTCOMES = (
    "Validated",
    "Validated with caveats",
    "Partially validated",
    "Refuted",
    "Inconclusive",
)
DEFAULT_CONFIDENCE = 0.95
DEFAULT_MIN_N = 30
DEFAULT_RECONCILE_TOLERANCE = 0.05

# What ``where:`` may restrict, and the metric family each key applies to.
SCOPES = {"model": "ai.", "operation": "ai.", "workflow_name": "workflows."}

# Metrics that can be counted per record, and so per day: the allowed values of unit.count.
UNIT_COUNTS = ("workflows.executions", "workflows.succeeded", "ai.calls", "ai.succeeded")

# Metrics a comparison may use as "our latency" (ms ones are converted to seconds).
LATENCY_METRICS = (
    "workflows.duration_s.mean",
    "workflows.duration_s.p50",
    "workflows.duration_s.p95",
    "ai.latency_ms.mean",
    "ai.latency_ms.p50",
    "ai.latency_ms.p95",
    "ai.latency_ms.p99",
)


@dataclass(frozen=True)
class ModelPrice:
    """A spec override of one model's token prices (USD per million tokens)."""

    model: str
    input_per_mtok: float
    output_per_mtok: float
    source: str
    line: int | None = None


@dataclass(frozen=True)
class Unit:
    """What "per 1,000" counts: a name for the paper and the metric that counts it."""

    name: str = "document"
    count: str = "workflows.executions"


@dataclass(frozen=True)
class Scope:
    """A ``where:`` restriction: each key lists the values a record must have (any of them)."""

    model: tuple[str, ...] = ()
    operation: tuple[str, ...] = ()
    workflow_name: tuple[str, ...] = ()
    line: int | None = None

    def items(self) -> list[tuple[str, tuple[str, ...]]]:
        """Return the (column, allowed values) pairs that are set, in a fixed order."""
        return [(key, getattr(self, key)) for key in SCOPES if getattr(self, key)]

    def describe(self) -> str:
        """Return the scope as the paper words it: "model = a, operation = b or c"."""
        return ", ".join(f"{key} = {' or '.join(values)}" for key, values in self.items())


@dataclass(frozen=True)
class Criterion:
    """One success criterion: measured (metric/op/target) or manual (verdict/evidence).

    ``confidence`` None means the spec's; ``interval`` False judges the point value alone.
    """

    text: str
    metric: str | None = None
    op: str | None = None
    target: float | None = None
    manual: bool = False
    verdict: str | None = None
    evidence: str | None = None
    where: Scope | None = None
    confidence: float | None = None
    min_n: int = DEFAULT_MIN_N
    interval: bool = True
    line: int | None = None


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class Comparison:
    """The stack the experiment would otherwise use, as hand-entered figures with a source."""

    name: str
    source: str | None = None
    cost_per_1k_units_usd: float | None = None
    latency_s: float | None = None
    latency_metric: str = "workflows.duration_s.mean"
    unit: str | None = None
    reprice: tuple[Reprice, ...] = ()
    rows: tuple[ComparisonRow, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Reprice:
    """Price our own token counts of ``model`` at another stack's ``provider``:``target`` model."""

    model: str
    provider: str
    target: str
    line: int | None = None


@dataclass(frozen=True)
class DeclaredOutcome:
    """The outcome the authors declare; shown only beside the computed one."""

    verdict: str
    reason: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Billing:
    """How ``paperkit costs`` bills: list prices, or with the plan's free allowances taken off."""

    plan: str = "paid"
    apply_allowances: bool = False


@dataclass(frozen=True)
class Highlight:
    title: str
    text: str


@dataclass(frozen=True)
class Experiment:
    """One experiment's statement. ``declared`` is False for a folder with no spec entry."""

    name: str
    declared: bool = True
    number: int | None = None
    title: str | None = None
    problem: str | None = None
    hypothesis: str | None = None
    why_it_matters: str | None = None
    unit: Unit = field(default_factory=Unit)
    criteria: tuple[Criterion, ...] = ()
    comparison: Comparison | None = None
    did_well: tuple[Highlight, ...] = ()
    when_to_use: tuple[str, ...] = ()
    when_not_to_use: tuple[str, ...] = ()
    doesnt_prove: tuple[str, ...] = ()
    key_learning: str | None = None
    next_experiment: str | None = None
    # The window: a date (whole day, in the spec's time zone) or a date and time (naive ones
    # are read in the spec's time zone); ``end`` is inclusive of a whole date.
    start: date | datetime | None = None
    end: date | datetime | None = None
    outcome: DeclaredOutcome | None = None
    line: int | None = None
    end_line: int | None = None


@dataclass(frozen=True)
class Spec:
    """The whole experiments.yaml, with paths already resolved against its folder."""

    path: Path
    version: int
    root: Path
    timezone: str
    pricing: tuple[ModelPrice, ...]
    experiments: tuple[Experiment, ...]
    confidence: float = DEFAULT_CONFIDENCE
    reconcile_tolerance: float = DEFAULT_RECONCILE_TOLERANCE
    billing: Billing = field(default_factory=Billing)

    def experiment(self, name: str) -> Experiment | None:
        """The declared experiment called ``name``, or None."""
        for exp in self.experiments:
            if exp.name == name:
                return exp
        return None

    def price_override(self, model: str) -> ModelPrice | None:
        """The spec's own price for ``model``, or None."""
        for price in self.pricing:
            if price.model == model:
                return price
        return None
