"""Claude Code's session transcripts: where they are, and the requests and prompts they hold.

Claude Code writes every session of a project to ``projects/<encoded cwd>/<session>.jsonl``
(subagents to ``<session>/subagents/agent-<id>.jsonl``) under its configuration folder. This
module finds those files and reads from them what prices a request and counts the work: ids,
timestamps, model, token counts, tool names and flags, never the text.

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
from datetime import UTC, datetime
from pathlib import Path

from paperkit.errors import DataWarning, shown

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
    "speed",
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
    """Return the project folders of ``directory`` under ``roots``.

    The folder named :func:`encoded_project` in each root's ``projects/``; when a root has none,
    the folders whose transcripts give ``directory`` as their ``cwd`` (a name Claude Code
    shortened or wrote another way still finds its project).
    """
    found: list[Path] = []
    for root in roots:
        folder = root / "projects" / encoded_project(directory)
        if folder.is_dir():
            candidates = [folder]
        elif (root / "projects").is_dir():
            candidates = [
                f
                for f in sorted((root / "projects").iterdir())
                if f.is_dir() and _cwd_of(f) == str(directory)
            ]
        else:
            candidates = []
        for candidate in candidates:
            if candidate.resolve() not in [f.resolve() for f in found]:
                found.append(candidate)
    return found


def _cwd_of(folder: Path) -> str | None:
    """Return the ``cwd`` the first transcript of ``folder`` records, or None."""
    for path in sorted(folder.glob("*.jsonl")):
        try:
            with path.open("rb") as handle:
                for raw in handle:
                    if b'"cwd":' in raw:
                        try:
                            cwd = json.loads(raw).get("cwd")
                        except (ValueError, AttributeError):
                            continue
                        return cwd if isinstance(cwd, str) else None
        except OSError:
            continue
    return None


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
            except Unusable as reason:
                problems.append(DataWarning(where, number, str(reason)))
                continue
            if found is None:
                continue
            record, when, used = found
            if not bounds.contains(when):
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


class Unusable(Exception):
    """A line that was parsed and cannot be used; its message is the reason."""


def _record(raw: bytes) -> tuple[dict[str, object], datetime, dict[str, str]] | None:
    """Return (record, its instant, its tool uses by id) for a request or prompt line, else None.

    Raises ``Unusable`` for a line that is not JSON, or a request whose fields cannot be read.
    """
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise Unusable(f"not valid JSON: {_reason(error)}") from None
    if not isinstance(data, dict):
        return None
    message = data.get("message")
    if not isinstance(message, dict):
        return None
    if isinstance(message.get("usage"), dict):
        return _request(data, message)
    if data.get("type") == "user" and _is_prompt(data, message):
        when = moment(data.get("timestamp"))
        uuid = data.get("uuid")
        if not isinstance(uuid, str) or not uuid:
            raise Unusable("a user prompt without a uuid")
        record = {
            "type": PROMPT,
            "key": uuid,
            "timestamp": data["timestamp"],
            "session_id": _text(data.get("sessionId")),
            "version": _text(data.get("version")),
        }
        return record, when, {}
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
    when = moment(data.get("timestamp"))
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
            raise Unusable("a request with neither message.id nor uuid")
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
        "speed": _text(usage.get("speed")),  # "fast" bills more than the standard price
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
    return {name: record[name] for name in REQUEST_FIELDS}, when, used


def moment(value: object) -> datetime:
    """A record's ``timestamp`` as an aware UTC datetime (``Unusable`` if it is not one)."""
    if not isinstance(value, str):
        raise Unusable("missing timestamp")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Unusable(f"timestamp: cannot read {json.dumps(value)} as ISO 8601") from None
    if parsed.tzinfo is None:
        raise Unusable(f"timestamp: {json.dumps(value)} has no time zone")
    return parsed.astimezone(UTC)


def _count(holder: object, field: str, name: str) -> int:
    """A token count: absent or null is 0 (older transcripts lack the cache fields)."""
    value = holder.get(field) if isinstance(holder, dict) else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Unusable(f"{name}: expected a whole number of tokens, got {json.dumps(value)}")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
