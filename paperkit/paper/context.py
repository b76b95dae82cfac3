"""What the paper says: the template context, from metrics and verdicts.

This module decides wording that depends on the data (why a criterion is inconclusive, what
the data does not prove); :mod:`paperkit.paper.costs` words the cost sections and
:mod:`paperkit.paper.render` decides how a number looks. results.json is
:mod:`paperkit.paper.results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from paperkit import __version__
from paperkit.logs.load import FILE_NAMES, Logs
from paperkit.logs.window import Window
from paperkit.measure.analytics import Analytics
from paperkit.measure.costs import NOT_COSTED, labels
from paperkit.measure.criteria import FAIL, INCONCLUSIVE, PASS, CriterionResult, level
from paperkit.measure.evidence import Measurement
from paperkit.measure.metrics import Metrics
from paperkit.measure.provenance import Source
from paperkit.measure.reconcile import Reconciliation
from paperkit.measure.reprice import Repriced
from paperkit.measure.series import Trends, failures_by_error
from paperkit.paper.analytics import analytics_context, analytics_gaps
from paperkit.paper.breakdowns import error_types, intervention_answers, intervention_summary
from paperkit.paper.claude_code import claude_dev, claude_prices
from paperkit.paper.comparison import comparison_flags, comparison_rows, reprice_lines
from paperkit.paper.costs import (
    comparison_result,
    comparison_source,
    cost_change,
    cost_notes,
    cost_rows,
    model_notes,
    model_rows,
    our_latency,
    prices,
    running_cost,
    running_reduction,
    total_basis,
    workflows_cost,
)
from paperkit.paper.criteria import (
    NOT_PROVED,
    Outcome,
    criterion_rows,
    outcome_lines,
    proves,
    unproven,
)
from paperkit.paper.quality import quality_context, quality_row, quality_unproven
from paperkit.paper.reconcile import reconciliation_context, reconciliation_gaps
from paperkit.paper.render import MISSING, num
from paperkit.paper.trends import figures
from paperkit.paper.wording import count, duration
from paperkit.prices.claude_code import ClaudePriceInfo
from paperkit.prices.pricing import ModelPriceInfo, genai_prices_version
from paperkit.prices.rates import Rates
from paperkit.spec.types import DEFAULT_CONFIDENCE, Experiment

WARNING_LIMIT = 50


@dataclass(frozen=True)
class PaperInputs:
    """Everything one paper is made from."""

    name: str
    exp: Experiment
    logs: Logs
    metrics: Metrics
    results: tuple[CriterionResult, ...]
    outcome: Outcome
    prices: tuple[ModelPriceInfo, ...]
    rates: Rates
    folder: str
    spec_name: str
    timezone: str
    window: Window | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    spec_sha: str | None = None
    repriced: tuple[Repriced, ...] = ()
    confidence: float = DEFAULT_CONFIDENCE
    reconciliation: Reconciliation | None = None
    claude_prices: tuple[ClaudePriceInfo, ...] = ()
    analytics: Analytics | None = None
    trends: Trends | None = None  # None when the spec turns charts off
    # What a later diff needs (results.json "samples"): every sampled metric over the whole
    # run, and each criterion's own measurement, percentiles at the comparison's confidence.
    samples: tuple[Measurement, ...] = ()
    criterion_samples: tuple[Measurement | None, ...] = ()


def _placeholder(name: str) -> Any:
    def placeholder(key: str) -> str:
        return f"_Not stated yet: add `{key}:` under `experiments.{name}` in experiments.yaml._"

    return placeholder


def _tracked(p: PaperInputs) -> list[dict[str, str]]:
    f, m, logs = p.logs.files, p.metrics.values, p.logs
    items = []
    if f["worker-ai.jsonl"].present:
        items.append(
            {
                "label": "Worker AI usage",
                "text": (
                    f"{count(int(m['ai.calls']), 'inference')} over "
                    f"{count(len(p.metrics.models), 'model')}: tokens, latency, success and cost "
                    "(worker-ai.jsonl)"
                    if m["ai.calls"]
                    else "no records (worker-ai.jsonl is empty)"
                ),
            }
        )
    if f["workflows.jsonl"].present:
        items.append(
            {
                "label": "Workflows executions",
                "text": (
                    f"{count(int(m['workflows.executions']), 'execution')}: steps, duration, "
                    "success and failures (workflows.jsonl)"
                    if m["workflows.executions"]
                    else "no records (workflows.jsonl is empty)"
                ),
            }
        )
    if f["cloudflare.jsonl"].present:
        counts = labels(logs.cloudflare["resource"], "unspecified resource").value_counts()
        listed = ", ".join(f"{r.upper()} {int(counts[r])}" for r in sorted(counts.index))
        items.append(
            {
                "label": "Cloudflare resources",
                "text": (
                    f"{count(len(logs.cloudflare), 'usage record')} ({listed}) (cloudflare.jsonl)"
                    if len(logs.cloudflare)
                    else "no records (cloudflare.jsonl is empty)"
                ),
            }
        )
    if f["cost-breakdown.jsonl"].present:
        items.append(
            {
                "label": "Daily cost breakdown",
                "text": (
                    f"{count(len(logs.cost_breakdown), 'record')}, with Claude Code cost "
                    "(cost-breakdown.jsonl)"
                    if len(logs.cost_breakdown)
                    else "no records (cost-breakdown.jsonl is empty)"
                ),
            }
        )
    if "claude-code.jsonl" in f:
        claude = p.metrics.values
        items.append(
            {
                "label": "Claude Code transcripts",
                "text": (
                    f"{num(claude['dev.claude_code.requests'])} API requests and "
                    f"{num(claude['dev.claude_code.prompts'])} prompts over "
                    f"{num(claude['dev.claude_code.sessions'])} sessions: tokens, tools, "
                    "errors and cost (claude-code.jsonl)"
                ),
            }
        )
    dev = [
        (n, name)
        for n, name in (
            ("prompts.jsonl", "prompt"),
            ("errors.log", "error"),
            ("interventions.log", "intervention"),
            ("log.md", "session"),
        )
        if f[n].present
    ]
    if dev:
        text = ", ".join(count(f[n].records, name) for n, name in dev)
        items.append({"label": "Development", "text": f"{text} ({', '.join(n for n, _ in dev)})"})
    missing = [n for n in FILE_NAMES if not f[n].present]
    if missing:
        items.append({"label": "Not tracked", "text": ", ".join(missing) + " (no file)"})
    return items


def _dev_items(values: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"label": "Iterations (prompts)", "text": num(values["dev.iterations"])},
        {
            "label": "Errors encountered",
            "text": (
                f"{num(values['dev.errors'])} "
                f"(fix time {duration(values['dev.error_fix_minutes'])})"
            ),
        },
        {
            "label": "Manual interventions",
            "text": (
                f"{num(values['dev.interventions'])} "
                f"(time {duration(values['dev.intervention_minutes'])})"
            ),
        },
        {
            "label": "Sessions",
            "text": (
                f"{num(values['dev.sessions'])} (time {duration(values['dev.session_minutes'])})"
            ),
        },
    ]


def _interventions(logs: Logs) -> list[dict[str, Any]]:
    items = []
    for rec in logs.interventions.sort_values(["timestamp", "line"]).to_dict("records"):
        items.append(
            {
                "title": rec["reason"] or rec["why_needed"] or "(no reason logged)",
                "iteration": num(rec["iteration"]),
                "what_happened": rec["why_needed"] or rec["reason"] or MISSING,
                "what_user_did": rec["what_user_did"] or MISSING,
                # The same style as every other duration ("2 h 0 min"); as written when
                # paperkit cannot read it (a warning says so).
                "time_cost": (
                    duration(rec["time_spent_min"])
                    if pd.notna(rec["time_spent_min"])
                    else rec["time_spent"] or MISSING
                ),
                "could_ai": rec["could_ai_have_done_this"] or "not logged",
                "learning": rec["learning"] or "not logged",
            }
        )
    return items


def _doesnt_prove(rows: list[dict[str, Any]], p: PaperInputs) -> list[dict[str, str]]:
    """Return What This Doesn't Prove: unproven criteria, cost gaps, lost lines, spec items.

    Each item is ``{"mark", "text"}``; every mark is ❌ but an inconclusive criterion's (⚠️).
    """
    lines: list[str] = []
    total = p.metrics.ai_total
    bound = p.metrics.bounds.get("cost.total_usd")
    if bound is not None:
        lines.append(f"The total cost: it is a lower bound, {bound.why}")
    if total is not None and total.basis.logged:
        lines.append(
            f"The cost of {count(total.basis.logged, 'call')} rests on the logged "
            "cost_estimate, not on a list price"
        )
    skipped = sum(s.skipped for s in p.logs.files.values())
    if skipped:
        lines.append(f"Anything about the {count(skipped, 'log line')} skipped (see Data Quality)")
    if p.reconciliation is not None:
        lines.extend(reconciliation_gaps(p.reconciliation, "cost-breakdown.jsonl"))
    if p.analytics is not None:
        lines.extend(analytics_gaps(p.analytics))
    lines.extend(quality_unproven(p.logs.quality))
    outside = sum(p.left_out.values())
    if outside:
        lines.append(
            f"Anything outside the window: {count(outside, 'record')} left out "
            f"({p.window.text if p.window else ''})"
        )
    lines.extend(p.exp.doesnt_prove)
    return unproven(rows) + [{"mark": NOT_PROVED, "text": line} for line in lines]


def _period(metrics: Metrics) -> str:
    if metrics.first_day is None or metrics.last_day is None:
        return "no dated records"
    days = metrics.values["days"]
    span = count(int(days), "day") if days is not None else "n/a"
    return f"{metrics.first_day.isoformat()} to {metrics.last_day.isoformat()}, {span}"


def _data_notes(logs: Logs) -> list[str]:
    notes = []
    if logs.files["cloudflare.jsonl"].present:
        skipped = int(logs.cloudflare["resource"].isin(NOT_COSTED).sum())
        if skipped:
            notes.append(
                f"Not costed: {count(skipped, 'cloudflare.jsonl record')} for Worker AI or "
                "Workflows, whose own logs (worker-ai.jsonl, workflows.jsonl) are the source."
            )
    return notes


def context(p: PaperInputs) -> dict[str, Any]:
    """Return the template context of one paper (documented in docs/templates.md)."""
    values = p.metrics.values
    rows = criterion_rows(p.results)
    models, ai_total = model_rows(p.metrics)
    units = values["units.count"]
    running = running_cost(p.metrics)
    comparison = p.exp.comparison
    verdicts = [r.verdict for r in p.results]
    plural = p.exp.unit.name + "s"
    return {
        "name": p.name,
        "exp": p.exp,
        "placeholder": _placeholder(p.name),
        "m": values,
        "criteria": rows,
        "proves": proves(rows),
        "doesnt_prove": _doesnt_prove(rows, p),
        "outcome": p.outcome.computed,
        "outcome_lines": outcome_lines(p.outcome),
        "outcome_explained": (
            f"Computed from {len(verdicts)} criteria: {verdicts.count(PASS)} passed, "
            f"{verdicts.count(FAIL)} failed, {verdicts.count(INCONCLUSIVE)} inconclusive."
        ),
        "tracked": _tracked(p),
        "sessions": p.logs.sessions,
        "dev_time": duration(values["dev.session_minutes"])
        + " (sum of session durations in log.md)",
        "period": _period(p.metrics),
        "timezone": p.timezone,
        "models": models,
        "ai_total": ai_total,
        "model_notes": model_notes(p.metrics),
        "workflow_failures": p.metrics.workflow_failures,
        "ai_failures": list(failures_by_error(p.logs.worker_ai)),
        "charts": figures(p.trends),
        "error_types": error_types(p.logs),
        "intervention_answers": intervention_answers(p.logs),
        "intervention_summary": intervention_summary(p.logs),
        "workflows_cost": workflows_cost(p.metrics),
        "unit_plural": plural,
        "unit_count_metric": p.exp.unit.count,
        "cost_rows": cost_rows(p.metrics, units),
        "total_basis": total_basis(running),
        "cost_lower_bound": "cost.total_usd" in p.metrics.bounds,
        "running_per_1k": running.per_1k,
        "running_lower_bound": running.basis.lower_bound,
        "running_reduction": running_reduction(running, comparison),
        "cost_change": cost_change,
        "cost_notes": cost_notes(running, p.metrics.dev_days_missing),
        "cost_missing_reason": (
            f"no {plural} were counted ({p.exp.unit.count} has no data)"
            if not units
            else "no cost data"
        ),
        "comparison": comparison,
        "our_latency": our_latency(comparison, values) if comparison else MISSING,
        "comparison_result": comparison_result(values, comparison),
        "comparison_source": comparison_source(comparison),
        "comparison_rows": (
            comparison_rows(comparison, p.exp, values, running) if comparison else []
        ),
        "comparison_quality": (
            quality_row(comparison, p.logs.quality, p.confidence) if comparison else None
        ),
        "quality": quality_context(
            p.logs.quality, p.logs.files["quality.jsonl"].present, p.confidence
        ),
        "comparison_flags": comparison_flags(comparison, p.exp, running) if comparison else [],
        "reprice_lines": reprice_lines(list(p.repriced)),
        "confidence": level(p.confidence),
        "window": p.window.text if p.window else None,
        "left_out": p.left_out,
        "sources": [
            {
                "name": src.name,
                "records": num(src.records) if src.records is not None else MISSING,
                "sha256": src.sha256 or "missing",
            }
            for src in p.sources
        ],
        "spec_sha": p.spec_sha or "missing",
        "reconciliation": (
            reconciliation_context(p.reconciliation) if p.reconciliation is not None else None
        ),
        "analytics": analytics_context(p.analytics) if p.analytics is not None else None,
        "dev_items": _dev_items(values),
        "claude_dev": claude_dev(p.metrics, p.logs),
        "interventions": _interventions(p.logs),
        "files": p.logs.files,
        "file_rows": [_file_row(p.logs, n) for n in _read_files(p.logs)],
        "warnings": [str(w) for w in p.logs.warnings],
        "warning_limit": WARNING_LIMIT,
        "data_notes": _data_notes(p.logs),
        "prices": prices(p.prices, p.logs, p.rates) + claude_prices(p.claude_prices),
        "paperkit_version": __version__,
        "genai_prices_version": genai_prices_version(),
        "folder": p.folder,
        "spec_name": p.spec_name,
    }


def _read_files(logs: Logs) -> list[str]:
    """Return the files of the Data Quality table: the fixed ones, then claude-code.jsonl
    when it exists (an optional file, listed only when present)."""
    return [*FILE_NAMES, *(name for name in logs.files if name not in FILE_NAMES)]


def _file_row(logs: Logs, name: str) -> dict[str, str]:
    stats = logs.files[name]
    if not stats.present:
        return {
            "name": name,
            "lines": "missing",
            "records": "-",
            "skipped": "-",
            "repeated": "-",
        }
    return {
        "name": name,
        "lines": f"{stats.lines:,}",
        "records": f"{stats.records:,}",
        "skipped": f"{stats.skipped:,}",
        "repeated": f"{stats.repeated + stats.duplicates:,}",
    }
