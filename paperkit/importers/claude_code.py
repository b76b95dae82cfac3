"""Import Claude Code's session transcripts as ``claude-code.jsonl``: one record per API request.

Claude Code writes every session of a project to ``projects/<encoded cwd>/<session>.jsonl``
(subagents to ``<session>/subagents/agent-<id>.jsonl``) under its configuration folder. The
transcripts hold prompts, responses and tool output; the import keeps none of that text, only
what prices a request and counts the work: ids, timestamps, model, token counts, tool names and
flags. The result is committed beside the other logs, so a paper can be rebuilt where there are
no transcripts (CI).

One API response is written as several records sharing ``message.id`` and ``requestId``, the
early ones with a partial ``output_tokens``; a subagent may replay a main-thread record. Records
are merged on (``message.id``, ``requestId``), or ``message.id`` alone when ``requestId`` is
missing; the main-thread record wins over a sidechain replay, else the one with the largest
token total (the final streaming snapshot). The rules are those of docs/claude-code.md.

Lines are filtered on their bytes before any JSON is parsed (only lines that can be a request or
a user prompt are parsed), which is what keeps a large history fast; a line that is parsed and
cannot be used is reported as ``path:line: reason``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from paperkit.atomic import write_atomic
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.spec.load import instant, load_spec
from paperkit.tracking.append import experiment_folder

FILE_NAME = "claude-code.jsonl"
REQUEST = "request"
PROMPT = "prompt"
# The fields of a request record, in the order they are written.
REQUEST_FIELDS = (
    "type",
    "key",
    "timestamp",
    "session_id",
    "agent_id",
    "sidechain",
    "message_id",
    "request_id",
    "model",
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "web_search_requests",
    "api_error",
    "tools",
    "version",
)
PROMPT_FIELDS = ("type", "key", "timestamp", "session_id", "version")
_TOKENS = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cache_write_tokens": "cache_creation_input_tokens",
    "cache_read_tokens": "cache_read_input_tokens",
}
# Bytes a line must hold to be parsed at all: a request carries usage, a prompt is a user record.
_USAGE = b'"usage":'
_USER = b'"user"'
_NOT_A_PROMPT = ("<", "[Request interrupted")


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


def config_roots(environ: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Return the folders that hold Claude Code's ``projects/``, in the order they are searched.

    ``CLAUDE_CONFIG_DIR`` (a comma-separated list) replaces the defaults, which are
    ``$XDG_CONFIG_HOME/claude`` (``~/.config/claude``) and ``~/.claude``: Claude Code moved from
    the second to the first in version 1.0.30, and both may hold history.
    """
    env = os.environ if environ is None else environ
    where = home or Path.home()
    configured = env.get("CLAUDE_CONFIG_DIR", "").strip()
    if configured:
        return [Path(p.strip()).expanduser() for p in configured.split(",") if p.strip()]
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    return [(Path(xdg) if xdg else where / ".config") / "claude", where / ".claude"]


def encoded_project(directory: Path) -> str:
    """Return the name Claude Code gives a working directory's project folder.

    Every character other than an ASCII letter or digit becomes ``-``: ``/Users/chip/dev/ai-music``
    is ``-Users-chip-dev-ai-music`` (the real transcripts' ``cwd`` and folder names agree).
    """
    return re.sub(r"[^A-Za-z0-9]", "-", str(directory))


def project_folders(directory: Path, roots: Iterable[Path]) -> list[Path]:
    """Return the existing ``projects/<encoded directory>`` folders under ``roots``."""
    name = encoded_project(directory)
    found: list[Path] = []
    for root in roots:
        folder = root / "projects" / name
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in found]:
            found.append(folder)
    return found


def transcripts(folders: Iterable[Path]) -> list[Path]:
    """Return every ``*.jsonl`` under ``folders`` (subagents included), in a stable order."""
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted(p for p in folder.rglob("*.jsonl") if p.is_file()))
    return files


@dataclass(frozen=True)
class Bounds:
    """The instants records must fall in: ``[start, end)``, either side open."""

    start: datetime | None = None
    end: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


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


@dataclass
class Scan:
    """The records read from some transcripts, merged, and what was left out."""

    records: list[dict[str, object]]
    merged: int
    outside: int
    problems: list[DataWarning]


def scan_transcripts(files: Iterable[Path], bounds: Bounds = Bounds()) -> Scan:
    """Return the merged request and prompt records of ``files`` inside ``bounds``.

    A record outside the window is counted in ``outside``, before merging.
    """
    requests: dict[str, dict[str, object]] = {}
    tools: dict[str, dict[str, str]] = {}
    prompts: dict[str, dict[str, object]] = {}
    problems: list[DataWarning] = []
    merged = outside = 0
    for path in files:
        where = shown(path)
        for number, raw in _lines(path, where, problems):
            try:
                found = _record(raw)
            except _Unusable as reason:
                problems.append(DataWarning(where, number, str(reason)))
                continue
            if found is None:
                continue
            record, moment, used = found
            if not bounds.contains(moment):
                outside += 1
                continue
            key = str(record["key"])
            if record["type"] == PROMPT:
                prompts.setdefault(key, record)
                continue
            tools.setdefault(key, {}).update(used)
            earlier = requests.get(key)
            if earlier is None:
                requests[key] = record
            else:
                merged += 1
                if better(record, earlier):
                    requests[key] = record
    merged += _drop_replays(requests)
    for key, record in requests.items():
        record["tools"] = sorted(tools[key].values())
    return Scan([*requests.values(), *prompts.values()], merged, outside, problems)


def _drop_replays(requests: dict[str, dict[str, object]]) -> int:
    """Drop the sidechain records that replay a main-thread response under another
    ``requestId`` (a side question replays its parent's messages); return how many."""
    main = {r["message_id"] for r in requests.values() if not r["sidechain"] and r["message_id"]}
    replays = [k for k, r in requests.items() if r["sidechain"] and r["message_id"] in main]
    for key in replays:
        del requests[key]
    return len(replays)


def better(new: Mapping[str, object], old: Mapping[str, object]) -> bool:
    """Whether ``new`` should replace ``old`` (same key): main thread over a sidechain replay,
    else the larger token total; on a tie the record already kept stays."""
    if new["sidechain"] != old["sidechain"]:
        return not new["sidechain"]
    return _total(new) > _total(old)


def _total(record: Mapping[str, object]) -> int:
    return sum(int(record[f]) for f in _TOKENS)  # type: ignore[call-overload]


def _lines(path: Path, where: str, problems: list[DataWarning]) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) of the lines of ``path`` that may be a request or a prompt."""
    try:
        handle = path.open("rb")
    except OSError as error:
        problems.append(DataWarning(where, None, f"cannot read: {error.strerror}"))
        return
    with handle:
        for number, raw in enumerate(handle, 1):
            if _USAGE in raw or _USER in raw:
                yield number, raw.rstrip(b"\r\n")


class _Unusable(Exception):
    """A line that was parsed and cannot be used; its message is the reason."""


def _record(raw: bytes) -> tuple[dict[str, object], datetime, dict[str, str]] | None:
    """Return (record, its instant, its tool uses by id) for a request or prompt line, else None.

    Raises ``_Unusable`` for a line that is not JSON, or a request whose fields cannot be read.
    """
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise _Unusable(f"not valid JSON: {_reason(error)}") from None
    if not isinstance(data, dict):
        return None
    message = data.get("message")
    if not isinstance(message, dict):
        return None
    if isinstance(message.get("usage"), dict):
        return _request(data, message)
    if data.get("type") == "user" and _is_prompt(data, message):
        moment = _moment(data.get("timestamp"))
        uuid = data.get("uuid")
        if not isinstance(uuid, str) or not uuid:
            raise _Unusable("a user prompt without a uuid")
        record = {
            "type": PROMPT,
            "key": uuid,
            "timestamp": data["timestamp"],
            "session_id": _text(data.get("sessionId")),
            "version": _text(data.get("version")),
        }
        return record, moment, {}
    return None


def _reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    return "not UTF-8 text"


def _is_prompt(data: Mapping[str, object], message: Mapping[str, object]) -> bool:
    """Whether a user record is a prompt a person typed (not a tool result, command or note)."""
    if data.get("isSidechain") or data.get("isMeta") or data.get("isCompactSummary"):
        return False
    content = message.get("content")
    if isinstance(content, str):
        return not content.lstrip().startswith(_NOT_A_PROMPT)
    if not isinstance(content, list):
        return False
    blocks = [b for b in content if isinstance(b, dict)]
    if any(b.get("type") == "tool_result" for b in blocks):
        return False
    texts = [b.get("text") for b in blocks if b.get("type") == "text"]
    return any(isinstance(t, str) and not t.lstrip().startswith(_NOT_A_PROMPT) for t in texts)


def _request(
    data: Mapping[str, object], message: Mapping[str, object]
) -> tuple[dict[str, object], datetime, dict[str, str]]:
    usage = message["usage"]
    assert isinstance(usage, dict)
    moment = _moment(data.get("timestamp"))
    tokens = {name: _count(usage, field, name) for name, field in _TOKENS.items()}
    breakdown = usage.get("cache_creation")
    one_hour = None
    if isinstance(breakdown, dict):
        one_hour = _count(breakdown, "ephemeral_1h_input_tokens", "cache_write_1h_tokens")
    server = usage.get("server_tool_use")
    searches = _count(server, "web_search_requests", "web_search_requests") if server else 0
    message_id = _text(message.get("id"))
    request_id = _text(data.get("requestId"))
    if message_id is None:
        uuid = _text(data.get("uuid"))
        if uuid is None:
            raise _Unusable("a request with neither message.id nor uuid")
        key = f"uuid:{uuid}"
    else:
        key = message_id if request_id is None else f"{message_id}:{request_id}"
    model = _text(message.get("model"))
    record: dict[str, object] = {
        "type": REQUEST,
        "key": key,
        "timestamp": data["timestamp"],
        "session_id": _text(data.get("sessionId")),
        "agent_id": _text(data.get("agentId")),
        "sidechain": data.get("isSidechain") is True,
        "message_id": message_id,
        "request_id": request_id,
        "model": model,
        **tokens,
        "cache_write_1h_tokens": one_hour,
        "cache_read_tokens": tokens["cache_read_tokens"],
        "web_search_requests": searches,
        "api_error": data.get("isApiErrorMessage") is True or model == "<synthetic>",
        "tools": [],
        "version": _text(data.get("version")),
    }
    used: dict[str, str] = {}
    content = message.get("content")
    for index, block in enumerate(content if isinstance(content, list) else []):
        if isinstance(block, dict) and block.get("type") == "tool_use":
            name = block.get("name")
            if isinstance(name, str) and name:
                used[str(block.get("id") or f"{key}#{index}")] = name
    return {name: record[name] for name in REQUEST_FIELDS}, moment, used


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise _Unusable("missing timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Unusable(f"timestamp: cannot read {json.dumps(value)} as ISO 8601") from None
    if moment.tzinfo is None:
        raise _Unusable(f"timestamp: {json.dumps(value)} has no time zone")
    return moment.astimezone(UTC)


def _count(holder: object, field: str, name: str) -> int:
    """A token count: absent or null is 0 (older transcripts lack the cache fields)."""
    value = holder.get(field) if isinstance(holder, dict) else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Unusable(f"{name}: expected a whole number of tokens, got {json.dumps(value)}")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def encode(record: Mapping[str, object]) -> bytes:
    """One record as its line of ``claude-code.jsonl`` (compact JSON, fields in fixed order)."""
    fields = REQUEST_FIELDS if record["type"] == REQUEST else PROMPT_FIELDS
    ordered = {name: record.get(name) for name in fields}
    text = json.dumps(ordered, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def _order(record: Mapping[str, object]) -> tuple[datetime, str, str]:
    return _moment(record["timestamp"]), str(record["type"]), str(record["key"])


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
                    _moment(record.get("timestamp"))
                    ok = isinstance(record.get("key"), str)
            except (ValueError, _Unusable):
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
