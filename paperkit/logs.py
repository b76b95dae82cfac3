"""Every file of an experiment's tracking folder as typed, validated DataFrames.

The contract is the "Logs" section of ``docs/design.md``: one frame per JSONL file with fixed
columns (present even when the file or the field is missing), the sessions of ``log.md``, a
``FileStats`` per file, and the problems found as ``DataWarning`` values. A record that cannot be
used is skipped with its reason; a value that cannot be read but does not spoil the record is
left missing with a warning. Columns are converted a whole column at a time; Python looks at
single records only to word the message for a bad one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from paperkit.durations import parse_minutes
from paperkit.errors import DataWarning, PaperkitError
from paperkit.jsonl import read_jsonl
from paperkit.sessionlog import Session, parse_sessions

LOG_MD = "log.md"
NUMBERS = frozenset(
    "iteration input_tokens output_tokens latency_ms duration_ms steps steps_succeeded"
    " steps_failed cpu_ms rows_read rows_written reads writes deletes lists class_a_ops"
    " class_b_ops fix_prompts".split()
)
MONEY = {"cost_logged": "cost_estimate"} | {
    name: name
    for name in (
        "worker_ai_cost workflows_cost d1_cost kv_cost r2_cost claude_code_cost total_cost"
    ).split()
}
DURATIONS = {"time_spent_min": "time_spent", "fix_time_min": "fix_time"}
# "0.0135", "$0.0135", " $1,234.50 ", "USD 0.5", "0.5 USD"; the number is group "digits"
# (RE2 syntax, for pyarrow.compute.extract_regex.)
_MONEY_TEXT = (
    r"(?i)^\s*(?:USD\s*)?\$?\s*"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.?\d+(?:e[-+]?\d+)?)\s*(?:USD)?\s*$"
)


@dataclass(frozen=True)
class _Layout:
    """A JSONL file's frame: its ``Logs`` attribute, columns and required fields."""

    attr: str
    names: str  # the contract's columns, in order, separated by spaces
    required: str | None = None
    timestamp_required: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.names.split())


_LAYOUTS = {
    "worker-ai.jsonl": _Layout(
        "worker_ai",
        "line timestamp iteration model operation input_tokens output_tokens latency_ms"
        " success cost_logged error",
        required="model",
    ),
    "workflows.jsonl": _Layout(
        "workflows",
        "line timestamp iteration workflow_name execution_id duration_ms steps steps_succeeded"
        " steps_failed cpu_ms success error cost_logged",
        required="execution_id",
    ),
    "cloudflare.jsonl": _Layout(
        "cloudflare",
        "line timestamp resource operation rows_read rows_written reads writes deletes lists"
        " class_a_ops class_b_ops cost_logged",
    ),
    "cost-breakdown.jsonl": _Layout(
        "cost_breakdown",
        "line timestamp period worker_ai_cost workflows_cost d1_cost kv_cost r2_cost"
        " claude_code_cost total_cost",
    ),
    "prompts.jsonl": _Layout("prompts", "line timestamp iteration prompt time_spent_min"),
    "errors.log": _Layout(
        "errors",
        "line timestamp iteration error_type error_message context my_action fix_time_min"
        " fix_prompts learning",
    ),
    "interventions.log": _Layout(
        "interventions",
        "line timestamp iteration reason what_user_did why_needed could_ai_have_done_this"
        " time_spent time_spent_min learning",
    ),
    "metrics.jsonl": _Layout("metrics", "line timestamp", timestamp_required=False),
}
FILE_NAMES = (*_LAYOUTS, LOG_MD)


@dataclass(frozen=True)
class FileStats:
    """What was read from one file: ``lines`` (non-blank) = ``records`` kept + ``skipped``.

    For log.md, ``records`` is the number of sessions.
    """

    name: str
    present: bool
    lines: int
    records: int
    skipped: int


@dataclass(frozen=True, eq=False)
class Logs:
    """An experiment folder's logs: one frame per JSONL file, the sessions, stats and warnings."""

    worker_ai: pd.DataFrame
    workflows: pd.DataFrame
    cloudflare: pd.DataFrame
    cost_breakdown: pd.DataFrame
    prompts: pd.DataFrame
    errors: pd.DataFrame
    interventions: pd.DataFrame
    metrics: pd.DataFrame
    sessions: tuple[Session, ...]
    files: dict[str, FileStats]
    warnings: tuple[DataWarning, ...]


def load_logs(folder: Path, *, display_path: Callable[[Path], str] | None = None) -> Logs:
    """Return the logs in ``folder``; a missing file (or folder) gives empty frames.

    ``display_path`` turns a file's path into the text used in its warnings (default ``str``).
    Raises ``PaperkitError`` only when a file exists but cannot be read.
    """
    show = display_path or str
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, FileStats] = {}
    warnings: list[DataWarning] = []
    for name, layout in _LAYOUTS.items():
        path = folder / name
        frame, stats, found = _load_jsonl(path, name, layout, show(path))
        frames[layout.attr] = frame
        files[name] = stats
        warnings += found
    path = folder / LOG_MD
    sessions, files[LOG_MD], found = _load_log_md(path, show(path))
    warnings += found
    return Logs(**frames, sessions=sessions, files=files, warnings=tuple(warnings))


def _load_jsonl(
    path: Path, name: str, layout: _Layout, where: str
) -> tuple[pd.DataFrame, FileStats, list[DataWarning]]:
    """Read, check and convert one JSONL file (an absent one as an empty file)."""
    sources = [MONEY.get(c, DURATIONS.get(c, c)) for c in layout.columns if c not in NUMBERS]
    present = path.exists()
    if present:
        try:
            raw = read_jsonl(
                path, text_columns=[c for c in sources if c not in ("line", "success")]
            )
        except OSError as error:
            raise PaperkitError(f"cannot read {name}: {error.strerror}", where) from error
        frame, lines = raw.frame, raw.lines
        found = [dataclasses.replace(w, path=where) for w in raw.skipped]
    else:
        frame, lines, found = pd.DataFrame({"line": pd.Series([], dtype=np.int64)}), 0, []
    checked = _Checks(frame, where)
    columns = _convert(frame, layout, checked)
    kept = ~checked.skipped
    extras = [c for c in frame.columns if c not in columns and c not in sources]
    result = pd.concat([pd.DataFrame(columns), frame[extras]], axis=1)[kept]
    found += checked.skips + [w for row, w in checked.warnings if kept[row]]
    found.sort(key=lambda w: w.line or 0)
    skipped = lines - int(kept.sum())
    stats = FileStats(name, present, lines, int(kept.sum()), skipped)
    return result.reset_index(drop=True), stats, found


class _Checks:
    """Collects the skip reasons (first problem wins) and value warnings for one file's rows."""

    def __init__(self, frame: pd.DataFrame, where: str) -> None:
        self.frame = frame
        self.where = where
        self.lines = frame["line"].to_numpy()
        self.skipped = np.zeros(len(frame), dtype=bool)
        self.skips: list[DataWarning] = []
        self.warnings: list[tuple[int, DataWarning]] = []

    def column(self, name: str) -> pd.Series:
        """The raw column ``name``, or an all-missing one when no record has the field."""
        if name in self.frame:
            return self.frame[name]
        return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)

    def skip(self, mask: pd.Series | np.ndarray, message: Callable[[int], str]) -> None:
        """Skip the rows in ``mask`` not skipped already, with ``message(row)`` as the reason."""
        new = np.asarray(mask, dtype=bool) & ~self.skipped
        for row in np.flatnonzero(new):
            self.skips.append(DataWarning(self.where, int(self.lines[row]), message(row)))
        self.skipped |= new

    def warn(self, mask: pd.Series | np.ndarray, message: Callable[[int], str]) -> None:
        """Warn about the rows in ``mask``; only rows that end up kept are reported."""
        for row in np.flatnonzero(np.asarray(mask, dtype=bool)):
            warning = DataWarning(self.where, int(self.lines[row]), message(row))
            self.warnings.append((row, warning))


def _convert(frame: pd.DataFrame, layout: _Layout, checks: _Checks) -> dict[str, pd.Series]:
    """Return the layout's columns converted; skips before warnings, in the contract's order."""
    columns: dict[str, pd.Series] = {"line": frame["line"]}
    stamp = _Parts(checks.column("timestamp"))
    parsed = pd.to_datetime(stamp.text, utc=True, format="ISO8601", errors="coerce")
    if layout.timestamp_required:
        checks.skip(stamp.missing, lambda _: "missing timestamp")
    unparseable = ~stamp.missing & parsed.isna().to_numpy()
    checks.skip(unparseable, lambda r: f"unparseable timestamp {_quoted(stamp.raw.iat[r])}")
    columns["timestamp"] = parsed.astype("datetime64[ns, UTC]")
    if field := layout.required:
        checks.skip(_Parts(checks.column(field)).missing, lambda _: f"missing {field}")
    for name in layout.columns:
        if name in NUMBERS:
            columns[name] = _number(name, checks)
    for name in layout.columns:
        if name in MONEY:
            columns[name] = _money(MONEY[name], checks)
        elif name in DURATIONS:
            columns[name] = _duration(DURATIONS[name], checks)
        elif name == "success":
            columns[name] = _success(checks)
        elif name not in columns:
            columns[name] = _text(checks.column(name))
    if "resource" in columns:
        lower = pc.utf8_lower(pc.utf8_trim_whitespace(_arrow(columns["resource"])))
        columns["resource"] = pd.Series(
            lower.to_numpy(zero_copy_only=False), index=frame.index, dtype=object
        )
    return {name: columns[name] for name in layout.columns}


class _Parts:
    """A raw column split by the kind of JSON value, so each kind is converted in one go.

    ``strings`` holds the str values (else None), ``numbers`` the JSON numbers as float64 (else
    NaN), ``other`` marks present values of any other kind (bools, lists, objects), and
    ``missing`` marks absent or null values and blank strings.
    """

    def __init__(self, raw: pd.Series) -> None:
        self.raw = raw
        index = raw.index
        self.other = np.zeros(len(raw), dtype=bool)
        if raw.dtype == np.float64:
            self.strings = pd.Series(None, index=index, dtype=object)
            self.numbers = raw
            self.missing = raw.isna().to_numpy()
            return
        if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
            self.strings = raw
            self.numbers = pd.Series(np.nan, index=index)
        else:  # the rare path: a column mixing kinds of value, looked at value by value
            is_text = _each(raw, lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            is_number = _each(raw, lambda v: type(v) in (int, float)).to_numpy(dtype=bool)
            self.strings = raw.where(is_text, None)
            self.numbers = raw.where(is_number, np.nan).astype(np.float64)
            self.other = raw.notna().to_numpy() & ~is_text & ~is_number
        blank = pc.equal(pc.utf8_trim_whitespace(_arrow(self.strings)), "")
        self.missing = raw.isna().to_numpy() | pc.fill_null(blank, False).to_numpy(
            zero_copy_only=False
        )

    @property
    def text(self) -> pd.Series:
        """The non-blank str values, else None."""
        return self.strings.where(~self.missing, None)


def _number(field: str, checks: _Checks) -> pd.Series:
    """A count, token or duration field as float64; skips text that is no number, and negatives."""
    parts = _Parts(checks.column(field))
    values, bad, text = parts.numbers, parts.other, parts.text
    if text.notna().any():  # numbers written as strings, "1200"
        from_text = pd.to_numeric(text, errors="coerce").astype(np.float64)
        values = values.fillna(from_text)
        bad = bad | (text.notna() & from_text.isna()).to_numpy()
    bad = bad | (values.notna() & ~np.isfinite(values)).to_numpy()
    show = parts.raw.iat
    checks.skip(bad, lambda r: f"{field}: not a number: {_quoted(show[r])}")
    checks.skip(values < 0, lambda r: f"{field}: negative value {_shown(show[r])}")
    return values.where(~bad)


def _money(field: str, checks: _Checks) -> pd.Series:
    """US dollars (``0.01``, ``"$0.01"``, ``"USD 1,234.50"``) as float64; warns on the rest."""
    parts = _Parts(checks.column(field))
    digits = pc.struct_field(pc.extract_regex(_arrow(parts.text), _MONEY_TEXT), "digits")
    from_text = pc.cast(pc.replace_substring(digits, ",", ""), pa.float64())
    from_text = pd.Series(from_text.to_numpy(zero_copy_only=False), index=parts.raw.index)
    values = parts.numbers.fillna(from_text)
    unusable = values.isna() | (values < 0) | ~np.isfinite(values)
    bad = ~parts.missing & unusable.to_numpy()
    message = "cannot read {} as US dollars; treated as missing"
    checks.warn(bad, lambda r: f"{field}: " + message.format(_quoted(parts.raw.iat[r])))
    return values.where(~bad)


def _duration(field: str, checks: _Checks) -> pd.Series:
    """Free-text durations as float64 minutes; warns on text paperkit cannot read."""
    parts = _Parts(checks.column(field))
    values = _each(parts.raw.where(~parts.missing, None), parse_minutes).astype(np.float64)
    bad = ~parts.missing & values.isna().to_numpy()
    message = "cannot read {} as a duration; treated as missing"
    checks.warn(bad, lambda r: f"{field}: " + message.format(_quoted(parts.raw.iat[r])))
    return values


def _success(checks: _Checks) -> pd.Series:
    """``success`` as nullable boolean (JSON bools, or "true"/"false" in any case)."""
    raw = checks.column("success")
    if pd.api.types.infer_dtype(raw, skipna=True) in ("boolean", "empty"):
        return raw.astype("boolean")
    values = _each(raw, _truth)
    message = "success: expected true or false, got {}; treated as unknown"
    checks.warn(raw.notna() & values.isna(), lambda r: message.format(_quoted(raw.iat[r])))
    return values.astype("boolean")


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    return {"true": True, "false": False}.get(word) if word else None


def _text(raw: pd.Series) -> pd.Series:
    """A text field as Python str with None for missing; other JSON values written as text."""
    if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        return raw
    return _each(raw, lambda v: None if _is_na(v) else _shown(v, limit=None))


def _arrow(strings: pd.Series) -> pa.Array:
    """A column of str/None as a pyarrow string array, for pyarrow's vectorised string kernels."""
    try:
        return pa.array(strings.to_numpy(), type=pa.string(), from_pandas=True)
    except UnicodeEncodeError:  # a lone surrogate, which json.loads lets through
        fixed = [v if v is None else v.encode("utf-8", "replace").decode() for v in strings]
        return pa.array(fixed, type=pa.string())


def _each(raw: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """``function`` applied value by value, as an object Series (for the rare, mixed columns)."""
    return pd.Series([function(v) for v in raw.tolist()], index=raw.index, dtype=object)


def _is_na(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _shown(value: object, limit: int | None = 60) -> str:
    """A JSON value as text for a message or a text column (``5.0`` as ``5``)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, bool | list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def _quoted(value: object) -> str:
    return f"'{_shown(value)}'"


def _load_log_md(
    path: Path, where: str
) -> tuple[tuple[Session, ...], FileStats, list[DataWarning]]:
    """Return the sessions of log.md (none if it is absent) and its stats."""
    if not path.exists():
        return (), FileStats(LOG_MD, False, 0, 0, 0), []
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PaperkitError(f"cannot read {LOG_MD}: {error.strerror}", where) from error
    found = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        found.append(DataWarning(where, line, "not valid UTF-8; unreadable bytes replaced"))
        text = data.decode("utf-8", errors="replace")
    sessions = parse_sessions(text)
    found.extend(
        DataWarning(
            where, s.line, f"Duration: cannot read '{s.duration}' as a duration; treated as missing"
        )
        for s in sessions
        if s.duration is not None and s.duration_min is None
    )
    lines = sum(1 for line in text.splitlines() if line.strip())
    return sessions, FileStats(LOG_MD, True, lines, len(sessions), 0), found
