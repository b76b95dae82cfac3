"""The experiments.yaml spec as frozen dataclasses: what every module past ``spec`` sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

OPS = (">=", ">", "<=", "<", "==")
VERDICTS = ("pass", "fail", "inconclusive")

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
class Criterion:
    """One success criterion: measured (metric/op/target) or manual (verdict/evidence)."""

    text: str
    metric: str | None = None
    op: str | None = None
    target: float | None = None
    manual: bool = False
    verdict: str | None = None
    evidence: str | None = None
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
    rows: tuple[ComparisonRow, ...] = ()


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
    line: int | None = None


@dataclass(frozen=True)
class Spec:
    """The whole experiments.yaml, with paths already resolved against its folder."""

    path: Path
    version: int
    root: Path
    timezone: str
    pricing: tuple[ModelPrice, ...]
    experiments: tuple[Experiment, ...]

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
