"""The experiment's window: which records count, in the spec's time zone.

``start`` and ``end`` in experiments.yaml are dates (whole days in the spec's time zone, ``end``
inclusive) or dates with a time (a time without an offset is read in the spec's time zone).
Every dated log record outside the window is left out of every number; the paper says how
many were left out of each file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from paperkit.logs.load import Logs
from paperkit.spec.load import instant
from paperkit.spec.types import Experiment

# Logs attributes with a timestamp column, and the file each comes from.
_DATED = {
    "worker_ai": "worker-ai.jsonl",
    "workflows": "workflows.jsonl",
    "cloudflare": "cloudflare.jsonl",
    "cost_breakdown": "cost-breakdown.jsonl",
    "prompts": "prompts.jsonl",
    "errors": "errors.log",
    "interventions": "interventions.log",
    "metrics": "metrics.jsonl",
}


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in UTC (either side may be open) and how the paper states it."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    text: str


def window_of(exp: Experiment, timezone: str) -> Window | None:
    """Return the experiment's window resolved in ``timezone``, or None when it sets none."""
    if exp.start is None and exp.end is None:
        return None
    start = _instant(exp.start, timezone, end=False)
    end = _instant(exp.end, timezone, end=True)
    parts = []
    if exp.start is not None:
        parts.append(f"from {_shown(exp.start)}")
    if exp.end is not None:
        parts.append(f"to {_shown(exp.end)}{' inclusive' if _is_date(exp.end) else ''}")
    return Window(start, end, " ".join(parts) + f" ({timezone})")


def apply(logs: Logs, window: Window | None) -> tuple[Logs, dict[str, int]]:
    """Return the logs with every dated record outside ``window`` dropped, and how many per file.

    Records without a timestamp (allowed in metrics.jsonl) are kept: nothing places them
    outside.
    """
    if window is None:
        return logs, {}
    frames: dict[str, pd.DataFrame] = {}
    left_out: dict[str, int] = {}
    for attr, name in _DATED.items():
        frame: pd.DataFrame = getattr(logs, attr)
        stamps = frame["timestamp"]
        outside = pd.Series(False, index=frame.index)
        if window.start is not None:
            outside |= stamps < window.start
        if window.end is not None:
            outside |= stamps >= window.end
        outside &= stamps.notna()
        frames[attr] = frame[~outside].reset_index(drop=True)
        if int(outside.sum()):
            left_out[name] = int(outside.sum())
    return dataclasses.replace(logs, **frames), left_out


def _is_date(moment: date | datetime) -> bool:
    return not isinstance(moment, datetime)


def _shown(moment: date | datetime) -> str:
    return moment.isoformat()


def _instant(moment: date | datetime | None, timezone: str, *, end: bool) -> pd.Timestamp | None:
    """Return ``moment`` as a UTC instant; an end date means the start of the next day."""
    if moment is None:
        return None
    return pd.Timestamp(instant(moment, timezone, end=end)).tz_convert("UTC")
