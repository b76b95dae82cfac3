"""``paperkit import claude-code``: Claude Code's transcripts as ``claude-code.jsonl``.

One record per API request (merged, see :mod:`paperkit.importers.transcripts`) and per prompt
a person typed, with no prompt or response text, written into the experiment's folder and
committed beside the other logs, so a paper can be rebuilt where there are no transcripts (CI).
The file is rewritten atomically, sorted, and upserted by key: importing the same transcripts
again gives the same bytes, and a later import keeps the requests of transcripts Claude Code
has since deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from paperkit.atomic import write_atomic
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.importers.transcripts import (
    PROMPT,
    PROMPT_FIELDS,
    REQUEST,
    REQUEST_FIELDS,
    Bounds,
    Unusable,
    better,
    config_roots,
    encoded_project,
    moment,
    project_folders,
    scan_transcripts,
    transcripts,
)
from paperkit.spec.load import instant, load_spec
from paperkit.tracking.append import experiment_folder

FILE_NAME = "claude-code.jsonl"


@dataclass(frozen=True)
class ClaudeCodeImport:
    """What an import did.

    ``files`` transcripts were read; ``requests`` and ``prompts`` are the records found in them
    inside the window, after ``merged`` records repeating a request (streaming snapshots,
    sidechain replays) were merged; ``outside`` records fell outside the window. Of the
    records found, ``added`` were new to ``claude-code.jsonl``, ``updated`` replaced an earlier
    record of the same key and ``unchanged`` were already there; ``kept`` earlier records were
    not in this import and stay. ``problems`` are the lines that could not be used.
    """

    path: Path
    projects: tuple[Path, ...]
    files: int
    requests: int
    prompts: int
    merged: int
    outside: int
    added: int
    updated: int
    unchanged: int
    kept: int
    problems: tuple[DataWarning, ...]


def bounds_of(start: date | datetime | None, end: date | datetime | None, timezone: str) -> Bounds:
    """Return the window given as dates (``end`` inclusive) or times, read in ``timezone``."""
    return Bounds(
        instant(start, timezone, end=False) if start is not None else None,
        instant(end, timezone, end=True) if end is not None else None,
    )


def import_claude_code(
    spec_path: Path,
    experiment: str,
    *,
    project_dir: Path | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClaudeCodeImport:
    """Read this project's transcripts and upsert their requests into ``claude-code.jsonl``.

    The project is ``project_dir`` when given (a ``projects/<name>`` folder, or a working
    directory whose folder is looked up), else the spec's folder. The window is the spec's
    ``start``/``end`` for the experiment, each side replaced by ``since``/``until`` when given.
    Raises ``PaperkitError`` when no transcripts are found or the existing file cannot be read.
    """
    folder = experiment_folder(spec_path, experiment)
    spec = load_spec(spec_path)
    exp = spec.experiment(experiment)
    start = since if since is not None else (exp.start if exp else None)
    end = until if until is not None else (exp.end if exp else None)
    bounds = bounds_of(start, end, spec.timezone)
    projects = _projects(project_dir, spec_path.parent.resolve(), environ)
    files = transcripts(projects)
    scan = scan_transcripts(files, bounds)
    path = folder / FILE_NAME
    counts = upsert(path, scan.records)
    return ClaudeCodeImport(
        path,
        tuple(projects),
        len(files),
        sum(1 for r in scan.records if r["type"] == REQUEST),
        sum(1 for r in scan.records if r["type"] == PROMPT),
        scan.merged,
        scan.outside,
        *counts,
        tuple(scan.problems),
    )


def _projects(
    project_dir: Path | None, directory: Path, environ: Mapping[str, str] | None
) -> list[Path]:
    """Return the project folders to read, or raise saying where they were looked for."""
    roots = config_roots(environ)
    if project_dir is not None:
        if project_dir.is_dir() and any(project_dir.glob("*.jsonl")):
            return [project_dir]
        found = project_folders(project_dir.resolve(), roots)
        if found:
            return found
        raise PaperkitError(
            "no transcripts here, and no Claude Code project folder for this directory under "
            + ", ".join(shown(r / "projects") for r in roots),
            shown(project_dir),
        )
    found = project_folders(directory, roots)
    if not found:
        looked = ", ".join(shown(r / "projects" / encoded_project(directory)) for r in roots)
        raise PaperkitError(
            f"no Claude Code transcripts for {directory}: looked in {looked}; name the folder "
            "with --project-dir, or set CLAUDE_CONFIG_DIR"
        )
    return found


def encode(record: Mapping[str, object]) -> bytes:
    """One record as its line of ``claude-code.jsonl`` (compact JSON, fields in fixed order)."""
    fields = REQUEST_FIELDS if record["type"] == REQUEST else PROMPT_FIELDS
    ordered = {name: record.get(name) for name in fields}
    text = json.dumps(ordered, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def _order(record: Mapping[str, object]) -> tuple[datetime, str, str]:
    return moment(record["timestamp"]), str(record["type"]), str(record["key"])


def upsert(path: Path, records: list[dict[str, object]]) -> tuple[int, int, int, int]:
    """Merge ``records`` into the file at ``path`` by key and rewrite it atomically, sorted.

    Returns (added, updated, unchanged, kept). A record of a key already in the file replaces
    it only when it is better by :func:`better` (prompts never replace). An existing line that
    cannot be read stops the import, so that no line is ever lost by a rewrite.
    """
    existing = read_existing(path)
    added = updated = unchanged = 0
    for record in records:
        ident = (str(record["type"]), str(record["key"]))
        old = existing.get(ident)
        if old is None:
            added += 1
            existing[ident] = record
        elif record["type"] == REQUEST and better(record, old) and encode(record) != encode(old):
            updated += 1
            existing[ident] = record
        else:
            unchanged += 1
    kept = len(existing) - added - updated - unchanged
    data = b"".join(encode(r) for r in sorted(existing.values(), key=_order))
    old_bytes = path.read_bytes() if path.exists() else None
    if data != old_bytes:
        write_atomic(path, data)
    return added, updated, unchanged, kept


def read_existing(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    """Return the records of an existing ``claude-code.jsonl`` by (type, key)."""
    if not path.exists():
        return {}
    found: dict[tuple[str, str], dict[str, object]] = {}
    where = shown(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                ok = isinstance(record, dict) and record.get("type") in (REQUEST, PROMPT)
                if ok:
                    moment(record.get("timestamp"))
                    ok = isinstance(record.get("key"), str)
            except (ValueError, Unusable):
                ok = False
            if not ok:
                raise PaperkitError(
                    "cannot read this record; fix or remove the line, then import again "
                    "(the import rewrites the file and would lose it)",
                    where,
                    number,
                )
            found[(record["type"], record["key"])] = record
    return found


def parse_moment(text: str, option: str) -> date | datetime:
    """Read ``--since``/``--until``: a date (YYYY-MM-DD) or an ISO 8601 time."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise PaperkitError(
            f"{option}: cannot read {text!r}; write a date (2025-01-14) or a time "
            "(2025-01-14T09:00:00Z)"
        ) from None


def describe(result: ClaudeCodeImport) -> str:
    """Return the one-line summary of an import, as the command prints it."""
    parts = [
        f"{result.requests} requests and {result.prompts} prompts from {result.files} transcripts",
        f"{result.merged} repeated records merged",
        f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged",
        f"{result.kept} earlier kept",
    ]
    if result.outside:
        parts.append(f"{result.outside} records outside the window")
    if result.problems:
        n = len(result.problems)
        parts.append(f"{n} unreadable line{'' if n == 1 else 's'}")
    return "; ".join(parts)
