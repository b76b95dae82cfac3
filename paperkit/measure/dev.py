"""Development metrics from Claude Code's own transcripts: the ``dev.claude_code.*`` metrics.

From the priced requests and the prompts of ``claude-code.jsonl`` (docs/claude-code.md): how
many requests, tokens and sessions, what they cost (unpriced requests left out and counted),
the tools called, the models' shares of the cost, and the active time.

**Active time** is the time between consecutive events of a session (a prompt, or a request,
a subagent's included), added up over sessions, where a gap longer than ``IDLE_MINUTES`` counts
as idle and adds nothing: a session left open overnight is not a night of work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.measure.stats import sum_known
from paperkit.prices.pricing import UNPRICED

IDLE_MINUTES = 5.0
Number = float | int | None


@dataclass(frozen=True)
class ModelShare:
    """One model's requests and cost; ``share`` is its part of the known cost (None if none)."""

    model: str
    requests: int
    unpriced: int
    cost_usd: float | None
    share: float | None


@dataclass(frozen=True)
class ClaudeCodeActivity:
    """The ``dev.claude_code.*`` values, the models by cost and the tool calls by tool."""

    values: dict[str, Number]
    models: tuple[ModelShare, ...]
    tools: tuple[tuple[str, int], ...]


def activity(requests: pd.DataFrame, prompts: pd.DataFrame) -> ClaudeCodeActivity:
    """Return the development metrics of priced ``requests`` (with ``cost_usd`` and
    ``cost_source``) and ``prompts``."""
    cost = sum_known(requests["cost_usd"])
    sessions = pd.concat([requests["session_id"], prompts["session_id"]]).fillna("")
    session_count = int(sessions.nunique())
    tokens = {
        name: int(requests[name].sum())
        for name in ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")
    }
    sent = tokens["input_tokens"] + tokens["cache_write_tokens"] + tokens["cache_read_tokens"]
    sidechain = sum_known(requests.loc[requests["sidechain"], "cost_usd"]) or 0.0
    tools = pd.Series([t for used in requests["tools"] for t in used], dtype=object)
    values: dict[str, Number] = {
        "dev.claude_code.requests": len(requests),
        "dev.claude_code.input_tokens": tokens["input_tokens"],
        "dev.claude_code.output_tokens": tokens["output_tokens"],
        "dev.claude_code.cache_write_tokens": tokens["cache_write_tokens"],
        "dev.claude_code.cache_read_tokens": tokens["cache_read_tokens"],
        "dev.claude_code.cost_usd": cost,
        "dev.claude_code.unpriced_requests": int((requests["cost_source"] == UNPRICED).sum()),
        "dev.claude_code.sessions": session_count,
        "dev.claude_code.prompts": len(prompts),
        "dev.claude_code.api_errors": int(requests["api_error"].sum()),
        "dev.claude_code.tool_calls": len(tools),
        "dev.claude_code.active_minutes": active_minutes(requests, prompts),
        "dev.claude_code.cache_read_share": tokens["cache_read_tokens"] / sent if sent else None,
        "dev.claude_code.subagent_cost_share": sidechain / cost if cost else None,
        "dev.claude_code.cost_per_session_usd": (
            cost / session_count if cost is not None and session_count else None
        ),
    }
    counts = tools.value_counts()
    by_tool = tuple(
        sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    )
    return ClaudeCodeActivity(values, _models(requests, cost), by_tool)


def _models(requests: pd.DataFrame, total: float | None) -> tuple[ModelShare, ...]:
    rows = []
    for model, group in requests.groupby("model", sort=True):
        cost = sum_known(group["cost_usd"])
        share = cost / total if cost is not None and total else None
        unpriced = int((group["cost_source"] == UNPRICED).sum())
        rows.append(ModelShare(str(model), len(group), unpriced, cost, share))
    return tuple(sorted(rows, key=lambda m: (-(m.cost_usd or 0.0), m.model)))


def active_minutes(requests: pd.DataFrame, prompts: pd.DataFrame) -> float | None:
    """Return the active time in minutes (module docstring), or None with no events."""
    events = pd.DataFrame(
        {
            "session": pd.concat([requests["session_id"], prompts["session_id"]]).fillna(""),
            "timestamp": pd.concat([requests["timestamp"], prompts["timestamp"]]),
        }
    )
    if events.empty:
        return None
    events = events.sort_values(["session", "timestamp"], kind="stable")
    gaps = events.groupby("session")["timestamp"].diff().dt.total_seconds() / 60.0
    gaps = gaps.to_numpy(dtype=float)
    return float(np.nansum(np.where(gaps <= IDLE_MINUTES, gaps, 0.0)))


def cost_per_day(requests: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Return the priced requests' cost per calendar day in ``timezone``, sorted by day.

    Columns: ``day`` (a date), ``usd`` (the known cost, NaN when no request of the day is
    priced), ``requests`` and ``unpriced``.
    """
    frame = pd.DataFrame(
        {
            "day": requests["timestamp"].dt.tz_convert(timezone).dt.date.astype(object),
            "usd": requests["cost_usd"].astype(float),
            "unpriced": (requests["cost_source"] == UNPRICED).astype(int),
        }
    )
    grouped = frame.groupby("day", sort=True)
    result = pd.DataFrame(
        {
            "usd": grouped["usd"].sum(min_count=1),
            "requests": grouped["usd"].size(),
            "unpriced": grouped["unpriced"].sum(),
        }
    )
    return result.reset_index()
