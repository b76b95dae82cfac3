"""Every file of an experiment's tracking folder as typed, validated DataFrames.

The contract is the "Logs" section of ``docs/design.md``: one frame per JSONL file with fixed
columns (present even when the file or the field is missing), the sessions of ``log.md``, a
``FileStats`` per file, and the problems found as ``DataWarning`` values. A record that cannot be
used is skipped with its reason; a value that cannot be read but does not spoil the record is
left missing with a warning. This module owns the files and their layouts (which columns, which
fields are required, the order of the problems); ``paperkit.logs.values`` converts the columns, and
``paperkit.logs.sanity`` reports records whose fields contradict each other and drops the earlier
records of a repeated ``execution_id``. A line repeated byte for byte is read once
(``paperkit.logs.jsonl``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from paperkit.errors import DataWarning, PaperkitError
from paperkit.logs import files, judgements, memory, sanity, values
from paperkit.logs.fields import DURATIONS, FLAGS, LOG_MD, MONEY, NUMBERS, SIGNED
from paperkit.logs.files import check_within
from paperkit.logs.jsonl import RawFile, read_jsonl
from paperkit.logs.parquet import read_parquet
from paperkit.logs.sessionlog import Session, read_sessions
from paperkit.logs.values import too_large, written


@dataclass(frozen=True)
class _Layout:
    """A JSONL file's frame: its ``Logs`` attribute, columns and required fields."""

    attr: str
    names: str  # the contract's columns, in order, separated by spaces
    required: str | None = None  # fields every record must have, separated by spaces
    timestamp_required: bool = True
    unique: str | None = None  # a field naming the record: of records sharing it, the last counts
    rules: Callable[[dict[str, pd.Series], values.Checks], None] | None = None  # more skips
    key: Callable[[dict[str, pd.Series]], pd.Series] | None = None  # ``unique`` made of fields

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
        unique="execution_id",
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
    "quality.jsonl": _Layout(
        "quality",
        "line timestamp item_id model baseline preference score min max rater rubric blind notes",
        required="item_id model rater",
        rules=judgements.check,
        unique="judgement",
        key=judgements.key,
    ),
}
FILE_NAMES = (*_LAYOUTS, LOG_MD)


@dataclass(frozen=True)
class FileStats:
    """What was read from one file, each non-blank line counted once.

    ``lines`` (non-blank) = ``records`` kept + ``skipped`` (lines that cannot be used) +
    ``repeated`` (lines that repeat an earlier line byte for byte) + ``duplicates`` (records
    dropped because a later one has the same ``execution_id``). For log.md, ``records`` is the
    number of sessions, and the other counts are 0. ``sha256`` is the hash of the very bytes
    that were parsed, for the paper's provenance.
    """

    name: str
    present: bool
    lines: int
    records: int
    skipped: int
    repeated: int = 0
    duplicates: int = 0
    # Of the bytes parsed; None for an absent file. Not part of equality: it names the bytes,
    # while the counts describe what was read from them.
    sha256: str | None = field(default=None, compare=False)


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
    quality: pd.DataFrame
    sessions: tuple[Session, ...]
    files: dict[str, FileStats]
    warnings: tuple[DataWarning, ...]


def load_logs(
    folder: Path,
    *,
    display_path: Callable[[Path], str] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Logs:
    """Return the logs in ``folder``; a missing file (or folder) gives empty frames.

    ``display_path`` turns a file's path into the text used in its warnings (default ``str``).
    ``progress``, if given, is called with a file's shown path and the lines read so far, in
    all files, before each file is read and after each chunk of it, then once at the end with
    ``""`` and the records read (for a progress line on a terminal).
    Raises ``PaperkitError`` only when a file exists but cannot be read.
    """
    show = display_path or str
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, FileStats] = {}
    warnings: list[DataWarning] = []
    records = lines = 0
    for name, layout in _LAYOUTS.items():
        parts = log_parts(folder, name)
        for part in parts:
            check_within(folder, part, show(part))
        tell = None
        if progress is not None:
            tell = functools.partial(_tell, progress, show, lines)
        frame, stats, found = _load_jsonl(folder, name, parts, layout, show, tell)
        memory.give_back()  # what reading and checking this log freed, before the next
        frames[layout.attr] = frame
        files[name] = stats
        warnings += found
        records += stats.records
        lines += stats.lines
    path = folder / LOG_MD
    check_within(folder, path, show(path))
    sessions, files[LOG_MD], found = _load_log_md(path, show(path))
    warnings += found
    if progress is not None:
        progress("", records)
    return Logs(**frames, sessions=sessions, files=files, warnings=tuple(warnings))


def _tell(
    progress: Callable[[str, int], None],
    show: Callable[[Path], str],
    before: int,
    part: Path,
    lines: int,
) -> None:
    """Tell ``progress`` which file is being read and the lines read so far, in all."""
    progress(show(part), before + lines)


def log_parts(folder: Path, name: str) -> list[Path]:
    """Return the files that hold log ``name`` (e.g. ``worker-ai.jsonl``) in reading order.

    ``NAME``, then ``STEM.parquet``, then the files of the folder ``STEM/`` ending in NAME's
    suffix or ``.parquet``, sorted by name (one per day, say): a log that outgrew one file.
    """
    stem, suffix = name.rsplit(".", 1)
    found = [path for path in (folder / name, folder / f"{stem}.parquet") if path.exists()]
    split = folder / stem
    if split.is_dir():
        found += sorted(
            (p for p in split.iterdir() if p.suffix in (f".{suffix}", ".parquet") and p.is_file()),
            key=lambda p: p.name,
        )
    return found


def _read_part(
    path: Path,
    name: str,
    text_columns: list[str],
    where: str,
    on_chunk: Callable[[int], None] | None = None,
    arrow_text: tuple[str, ...] = (),
) -> RawFile:
    """One file of a log: JSONL or Parquet (``PaperkitError`` if it cannot be read).

    ``arrow_text`` names the fields whose text stays pyarrow's (``read_jsonl``)."""
    try:
        if path.suffix == ".parquet":
            files.check_regular(path, where)  # never a FIFO or a device, never over 2 GiB
            return read_parquet(path, text_columns=text_columns)
        return read_jsonl(path, text_columns=text_columns, on_chunk=on_chunk, arrow_text=arrow_text)
    except OSError as error:
        reason = error.strerror or str(error)
        raise PaperkitError(f"cannot read {name}: {reason}", where) from error
    except PaperkitError as error:
        raise PaperkitError(error.message, where) from error


def _load_jsonl(
    folder: Path,
    name: str,
    parts: list[Path],
    layout: _Layout,
    show: Callable[[Path], str],
    tell: Callable[[Path, int], None] | None = None,
) -> tuple[pd.DataFrame, FileStats, list[DataWarning]]:
    """Read, check and convert one log (an absent one as an empty file), from its ``parts``.

    Each part is read, converted and checked on its own, so a log of many files holds one
    file's raw text at a time; only the rule that looks across records (an id logged again)
    runs on the whole log. ``tell(part, lines)``, if given, hears which part is being read and
    the lines of this log read so far."""
    numbers = NUMBERS | SIGNED
    sources = [MONEY.get(c, DURATIONS.get(c, c)) for c in layout.columns if c not in numbers]
    text_columns = [c for c in sources if c != "line" and c not in FLAGS]
    converted = _converted(layout)
    where = show(parts[0] if len(parts) == 1 else folder / name)
    present = bool(parts)
    found: list[DataWarning] = []
    done: list[_Part] = []
    lines = repeated = 0
    digests: list[str | None] = []
    for part in parts:
        on_chunk = None
        if tell is not None:
            tell(part, lines)
            on_chunk = functools.partial(_after, tell, part, lines)
        raw = _read_part(part, name, text_columns, show(part), on_chunk, converted)
        found += [dataclasses.replace(w, path=show(part)) for w in raw.skipped + raw.repeated]
        lines += raw.lines
        repeated += len(raw.repeated)
        digests.append(raw.sha256)
        done.append(_check_part(raw.frame, layout, show(part), sources))
        del raw  # this file's raw text goes before the next is read
    if not present:
        empty = pd.DataFrame({"line": pd.Series([], dtype=np.int64)})
        done.append(_check_part(empty, layout, where, sources))
    sha256 = digests[0] if len(parts) == 1 else None
    wheres = None
    if len(parts) > 1:
        listing = "".join(
            f"{digest}  {part.relative_to(folder).as_posix()}\n"
            for part, digest in zip(parts, digests, strict=True)
        )
        sha256 = hashlib.sha256(listing.encode()).hexdigest()
        sizes = [len(piece.table) for piece in done]
        wheres = np.repeat(np.array([show(part) for part in parts], dtype=object), sizes)
    table = done[0].table if len(done) == 1 else _joined([d.table for d in done])
    kept = ~np.concatenate([d.checks.skipped for d in done])
    duplicates = 0
    if field := layout.unique:
        columns = {c: table[c] for c in layout.columns}
        ids = layout.key(columns) if layout.key is not None else columns[field]
        line_numbers = np.concatenate([d.checks.lines for d in done])
        dropped, later = sanity.later_records(field, ids, kept, line_numbers, where, wheres)
        kept &= ~dropped
        found += later
        duplicates = len(later)
    offset = 0
    for piece in done:
        found += piece.checks.skips
        found += [w for row, w in piece.checks.warnings if kept[offset + row]]
        offset += len(piece.table)
    order = {show(part): i for i, part in enumerate(parts)}
    found.sort(key=lambda w: (order.get(w.path, 0), w.line or 0))
    records = int(kept.sum())
    skipped = lines - records - repeated - duplicates
    stats = FileStats(name, present, lines, records, skipped, repeated, duplicates, sha256)
    return table[kept].reset_index(drop=True), stats, found


def _joined(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts' records as one frame. A field that some files lack is missing (None) in
    their records, as it is in a file's own records that lack it, not pandas' NaN."""
    table = pd.concat(tables, ignore_index=True)
    for name in table.columns:
        if table[name].dtype == object and not all(name in part for part in tables):
            table[name] = table[name].where(table[name].notna(), None)
    return table


@dataclass(frozen=True)
class _Part:
    """One file of a log, converted: its records (layout columns, then the other fields) with
    the skips and warnings of its own rows."""

    table: pd.DataFrame
    checks: values.Checks


def _check_part(frame: pd.DataFrame, layout: _Layout, where: str, sources: list[str]) -> _Part:
    """Convert and check one file's raw records (``where`` names the file in warnings)."""
    checks = values.Checks(frame, where)
    columns = _convert(frame, layout, checks)
    if layout.rules is not None:
        layout.rules(columns, checks)
    sanity.check(columns, checks)
    extras = [c for c in frame.columns if c not in columns and c not in sources]
    # A copy of its own: a view of the extras would keep the read frame's whole blocks (every
    # record's text, say) alive for as long as the logs.
    converted = pd.DataFrame(columns, copy=False)
    table = pd.concat([converted, frame[extras].copy(deep=True)], axis=1)
    # The checks keep only what the load needs after this: not the raw frame.
    checks.frame = pd.DataFrame()
    return _Part(table, checks)


def _converted(layout: _Layout) -> tuple[str, ...]:
    """The fields of ``layout`` read only to be converted (the timestamp, money, durations):
    their text can stay pyarrow's, which the converters use as it is, with no Python string
    per record in between."""
    # A field that is also a column of its own (``time_spent`` beside ``time_spent_min``) is
    # kept as text too, and text columns are Python strings.
    kept = {c for c in layout.columns if c not in MONEY and c not in DURATIONS}
    money = [MONEY[c] for c in layout.columns if c in MONEY and MONEY[c] not in kept]
    durations = [
        DURATIONS[c] for c in layout.columns if c in DURATIONS and DURATIONS[c] not in kept
    ]
    return ("timestamp", *money, *durations)


def _after(tell: Callable[[Path, int], None], part: Path, before: int, lines: int) -> None:
    tell(part, before + lines)


def _convert(frame: pd.DataFrame, layout: _Layout, checks: values.Checks) -> dict[str, pd.Series]:
    """Return the layout's columns converted; skips before warnings, in the contract's order."""
    columns: dict[str, pd.Series] = {"line": frame["line"]}
    columns["timestamp"] = values.timestamp(checks, required=layout.timestamp_required)
    for needed in (layout.required or "").split():
        checks.skip(values.missing(checks.column(needed)), lambda _, f=needed: f"missing {f}")
    for name in layout.columns:
        if name in NUMBERS or name in SIGNED:
            columns[name] = values.number(name, checks, signed=name in SIGNED)
    for name in layout.columns:
        if name in MONEY:
            columns[name] = values.money(MONEY[name], checks)
        elif name in DURATIONS:
            columns[name] = values.duration(DURATIONS[name], checks)
        elif name in FLAGS:
            columns[name] = values.flag(name, checks)
        elif name == "resource":
            columns[name] = values.lowered_text(checks.column(name))
        elif name not in columns:
            columns[name] = values.text(checks.column(name))
    return {name: columns[name] for name in layout.columns}


def _load_log_md(
    path: Path, where: str
) -> tuple[tuple[Session, ...], FileStats, list[DataWarning]]:
    """Return the sessions of log.md (none if it is absent) and its stats."""
    if not path.exists():
        return (), FileStats(LOG_MD, False, 0, 0, 0), []
    try:
        data = files.read_log(path, where)
    except OSError as error:
        raise PaperkitError(f"cannot read {LOG_MD}: {error.strerror}", where) from error
    found = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        found.append(DataWarning(where, line, "not valid UTF-8; unreadable bytes replaced"))
        text = data.decode("utf-8", errors="replace")
    sessions, skipped = read_sessions(text)
    found.extend(DataWarning(where, line, reason) for line, reason in skipped)
    found.extend(
        DataWarning(
            where, s.line, f"Duration: cannot read '{s.duration}' as a duration; treated as missing"
        )
        for s in sessions
        if s.duration is not None and s.duration_min is None
    )
    huge = too_large(pd.Series([s.duration_min for s in sessions], dtype="float64"))
    found.extend(
        DataWarning(
            where,
            s.line,
            f"Duration: {written(s.duration)} is too large to add up "
            "(a sum would overflow); treated as missing",
        )
        for s, big in zip(sessions, huge, strict=True)
        if big
    )
    sessions = tuple(
        dataclasses.replace(s, duration_min=None) if big else s
        for s, big in zip(sessions, huge, strict=True)
    )
    found.sort(key=lambda w: w.line or 0)
    lines = sum(1 for line in text.splitlines() if line.strip())
    digest = hashlib.sha256(data).hexdigest()
    stats = FileStats(LOG_MD, True, lines, len(sessions), len(skipped), sha256=digest)
    return sessions, stats, found
