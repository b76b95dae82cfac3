"""``claude-code.jsonl`` as typed frames: the API requests and prompts of Claude Code's transcripts.

``paperkit import claude-code`` writes the file (docs/claude-code.md); this module reads it as
one more log of the experiment, with the rules of every log: a record that cannot be used is
skipped and reported as ``path:line: reason``, missing stays missing, and records outside the
experiment's window are left out and counted. The file is optional: without it, nothing about
the paper changes, so it is kept apart from the fixed file list of :mod:`paperkit.logs.load`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from paperkit.errors import DataWarning, PaperkitError
from paperkit.logs import sanity, values
from paperkit.logs.files import check_within
from paperkit.logs.jsonl import read_jsonl
from paperkit.logs.load import FileStats
from paperkit.logs.window import Window

FILE_NAME = "claude-code.jsonl"
TOKENS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")
_COUNTS = (*TOKENS, "cache_write_1h_tokens", "web_search_requests")
_TEXT = ("type", "key", "timestamp", "session_id", "agent_id", "model", "speed")
REQUEST_COLUMNS = (
    "line",
    "timestamp",
    "key",
    "session_id",
    "agent_id",
    "sidechain",
    "model",
    *_COUNTS,
    "speed",
    "api_error",
    "tools",
)
PROMPT_COLUMNS = ("line", "timestamp", "key", "session_id")


@dataclass(frozen=True, eq=False)
class ClaudeCodeLog:
    """The requests and prompts of ``claude-code.jsonl``, what was read, and its problems.

    ``requests`` has ``REQUEST_COLUMNS``: token counts as float64 (a 1-hour cache-write count
    is NaN when the transcript gave no 5-minute/1-hour split), ``speed`` as text (None when not
    recorded), ``sidechain`` and ``api_error`` as bool, ``tools`` a list of tool names per
    request. ``left_out`` counts the records outside the window.
    """

    requests: pd.DataFrame
    prompts: pd.DataFrame
    stats: FileStats
    warnings: tuple[DataWarning, ...]
    left_out: int = 0


def load_claude_code(
    folder: Path, *, display_path: Callable[[Path], str] | None = None
) -> ClaudeCodeLog | None:
    """Return the experiment's ``claude-code.jsonl``, or None when there is none.

    Raises ``PaperkitError`` only when the file exists but cannot be read.
    """
    path = folder / FILE_NAME
    if not path.exists():
        return None
    where = (display_path or str)(path)
    check_within(folder, path, where)
    try:
        raw = read_jsonl(path, text_columns=list(_TEXT))
    except OSError as error:
        raise PaperkitError(f"cannot read {FILE_NAME}: {error.strerror}", where) from error
    frame = raw.frame
    found = [dataclasses.replace(w, path=where) for w in raw.skipped + raw.repeated]
    checks = values.Checks(frame, where)
    stamps = values.timestamp(checks, required=True)
    kind = values.text(checks.column("type"))
    unknown = ~kind.isin(["request", "prompt"]).to_numpy()
    checks.skip(unknown, lambda r: f"type: expected request or prompt, got {_shown(kind, r)}")
    checks.skip(values.missing(checks.column("key")), lambda _: "missing key")
    is_request = (kind == "request").to_numpy()
    model = values.text(checks.column("model"))
    checks.skip(is_request & model.isna().to_numpy(), lambda _: "missing model")
    counts = {name: values.number(name, checks) for name in _COUNTS}
    for name in TOKENS:
        absent = is_request & counts[name].isna().to_numpy()
        checks.skip(absent, lambda _, n=name: f"missing {n}")
    key = values.text(checks.column("key"))
    kept = ~checks.skipped
    dropped, later = sanity.later_records("key", key, kept, checks.lines, where)
    kept &= ~dropped
    found += checks.skips + later
    found.sort(key=lambda w: w.line or 0)
    columns = {
        "line": frame["line"],
        "timestamp": stamps,
        "key": key,
        "session_id": values.text(checks.column("session_id")),
        "agent_id": values.text(checks.column("agent_id")),
        "sidechain": checks.column("sidechain").map(lambda v: v is True).astype(bool),
        "model": model,
        **counts,
        "web_search_requests": counts["web_search_requests"].fillna(0.0),  # absent: none
        "speed": values.text(checks.column("speed")),
        "api_error": checks.column("api_error").map(lambda v: v is True).astype(bool),
        "tools": checks.column("tools").map(lambda v: list(v) if isinstance(v, list) else []),
    }
    table = pd.DataFrame(columns)
    requests = table[kept & is_request][list(REQUEST_COLUMNS)].reset_index(drop=True)
    prompts = table[kept & ~is_request][list(PROMPT_COLUMNS)].reset_index(drop=True)
    records = len(requests) + len(prompts)
    repeated = len(raw.repeated)
    skipped = raw.lines - records - repeated - len(later)
    stats = FileStats(
        FILE_NAME, True, raw.lines, records, skipped, repeated, len(later), raw.sha256
    )
    return ClaudeCodeLog(requests, prompts, stats, tuple(found))


def _shown(column: pd.Series, row: int) -> str:
    return values.quoted(column.iat[row]) if column.iat[row] is not None else "nothing"


def within(log: ClaudeCodeLog, span: Window | None) -> ClaudeCodeLog:
    """Return ``log`` without the records outside ``span``, counted in ``left_out``."""
    if span is None:
        return log
    frames = []
    left_out = 0
    for frame in (log.requests, log.prompts):
        stamps = frame["timestamp"]
        outside = pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index)
        if span.start is not None:
            outside |= stamps < span.start
        if span.end is not None:
            outside |= stamps >= span.end
        left_out += int(outside.sum())
        frames.append(frame[~outside].reset_index(drop=True))
    return dataclasses.replace(log, requests=frames[0], prompts=frames[1], left_out=left_out)
