"""The paper's wording of Claude Code's transcripts: the development table, models and prices.

Used only when the experiment has ``claude-code.jsonl``; without it every function here
returns nothing, and the paper reads as it always did.
"""

from __future__ import annotations

from typing import Any

from paperkit.logs.load import Logs
from paperkit.measure.costs import Basis
from paperkit.measure.dev import IDLE_MINUTES
from paperkit.measure.metrics import Metrics
from paperkit.measure.stats import sum_known
from paperkit.paper.costs import cost_cell
from paperkit.paper.render import MISSING, num, pct, usd
from paperkit.paper.wording import count, duration
from paperkit.prices.claude_code import ClaudePriceInfo


def claude_dev(metrics: Metrics, logs: Logs) -> dict[str, Any] | None:
    """Return the Development Metrics table from the transcripts, beside the hand-logged counts,
    with the models by cost and the tool calls; None without claude-code.jsonl."""
    dev = metrics.claude
    if dev is None:
        return None
    v = metrics.values
    unpriced = int(v["dev.claude_code.unpriced_requests"] or 0)
    requests = int(v["dev.claude_code.requests"] or 0)
    basis = Basis(priced=requests - unpriced, unpriced=unpriced)
    logged_cost = _logged_cost(logs)
    rows = [
        ("Sessions", num(v["dev.claude_code.sessions"]), _logged(v["dev.sessions"], "log.md")),
        (
            "Time",
            f"{duration(v['dev.claude_code.active_minutes'])} active",
            _logged_time(v["dev.session_minutes"]),
        ),
        (
            "Prompts",
            num(v["dev.claude_code.prompts"]),
            _logged(v["dev.iterations"], "prompts.jsonl"),
        ),
        ("API requests", num(v["dev.claude_code.requests"]), MISSING),
        ("API errors", num(v["dev.claude_code.api_errors"]), MISSING),
        ("Tool calls", num(v["dev.claude_code.tool_calls"]), MISSING),
        ("Cost", cost_cell(v["dev.claude_code.cost_usd"], basis), logged_cost),
        (
            "Cost per session",
            _per_session(v["dev.claude_code.cost_per_session_usd"], unpriced),
            MISSING,
        ),
        ("Cache reads, share of input", pct(v["dev.claude_code.cache_read_share"]), MISSING),
        ("Subagents, share of cost", pct(v["dev.claude_code.subagent_cost_share"]), MISSING),
    ]
    models = [
        {
            "model": f"`{m.model}`",  # a code span: `<synthetic>` is no HTML tag
            "requests": num(m.requests),
            "cost": cost_cell(
                m.cost_usd, Basis(priced=m.requests - m.unpriced, unpriced=m.unpriced)
            ),
            "share": pct(m.share) if m.share is not None else MISSING,
        }
        for m in dev.models
    ]
    tools = ", ".join(f"{name} {n:,}" for name, n in dev.tools) or "none"
    return {
        "rows": [{"label": a, "transcripts": b, "logged": c} for a, b, c in rows],
        "models": models,
        "tools": tools,
        "idle_minutes": num(IDLE_MINUTES),
    }


def _logged(value: Any, source: str) -> str:
    return MISSING if value is None else f"{num(value)} ({source})"


def _logged_time(minutes: Any) -> str:
    return MISSING if minutes is None else f"{duration(minutes)} (log.md durations)"


def _per_session(value: float | None, unpriced: int) -> str:
    if value is None:
        return MISSING
    return f"≥ {usd(value)}" if unpriced else usd(value)


def _logged_cost(logs: Logs) -> str:
    """The hand-typed claude_code_cost total, which the transcripts replace (reconciled)."""
    if not logs.files["cost-breakdown.jsonl"].present:
        return MISSING
    logged = sum_known(logs.cost_breakdown["claude_code_cost"])
    return MISSING if logged is None else f"{usd(logged)} (cost-breakdown.jsonl)"


def claude_prices(infos: tuple[ClaudePriceInfo, ...]) -> list[dict[str, str]]:
    """Return the Prices Used rows of the Claude Code models (none without claude-code.jsonl)."""
    rows = []
    for info in infos:
        if info.priced:
            price = f"per request, at its time ({count(info.priced, 'request')} priced)"
            if info.priced < info.requests:
                price += f"; {count(info.requests - info.priced, 'request')} unpriced"
        else:
            price = f"no price ({count(info.requests, 'request')} unpriced)"
        item = f"Claude Code: `{info.model}`"  # a code span: `<synthetic>` is no HTML tag
        rows.append({"item": item, "price": price, "source": info.source})
    return rows
