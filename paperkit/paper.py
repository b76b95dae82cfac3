"""What the paper says: the template context and results.json, from metrics and verdicts.

This module decides wording that depends on the data (how a cost was obtained, why a
criterion is inconclusive); :mod:`paperkit.render` decides how a number looks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from . import __version__
from .catalogue import INTEGER_METRICS
from .criteria import FAIL, INCONCLUSIVE, PASS, CriterionResult
from .logs import FILE_NAMES, Logs
from .metrics import NOT_COSTED, Basis, Metrics, _labels, latency_seconds
from .pricing import ModelPriceInfo, genai_prices_version
from .rates import Rates
from .render import MISSING, num, pct, usd
from .spec_types import Experiment

WARNING_LIMIT = 50
_FIELD_WORDS = {
    "invocation": "invocations",
    "cpu_ms": "CPU-ms",
    "rows_read": "rows read",
    "rows_written": "rows written",
    "reads": "reads",
    "writes": "writes",
    "deletes": "deletes",
    "lists": "lists",
    "class_a_ops": "Class A operations",
    "class_b_ops": "Class B operations",
}
_VERDICT_LABELS = {PASS: "✅ pass", FAIL: "❌ fail", INCONCLUSIVE: "⚠️ inconclusive"}


@dataclass(frozen=True)
class PaperInputs:
    """Everything one paper is made from."""

    name: str
    exp: Experiment
    logs: Logs
    metrics: Metrics
    results: tuple[CriterionResult, ...]
    outcome: str
    prices: tuple[ModelPriceInfo, ...]
    rates: Rates
    folder: str
    spec_name: str
    timezone: str


def format_metric(metric: str, value: float | int | None) -> str:
    """Return ``value`` formatted the way the paper shows ``metric`` (rates as %, USD, ms, s)."""
    if value is None:
        return "no data"
    if metric.endswith(("success_rate", "cost_reduction")):
        return pct(value)
    if metric.endswith("_usd"):
        return usd(value)
    if "latency_ms" in metric:
        return f"{num(value)} ms"
    if "duration_s" in metric:
        return f"{num(value, 2)} s"
    if metric.endswith("latency_ratio"):
        return f"{num(value, 2)}×"
    if metric.endswith("_minutes"):
        return _minutes(value)
    return num(value, 0 if float(value).is_integer() else 1)


def sample_size(metric: str, values: dict[str, Any]) -> str:
    """Return how many records a metric is computed from, as shown in the n column."""
    if metric.startswith("ai."):
        basis = values.get("ai.calls")
    elif metric.startswith("workflows."):
        basis = values.get("workflows.executions")
    elif metric.startswith("units.per_day") or metric == "days":
        basis = values.get("days")
    elif (
        metric.startswith("cost.per_")
        or metric.startswith("comparison.")
        or metric == "units.count"
    ):
        basis = values.get("units.count")
    elif metric.startswith("dev."):
        basis = values.get(metric.rsplit("_", 1)[0] if metric.endswith("_minutes") else metric)
    else:
        basis = None
    return num(basis) if basis is not None else MISSING


def count(n: int, noun: str) -> str:
    """Return "1 call" / "2,000 calls": a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _minutes(value: float | int | None) -> str:
    if value is None:
        return MISSING
    hours, minutes = divmod(round(float(value)), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _placeholder(name: str) -> Any:
    def placeholder(key: str) -> str:
        return f"_Not stated yet: add `{key}:` under `experiments.{name}` in experiments.yaml._"

    return placeholder


def _criterion_rows(results: tuple[CriterionResult, ...], values: dict[str, Any]) -> list[Any]:
    rows = []
    for r in results:
        c = r.criterion
        if c.manual:
            measured = "judged by hand" if c.verdict else "not judged yet"
            target, n = "judged by hand", MISSING
        else:
            assert c.metric is not None and c.target is not None
            measured = format_metric(c.metric, r.value)
            target = f"{c.op} {format_metric(c.metric, c.target)}"
            n = sample_size(c.metric, values)
        rows.append(
            {
                "criterion": c,
                "verdict": r.verdict,
                "reason": r.reason,
                "measured": measured,
                "target": target,
                "n": n,
                "verdict_label": _VERDICT_LABELS[r.verdict],
            }
        )
    return rows


def _basis_text(basis: Basis, priced_word: str, logged_word: str = "logged cost_estimate") -> str:
    parts = [(basis.priced, priced_word), (basis.logged, logged_word), (basis.unpriced, "unpriced")]
    present = [f"{n:,} {word}" for n, word in parts if n]
    return ", ".join(present) if present else "no records"


def _cost_cell(usd_value: float | None, basis: Basis) -> str:
    if usd_value is None:
        return "unpriced" if basis.unpriced else MISSING
    text = usd(usd_value)
    marks = []
    if basis.logged:
        marks.append("logged" if not basis.priced else "partly logged")
    if basis.unpriced:
        marks.append(f"{basis.unpriced:,} unpriced")
        text = f"≥ {text}"
    return f"{text} ({'; '.join(marks)})" if marks else text


def _model_rows(metrics: Metrics) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    def row(m: Any) -> dict[str, Any]:
        return {
            "label": m.model,
            "calls": m.calls,
            "tokens_in": m.input_tokens_mean,
            "tokens_out": m.output_tokens_mean,
            "latency_mean": m.latency_ms_mean,
            "latency_p95": m.latency_ms_p95,
            "success_rate": m.success_rate,
            "cost": _cost_cell(m.cost_usd, m.basis),
        }

    total = row(metrics.ai_total) if metrics.ai_total else None
    return [row(m) for m in metrics.models], total


def _model_notes(metrics: Metrics) -> list[str]:
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


def _cost_rows(metrics: Metrics, units: float | None) -> list[dict[str, Any]]:
    total = metrics.values["cost.total_usd"]
    rows = []
    for line in metrics.cost_lines:
        if units is None or not units:
            break
        per_1k = None if line.usd is None else line.usd / units * 1000.0
        share = None if line.usd is None or not total else line.usd / float(total)
        basis = (
            f"{line.basis.logged} days in cost-breakdown.jsonl"
            if line.development
            else _basis_text(line.basis, line.priced_by)
        )
        rows.append({"label": line.label, "per_1k": per_1k, "share": share, "basis": basis})
    return rows


def _comparison_result(values: dict[str, Any]) -> str:
    reduction = values["comparison.cost_reduction"]
    ratio = values["comparison.latency_ratio"]
    parts = []
    if reduction is None:
        parts.append("cost difference unknown (no cost per 1K units on one side)")
    elif reduction >= 0:
        parts.append(f"{pct(reduction)} cost reduction")
    else:
        parts.append(f"{pct(-reduction)} cost increase")
    if ratio is None:
        parts.append("latency difference unknown")
    elif ratio >= 1:
        parts.append(f"{pct(ratio - 1, 0)} higher latency")
    else:
        parts.append(f"{pct(1 - ratio, 0)} lower latency")
    return ", ".join(parts)


def _tracked(p: PaperInputs) -> list[dict[str, str]]:
    f, m, logs = p.logs.files, p.metrics.values, p.logs
    items = []
    if f["worker-ai.jsonl"].present:
        items.append(
            {
                "label": "Worker AI usage",
                "text": (
                    f"{num(m['ai.calls'])} inferences over {len(p.metrics.models)} models: tokens, "
                    "latency, success and cost (worker-ai.jsonl)"
                ),
            }
        )
    if f["workflows.jsonl"].present:
        items.append(
            {
                "label": "Workflows executions",
                "text": (
                    f"{num(m['workflows.executions'])} executions: steps, duration, success and "
                    "failures (workflows.jsonl)"
                ),
            }
        )
    if f["cloudflare.jsonl"].present:
        counts = _labels(logs.cloudflare["resource"], "unspecified resource").value_counts()
        listed = ", ".join(f"{r.upper()} {int(counts[r])}" for r in sorted(counts.index))
        items.append(
            {
                "label": "Cloudflare resources",
                "text": (f"{len(logs.cloudflare)} usage records ({listed}) (cloudflare.jsonl)"),
            }
        )
    if f["cost-breakdown.jsonl"].present:
        items.append(
            {
                "label": "Daily cost breakdown",
                "text": (
                    f"{count(len(logs.cost_breakdown), 'record')}, with Claude Code cost "
                    "(cost-breakdown.jsonl)"
                ),
            }
        )
    dev = [
        (n, name)
        for n, name in (
            ("prompts.jsonl", "prompts"),
            ("errors.log", "errors"),
            ("interventions.log", "interventions"),
            ("log.md", "sessions"),
        )
        if f[n].present
    ]
    if dev:
        text = ", ".join(f"{f[n].records} {name}" for n, name in dev)
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
                f"(fix time {_minutes(values['dev.error_fix_minutes'])})"
            ),
        },
        {
            "label": "Manual interventions",
            "text": (
                f"{num(values['dev.interventions'])} "
                f"(time {_minutes(values['dev.intervention_minutes'])})"
            ),
        },
        {
            "label": "Sessions",
            "text": (
                f"{num(values['dev.sessions'])} (time {_minutes(values['dev.session_minutes'])})"
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
                "time_cost": rec["time_spent"] or MISSING,
                "learning": rec["learning"] or "not logged",
            }
        )
    return items


def _doesnt_prove(rows: list[dict[str, Any]], p: PaperInputs) -> list[str]:
    lines = []
    for row in rows:
        if row["verdict"] == FAIL:
            lines.append(
                f"{row['criterion'].text}: failed, measured {row['measured']} "
                f"against a target of {row['target']}"
            )
        elif row["verdict"] == INCONCLUSIVE:
            lines.append(f"{row['criterion'].text}: inconclusive ({row['reason']})")
    total = p.metrics.ai_total
    unpriced = sum(line.basis.unpriced for line in p.metrics.cost_lines)
    if unpriced:
        lines.append(f"The total cost: it is a lower bound, {count(unpriced, 'record')} unpriced")
    if total is not None and total.basis.logged:
        lines.append(
            f"The cost of {count(total.basis.logged, 'call')} rests on the logged "
            "cost_estimate, not on a list price"
        )
    skipped = sum(s.skipped for s in p.logs.files.values())
    if skipped:
        lines.append(f"Anything about the {count(skipped, 'log line')} skipped (see Data Quality)")
    lines.extend(p.exp.doesnt_prove)
    return lines


def _prices(p: PaperInputs) -> list[dict[str, str]]:
    rows = []
    for info in p.prices:
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
    f = p.logs.files
    services = []
    if f["workflows.jsonl"].present:
        services.append(("Workflows", "workflows", "per M invocations", "per M CPU-ms"))
    resources = (
        set(p.logs.cloudflare["resource"].dropna()) if f["cloudflare.jsonl"].present else set()
    )
    for key, label in (("d1", "D1"), ("kv", "KV"), ("r2", "R2")):
        if key in resources:
            services.append((label, key, "", ""))
    for label, key, *_ in services:
        rate = p.rates[key]
        price = ", ".join(
            f"{usd(v, 3)} per M {_FIELD_WORDS[field]}" for field, v in rate.per_m.items()
        )
        rows.append({"item": label, "price": price, "source": rate.source})
    return rows


def _our_latency(comparison: Any, values: dict[str, Any]) -> str:
    seconds = latency_seconds(values, comparison.latency_metric)
    if seconds is None:
        return f"no data ({comparison.latency_metric})"
    return f"{num(seconds, 1)} s ({comparison.latency_metric})"


def _period(metrics: Metrics) -> str:
    if metrics.first_day is None or metrics.last_day is None:
        return "no dated records"
    days = metrics.values["days"]
    span = count(int(days), "day") if days is not None else "n/a"
    return f"{metrics.first_day.isoformat()} to {metrics.last_day.isoformat()}, {span}"


def context(p: PaperInputs) -> dict[str, Any]:
    """Return the template context of one paper (documented in docs/templates.md)."""
    values = p.metrics.values
    rows = _criterion_rows(p.results, values)
    models, ai_total = _model_rows(p.metrics)
    units = values["units.count"]
    total_basis = Basis()
    running: list[float] = []
    dev_days = 0
    for line in p.metrics.cost_lines:
        if line.development:
            dev_days = line.basis.logged
            continue
        total_basis = total_basis + line.basis
        if line.usd is not None:
            running.append(line.usd)
    running_per_1k = sum(running) / units * 1000.0 if running and units else None
    total_text = _basis_text(total_basis, "priced") + (
        f", {dev_days} days of Claude Code cost" if dev_days else ""
    )
    wf_line = next((line for line in p.metrics.cost_lines if line.label == "Workflows"), None)
    comparison = p.exp.comparison
    verdicts = [r.verdict for r in p.results]
    plural = p.exp.unit.name + "s"
    cost_notes = []
    if total_basis.unpriced:
        cost_notes.append(
            "\n**Lower bound:** left out of these costs: "
            f"{count(total_basis.unpriced, 'unpriced record')}."
        )
    data_notes = []
    if p.logs.files["cloudflare.jsonl"].present:
        skipped = int(p.logs.cloudflare["resource"].isin(NOT_COSTED).sum())
        if skipped:
            data_notes.append(
                f"Not costed: {count(skipped, 'cloudflare.jsonl record')} for Worker AI or "
                "Workflows, whose own logs (worker-ai.jsonl, workflows.jsonl) are the source."
            )
    return {
        "name": p.name,
        "exp": p.exp,
        "placeholder": _placeholder(p.name),
        "m": values,
        "criteria": rows,
        "proves": [r for r in rows if r["verdict"] == PASS],
        "doesnt_prove": _doesnt_prove(rows, p),
        "outcome": p.outcome,
        "outcome_explained": (
            f"Computed from {len(verdicts)} criteria: {verdicts.count(PASS)} passed, "
            f"{verdicts.count(FAIL)} failed, {verdicts.count(INCONCLUSIVE)} inconclusive."
        ),
        "tracked": _tracked(p),
        "sessions": p.logs.sessions,
        "dev_time": _minutes(values["dev.session_minutes"])
        + " (sum of session durations in log.md)",
        "period": _period(p.metrics),
        "timezone": p.timezone,
        "models": models,
        "ai_total": ai_total,
        "model_notes": _model_notes(p.metrics),
        "workflow_failures": p.metrics.workflow_failures,
        "workflows_cost": _cost_cell(wf_line.usd, wf_line.basis) if wf_line else MISSING,
        "unit_plural": plural,
        "unit_count_metric": p.exp.unit.count,
        "cost_rows": _cost_rows(p.metrics, units),
        "total_basis": total_text,
        "running_per_1k": running_per_1k if dev_days else None,
        "running_reduction": (
            1.0 - running_per_1k / comparison.cost_per_1k_units_usd
            if dev_days
            and running_per_1k is not None
            and comparison
            and comparison.cost_per_1k_units_usd
            else None
        ),
        "cost_notes": cost_notes,
        "cost_missing_reason": (
            f"no {plural} were counted ({p.exp.unit.count} has no data)"
            if not units
            else "no cost data"
        ),
        "comparison": comparison,
        "our_latency": _our_latency(comparison, values) if comparison else MISSING,
        "comparison_result": _comparison_result(values),
        "comparison_source": (
            f"Figures for {comparison.name}: {comparison.source}."
            if comparison and comparison.source
            else f"**No source given** for the {comparison.name} figures: they are hand-entered "
            "and unchecked."
            if comparison
            else ""
        ),
        "dev_items": _dev_items(values),
        "interventions": _interventions(p.logs),
        "files": p.logs.files,
        "file_rows": [_file_row(p.logs, n) for n in FILE_NAMES],
        "warnings": [str(w) for w in p.logs.warnings],
        "warning_limit": WARNING_LIMIT,
        "data_notes": data_notes,
        "prices": _prices(p),
        "paperkit_version": __version__,
        "genai_prices_version": genai_prices_version(),
        "folder": p.folder,
        "spec_name": p.spec_name,
    }


def _file_row(logs: Logs, name: str) -> dict[str, str]:
    stats = logs.files[name]
    if not stats.present:
        return {"name": name, "lines": "missing", "records": "-", "skipped": "-"}
    return {
        "name": name,
        "lines": f"{stats.lines:,}",
        "records": f"{stats.records:,}",
        "skipped": f"{stats.skipped:,}",
    }


def _json_number(name: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if name in INTEGER_METRICS:
        return int(value)
    # Twelve significant digits: full precision for any real cost, without the last-bit
    # noise that differs between summation orders.
    return float(f"{float(value):.12g}")


def results_json(p: PaperInputs) -> str:
    """Return results.json: every metric, the per-model table, the criteria and data quality."""
    values = p.metrics.values
    models = [
        {
            "model": m.model,
            "calls": m.calls,
            "input_tokens_mean": _json_number("", m.input_tokens_mean),
            "output_tokens_mean": _json_number("", m.output_tokens_mean),
            "latency_ms_mean": _json_number("", m.latency_ms_mean),
            "latency_ms_p50": _json_number("", m.latency_ms_p50),
            "latency_ms_p95": _json_number("", m.latency_ms_p95),
            "success_rate": _json_number("", m.success_rate),
            "cost_usd": _json_number("", m.cost_usd),
            "cost_source": m.cost_source,
        }
        for m in p.metrics.models
    ]
    criteria = [
        {
            "text": r.criterion.text,
            "metric": r.criterion.metric,
            "op": r.criterion.op,
            "target": r.criterion.target,
            "value": _json_number(r.criterion.metric or "", r.value),
            "verdict": r.verdict,
        }
        for r in p.results
    ]
    files = {
        name: {"lines": s.lines, "records": s.records, "skipped": s.skipped}
        for name in FILE_NAMES
        if (s := p.logs.files[name]).present
    }
    doc = {
        "experiment": p.name,
        "metrics": {name: _json_number(name, value) for name, value in values.items()},
        "models": models,
        "criteria": criteria,
        "outcome": p.outcome,
        "data_quality": {"files": files, "warnings": [str(w) for w in p.logs.warnings]},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
