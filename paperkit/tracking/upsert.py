"""Replacing one record per day in ``cost-breakdown.jsonl``, keeping every other line as it was.

``paperkit costs --write`` records each day's costs. A day already in the file (by ``period``
when it is a date, else by the day of ``timestamp`` in the spec's time zone: the rule of
``paperkit.tracking.daily.record_days``) has its first line replaced in place; a day not in it is
put before the first line of a later day (appended when there is none), so a file in date order
stays in date order. Every other line is kept byte for byte, blank and unreadable lines
included, so no input is ever lost. Further lines of a written day are kept and reported, except
exact copies (same bytes, surrounding whitespace aside) of the line replaced or of the new line,
which are removed: they hold nothing the file does not keep, and a copy of the old line would
otherwise count as a record of its own once the line it repeats has changed.

The file is rewritten atomically (a temporary file, then a rename) while holding the exclusive
``fcntl.flock`` lock the appenders take on it. Because the rename puts a new file in place, a
writer that waited for the lock must check, once it holds it, that the path still names the
file it locked, and start again if not; ``_locked`` does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from paperkit.atomic import write_atomic
from paperkit.errors import PaperkitError, shown
from paperkit.logs import values
from paperkit.logs.jsonl import read_jsonl
from paperkit.safepaths import check_inside, check_regular
from paperkit.tracking.append import locked
from paperkit.tracking.daily import record_days

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Upserted:
    """What one upsert did; line numbers are those of the file before it.

    ``kept`` lists (line, day, replaced line) for further lines of a written day left as they
    were; ``removed`` lists (line, line it copied) for exact copies dropped.
    """

    path: Path
    replaced: tuple[date, ...]
    added: tuple[date, ...]
    kept: tuple[tuple[int, date, int], ...]
    removed: tuple[tuple[int, int], ...]
    changed: bool


def encode(record: Mapping[str, object]) -> bytes:
    """Return ``record`` as one compact JSON line (no newline), as the appenders write them."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def upsert_days(path: Path, lines: Mapping[date, bytes], timezone: str) -> Upserted:
    """Put one line per day of ``lines`` into the JSONL file at ``path`` (created if missing).

    Returns what was replaced, added, kept and removed. Writes nothing when the file would not
    change, so running it twice leaves the same bytes. Raises ``PaperkitError`` when the file
    cannot be read or written. A missing folder is created, as ``paperkit build`` does.
    """
    if not lines:
        return Upserted(path, (), (), (), (), changed=False)
    # Reading through a symlink out of the folder would copy that file into the new one.
    check_inside(path.parent, path, what="rewrite")
    check_regular(path, what="rewrite")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path) as fd:
            data = _read_all(fd)
            bom = data.startswith(_BOM)
            segments = data.removeprefix(_BOM).split(b"\n")
            days = _line_days(path, segments, timezone)
            result, out = _merge(path, segments, days, lines)
            new = (_BOM if bom else b"") + b"\n".join(out)
            if new != data:
                write_atomic(path, new)
    except OSError as error:
        raise PaperkitError(f"cannot write: {error.strerror}", shown(path)) from error
    return Upserted(path, *result, changed=new != data)


def _line_days(path: Path, segments: list[bytes], timezone: str) -> list[date | None]:
    """Return the day of each line (None for blank and unreadable lines).

    The lines are read as ``paperkit.logs.load`` reads them (``read_jsonl``, then a required
    ``timestamp``), so exactly the records the paper counts have a day. A line repeating an
    earlier one byte for byte gets its day too.
    """
    raw = read_jsonl(path, text_columns=["timestamp", "period"])
    checks = values.Checks(raw.frame, str(path))
    stamps = values.timestamp(checks, required=True)
    frame = pd.DataFrame(
        {
            "line": raw.frame["line"],
            "timestamp": stamps,
            "period": values.text(checks.column("period")),
        }
    )[~checks.skipped]
    by_bytes = {
        segments[line - 1].strip(): day
        for line, day in zip(frame["line"], record_days(frame, timezone), strict=True)
    }
    return [by_bytes.get(segment.strip()) if segment.strip() else None for segment in segments]


def _merge(
    path: Path, segments: list[bytes], days: list[date | None], lines: Mapping[date, bytes]
) -> tuple[tuple[object, ...], list[bytes]]:
    """Return the upsert's report fields and the new lines (joined with newlines)."""
    first: dict[date, int] = {}
    for index, day in enumerate(days):
        if day is not None and day in lines:
            first.setdefault(day, index)
    out: list[bytes] = []
    kept: list[tuple[int, date, int]] = []
    removed: list[tuple[int, int]] = []
    for index, (segment, day) in enumerate(zip(segments, days, strict=True)):
        if day is None or day not in lines:
            out.append(segment)
        elif index == first[day]:
            # A file written with \r\n keeps them on the replaced line.
            out.append(lines[day] + (b"\r" if segment.endswith(b"\r") else b""))
        elif segment.strip() in (lines[day], segments[first[day]].strip()):
            removed.append((index + 1, first[day] + 1))
        else:
            out.append(segment)
            kept.append((index + 1, day, first[day] + 1))
    added = sorted(day for day in lines if day not in first)
    if added:
        # The last segment is b"" when the file ends with a newline; else its last line gets one.
        day_of = {segment.strip(): day for segment, day in zip(segments, days, strict=True) if day}
        day_of.update({line.strip(): day for day, line in lines.items()})
        out = _insert_in_date_order(out, day_of, [(day, lines[day]) for day in added])
    replaced = tuple(sorted(first))
    return (replaced, tuple(added), tuple(kept), tuple(removed)), out


def _insert_in_date_order(
    out: list[bytes], day_of: Mapping[bytes, date], new: list[tuple[date, bytes]]
) -> list[bytes]:
    """Return ``out`` with each new day's line before the first kept line of a later day.

    A file kept in date order stays so; lines without a day (blank, unreadable) keep their place
    among their neighbours. ``day_of`` gives the day of each line (by its stripped bytes). The
    file ends with a newline afterwards.
    """
    body = out[:-1] if out and out[-1] == b"" else list(out)
    result: list[bytes] = []
    pending = list(new)  # sorted by day
    for segment in body:
        day = day_of.get(segment.strip())
        while pending and day is not None and pending[0][0] < day:
            result.append(pending.pop(0)[1])
        result.append(segment)
    result.extend(line for _, line in pending)
    return [*result, b""]


def _locked(path: Path) -> AbstractContextManager[int]:
    """Hold the exclusive lock of the file at ``path`` (created if missing); yields its fd."""
    return locked(path, os.O_RDWR | os.O_CREAT)


def _read_all(fd: int) -> bytes:
    """Return the whole file open as ``fd``."""
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
