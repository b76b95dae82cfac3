"""Reading ``cloudflare-analytics.jsonl``: what Cloudflare's GraphQL Analytics measured.

``paperkit import cloudflare`` writes the file (:mod:`paperkit.importers.cloudflare`): one
``dataset`` record per dataset (the window asked, the fields available and missing), then one
``group`` record per period and dimension set. This module turns the Workers AI and Workflows
groups into frames for :mod:`paperkit.measure.analytics`; a line it cannot use is skipped and
reported as ``path:line: reason``, like a bad log line, and nothing else is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from paperkit.errors import DataWarning
from paperkit.logs import files, guards

ANALYTICS_FILE = "cloudflare-analytics.jsonl"
AI = "aiInferenceAdaptiveGroups"
WORKFLOWS = "workflowsAdaptiveGroups"

AI_COLUMNS = ("line", "period", "model", "error_code", "count") + (
    "input_tokens",
    "output_tokens",
    "neurons",
    "inference_ms",
)
WORKFLOW_COLUMNS = ("line", "period", "workflow_name", "event_type", "count", "wall_time")
_AI_SUMS = {
    "input_tokens": "totalInputTokens",
    "output_tokens": "totalOutputTokens",
    "neurons": "totalNeurons",
    "inference_ms": "totalInferenceTimeMs",
}


@dataclass(frozen=True)
class AnalyticsLog:
    """One experiment's imported analytics.

    ``datasets`` maps each dataset imported to its ``dataset`` record (window, fields,
    missing fields). ``ai`` and ``workflows`` hold the groups of those two datasets, ``period``
    as a UTC timestamp (the start of the hour); a sum the schema lacked is NaN, never 0.
    """

    name: str
    sha256: str
    records: int
    datasets: dict[str, dict[str, Any]]
    ai: pd.DataFrame
    workflows: pd.DataFrame
    warnings: tuple[DataWarning, ...]


def load_analytics(
    folder: Path, *, display_path: Callable[[Path], str] = str
) -> AnalyticsLog | None:
    """Return the experiment's imported analytics, or None when it has none."""
    path = folder / ANALYTICS_FILE
    if not path.is_file():
        return None
    shown = display_path(path)
    files.check_within(folder, path, shown)
    data = files.read_log(path, shown)  # a device or a file over 2 GiB is refused
    warnings: list[DataWarning] = []
    datasets: dict[str, dict[str, Any]] = {}
    ai: list[dict[str, Any]] = []
    wf: list[dict[str, Any]] = []
    records = 0
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            if raw.count("[") + raw.count("{") > guards.MAX_DEPTH:  # json.loads would recurse
                levels = guards.depth(raw.encode("utf-8", "replace"))
                if levels > guards.MAX_DEPTH:
                    raise ValueError(f"nested {levels} levels deep; at most {guards.MAX_DEPTH}")
            try:
                record = json.loads(raw, parse_int=guards.json_int)
            except json.JSONDecodeError as error:  # worded as the log reader words it
                reason = error.msg.removesuffix(" at")  # "Unterminated string starting at"
                raise ValueError(f"not valid JSON: {reason} at column {error.colno}") from None
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            kind, dataset = record.get("record"), record.get("dataset")
            if kind == "dataset" and isinstance(dataset, str):
                datasets[dataset] = record
            elif kind == "group" and dataset == AI:
                ai.append(_ai_row(number, record))
            elif kind == "group" and dataset == WORKFLOWS:
                wf.append(_workflow_row(number, record))
            elif kind != "group":
                raise ValueError("neither a dataset nor a group record")
        except (ValueError, TypeError) as error:
            warnings.append(DataWarning(shown, number, str(error)))
            continue
        records += 1
    return AnalyticsLog(
        name=ANALYTICS_FILE,
        sha256=hashlib.sha256(data).hexdigest(),
        records=records,
        datasets=datasets,
        ai=_frame(ai, AI_COLUMNS),
        workflows=_frame(wf, WORKFLOW_COLUMNS),
        warnings=tuple(warnings),
    )


def _period(record: dict[str, Any]) -> pd.Timestamp:
    text = record.get("period")
    if not isinstance(text, str):
        raise ValueError("no period")
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} is not a count: {json.dumps(value)}")
    return float(value)


def _ai_row(line: int, record: dict[str, Any]) -> dict[str, Any]:
    dims, sums = record.get("dimensions") or {}, record.get("sum") or {}
    model = dims.get("modelId")
    if not isinstance(model, str):
        raise ValueError("no modelId")
    row = {
        "line": line,
        "period": _period(record),
        "model": model,
        "error_code": dims.get("errorCode"),
        "count": _number(record.get("count"), "count"),
    }
    for column, field in _AI_SUMS.items():
        row[column] = _number(sums.get(field), field)
    return row


def _workflow_row(line: int, record: dict[str, Any]) -> dict[str, Any]:
    dims, sums = record.get("dimensions") or {}, record.get("sum") or {}
    return {
        "line": line,
        "period": _period(record),
        "workflow_name": dims.get("workflowName"),
        "event_type": dims.get("eventType"),
        "count": _number(record.get("count"), "count"),
        "wall_time": _number(sums.get("wallTime"), "wallTime"),
    }


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["period"] = pd.to_datetime(frame["period"], utc=True)
    for column in columns:
        if column not in ("line", "period", "model", "error_code", "workflow_name", "event_type"):
            frame[column] = frame[column].astype("float64")
    return frame
