"""Import the records a Worker logs, from a capture of ``wrangler tail --format json``.

wrangler prints each tail event as a JSON object indented over several lines (one
``JSON.stringify(event, null, 2)`` per event; ``packages/wrangler/src/tail/printing.ts`` in
cloudflare/workers-sdk), so a capture is a stream of JSON values, not JSON Lines. Each event has
``scriptName``, ``outcome``, ``eventTimestamp`` (ms since the epoch), ``exceptions`` and
``logs``; each log has ``level``, ``timestamp`` (ms) and ``message``, the array of the
``console.log`` arguments.

A Worker reports a record by logging one JSON object with a ``paperkit`` key naming the kind:
``console.log(JSON.stringify({paperkit: "worker-ai", model: ..., ...}))``. Such a record is
checked like ``paperkit log`` checks its options, takes the log's time when it has no
``timestamp``, and gets a ``paperkit_id`` (a hash of where it was logged and what it says) so
that importing the same or an overlapping capture again adds nothing twice.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperkit.errors import DataWarning, PaperkitError
from paperkit.logs import files, guards
from paperkit.tracking.append import append_records, experiment_folder
from paperkit.tracking.records import ID_FIELD, KINDS, build_record, kind_named

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EVENT_START = re.compile(r"^[{\[]", re.MULTILINE)  # where to resume after a broken value


@dataclass(frozen=True)
class TailImport:
    """What an import did. ``imported`` counts the records written, per kind (in ``KINDS``
    order, kinds with none left out); ``already`` those found in the logs from an earlier
    import; ``ignored`` the log lines that are not paperkit records; ``other_experiment`` the
    records addressed to another experiment; ``text_lines`` the lines of the capture that are
    not JSON (wrangler's own messages); ``problems`` the records and parts of the capture that
    could not be used, as ``capture:line: reason``.
    """

    events: int
    imported: dict[str, int]
    already: int
    ignored: int
    other_experiment: int
    text_lines: int
    problems: tuple[DataWarning, ...]


@dataclass
class _Capture:
    """The text of a capture and what reading it found."""

    path: str
    text: str
    newlines: list[int] = field(default_factory=list)
    problems: list[DataWarning] = field(default_factory=list)
    text_lines: int = 0

    def line(self, index: int) -> int:
        """The 1-based line of the character at ``index``."""
        return bisect.bisect_left(self.newlines, index) + 1


def import_wrangler_tail(capture: Path, spec_path: Path, experiment: str) -> TailImport:
    """Append the paperkit records of ``capture`` to experiment ``experiment``'s logs.

    Returns the counts and the problems; a record with a problem is reported, not written. A
    record already in the logs (by ``paperkit_id``) is not written again. Raises
    ``PaperkitError`` when the experiment has no folder or the capture cannot be read.
    """
    folder = experiment_folder(spec_path, experiment)
    source = _read(capture)
    records: dict[str, list[dict[str, object]]] = {name: [] for name in KINDS}
    ignored = other = events = 0
    for start, end, event in _events(source):
        events += 1
        cursor = start
        for index, log in enumerate(_logs(event)):
            payload, text, needle = _payload(log)
            if payload is None:
                ignored += 1
                continue
            cursor, line = _locate(source, needle, cursor, start, end)
            if payload.get("experiment") not in (None, experiment):
                other += 1
                continue
            try:
                kind, record = _record(payload, log, event)
            except PaperkitError as error:
                source.problems.append(DataWarning(source.path, line, error.message))
                continue
            key = "\x1f".join(map(str, (event.get("scriptName"), event.get("eventTimestamp"))))
            key += "\x1f".join(("", str(index), str(log.get("timestamp")), text))
            record[ID_FIELD] = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:16]
            records[kind].append(record)
    imported: dict[str, int] = {}
    already = 0
    for name, batch in records.items():
        if batch:
            appended = append_records(folder / KINDS[name].file, batch, dedupe=True)
            already += appended.already
            if appended.written:
                imported[name] = appended.written
    problems = tuple(sorted(source.problems, key=lambda w: w.line or 0))
    return TailImport(events, imported, already, ignored, other, source.text_lines, problems)


def _read(capture: Path) -> _Capture:
    try:
        data = files.read_log(capture)  # a FIFO or a device is refused, not read
    except OSError as error:
        raise PaperkitError(f"cannot read: {error.strerror}", capture) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PaperkitError("not UTF-8 text", capture, line) from None
    return _Capture(str(capture), text, [m.start() for m in re.finditer("\n", text)])


def _events(source: _Capture) -> Iterator[tuple[int, int, dict]]:
    """Yield (start, end, event) for each event object of the capture, in order.

    A top-level array is read as a list of events. Lines of other text are counted and passed
    over; a value that is not valid JSON is reported, and reading resumes at the next line that
    starts with ``{`` or ``[``.
    """
    decoder = json.JSONDecoder()
    text, position = source.text, 0
    while (position := _skip_space(text, position)) < len(text):
        if text[position] not in "{[":
            source.text_lines += 1
            position = _next_line(text, position)
            continue
        try:
            value, end = _decode(decoder, text, position)
        except ValueError as error:
            # Reported where the broken value starts: a cut-off event fails further down.
            message = str(error)
            if isinstance(error, json.JSONDecodeError):
                message = f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            source.problems.append(DataWarning(source.path, source.line(position), message))
            found = _EVENT_START.search(text, _next_line(text, position))
            position = found.start() if found else len(text)
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                yield position, end, item
            else:
                line = source.line(position)
                message = f"not a tail event (got {type(item).__name__})"
                source.problems.append(DataWarning(source.path, line, message))
        position = end


def _decode(decoder: json.JSONDecoder, text: str, position: int) -> tuple[object, int]:
    """Decode the JSON value at ``position``; a value nested too deep or a number of thousands
    of digits is a ``ValueError`` saying so, as a syntax error is."""
    try:
        return decoder.raw_decode(text, position)
    except RecursionError:
        raise ValueError(f"nested too deep (paperkit reads {guards.MAX_DEPTH} levels)") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python refuses to read an int of more than 4,300 digits
        raise ValueError("a number with thousands of digits; not a tail event") from None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _next_line(text: str, position: int) -> int:
    newline = text.find("\n", position)
    return len(text) if newline < 0 else newline + 1


def _logs(event: dict) -> list[dict]:
    logs = event.get("logs")
    return [log for log in logs if isinstance(log, dict)] if isinstance(logs, list) else []


def _payload(log: dict) -> tuple[dict | None, str, str]:
    """Return the paperkit record a log holds (None if none), its text, and how to find it.

    The record is the log's first argument: a JSON string (``JSON.stringify``) or an object.
    The text identifies the record; the last item is what the capture shows at its line.
    """
    message = log.get("message")
    first = message[0] if isinstance(message, list) and message else None
    if isinstance(first, str) and first.lstrip().startswith("{"):
        try:
            payload = json.loads(first)
        except (ValueError, RecursionError):  # not JSON, too deep, or thousands of digits
            return None, "", ""
        text, needle = first, json.dumps(first, ensure_ascii=False)
    elif isinstance(first, dict):
        payload, needle = first, '"paperkit"'
        try:
            text = json.dumps(first, ensure_ascii=False, sort_keys=True)
        except (ValueError, RecursionError):  # an int too long to write, or too deep
            return None, "", ""
    else:
        return None, "", ""
    if isinstance(payload, dict) and "paperkit" in payload:
        return payload, text, needle
    return None, "", ""


def _locate(source: _Capture, needle: str, cursor: int, start: int, end: int) -> tuple[int, int]:
    """Return (new cursor, line) of a log's record inside its event, for the problems found.

    The record is looked for as JSON writes it, after the previous one; when it cannot be
    found (another escaping), the event's first line stands in.
    """
    found = source.text.find(needle, cursor, end)
    if found < 0:
        return cursor, source.line(start)
    return found + len(needle), source.line(found)


def _record(payload: dict, log: dict, event: dict) -> tuple[str, dict[str, object]]:
    """Return the kind and the checked record of a paperkit payload (``PaperkitError`` if bad)."""
    values = {k: v for k, v in payload.items() if k not in ("paperkit", "experiment", ID_FIELD)}
    name = payload["paperkit"]
    if not isinstance(name, str):
        shown = json.dumps(name)
        raise PaperkitError(f"paperkit: expected the kind's name, such as worker-ai; got {shown}")
    try:
        kind = kind_named(name)
    except PaperkitError as error:
        raise PaperkitError(f"paperkit: {error.message}") from None
    when = _moment(log.get("timestamp")) or _moment(event.get("eventTimestamp"))
    if when is None and "timestamp" not in values:
        raise PaperkitError(f"{name}: no timestamp in the record, the log or the event")
    try:
        return name, build_record(kind, values, now=when)
    except PaperkitError as error:
        raise PaperkitError(f"{name}: {error.message}") from error


def _moment(milliseconds: object) -> datetime | None:
    """A wrangler time (ms since the epoch) as a datetime, exactly (no float rounding)."""
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, int | float):
        return None
    try:
        return _EPOCH + timedelta(milliseconds=int(milliseconds))
    except (OverflowError, ValueError):  # before year 1 or after 9999, or not a number (NaN)
        return None
