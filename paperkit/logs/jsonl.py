"""One JSONL file as a DataFrame, with the lines that could not be read reported by number.

The file is read a chunk of whole lines at a time (``CHUNK_BYTES``), on two threads, so its
bytes are never all in memory at once. The normal path hands every non-blank line of a chunk to
pyarrow's JSON reader in one call. When that reader refuses (a bad line, a value whose type
changes between rows), the line it names goes to the rare path, ``json.loads``, which says what
is wrong with it or keeps it, and pyarrow reads the lines around it again; so a few bad lines
cost a few more pyarrow reads, not a Python loop over the file. Past ``_RETRIES`` refusals in a
chunk, or where pyarrow reads nested objects, lines go the rare path. Either way the frame is
the same: a column is ``float64`` when its values are all numbers, else ``object`` with
``None`` for missing (equal strings sharing one object); columns in the order ``line``,
``text_columns``, then first appearance.

A line that repeats an earlier one byte for byte (a write logged twice) is read once: the first
is kept, each repeat is reported. Every line is hashed as it is read; only when two hashes are
equal are those lines read again and compared byte for byte, wherever they are in the file.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj

from paperkit.errors import DataWarning, PaperkitError
from paperkit.logs import files, guards, memory
from paperkit.logs.columns import Piece, column, compact, frame_of

_BOM = b"\xef\xbb\xbf"
# pyarrow reports a column that held strings and then a number as
# "Column(/name) changed from string to number in row N".
_STRING_TO_NUMBER = re.compile(r"Column\(/([^)/]*)\) changed from string to number")
_ROW = re.compile(r" in row (\d+)$")  # which row pyarrow refused, counted from its block's start
_RETRIES = 32  # refused pyarrow reads before the rest of a chunk is read line by line
CHUNK_BYTES = 4 * 2**20  # a file is read this much at a time (measured: paperkit docs performance)
_AHEAD = 2  # chunks read or being read at once: one per thread
_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclass(frozen=True, eq=False)
class RawFile:
    """A JSONL file's records (``frame``, with a 1-based ``line`` column), its skipped lines and
    its repeated lines.

    ``lines`` counts the non-blank lines, so ``lines == len(frame) + len(skipped) +
    len(repeated)``.
    """

    frame: pd.DataFrame
    lines: int
    skipped: tuple[DataWarning, ...]
    repeated: tuple[DataWarning, ...] = ()
    sha256: str | None = None  # of the bytes read, so provenance names exactly what was parsed


def read_jsonl(
    path: Path,
    *,
    text_columns: Sequence[str],
    chunk_bytes: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    arrow_text: Sequence[str] = (),
) -> RawFile:
    """Return the records of the JSONL file at ``path`` (``OSError`` if it cannot be read).

    JSON strings stay Python ``str`` (pyarrow alone would turn ISO dates into timestamps), JSON
    numbers become ``float64``. The ``text_columns`` are always present, all ``None`` when no
    record has them. Skipped lines are reported as ``DataWarning(str(path), line, reason)``, and
    so is each line that repeats an earlier one (its bytes, trimmed, are the same): that line is
    neither a record nor a skip, whatever the line it repeats is.

    The file is read ``chunk_bytes`` (default ``CHUNK_BYTES``) at a time, whole lines each,
    two pieces at once, so memory holds the records and a few pieces, never the whole file.
    ``on_chunk``, if given, is called after each piece with the non-blank lines read so far
    (for a progress line). A column named in ``arrow_text`` whose values are all text stays
    pyarrow's (``large_string[pyarrow]``, None for missing): a column of distinct values, such
    as the timestamps, costs a third of the memory so and is converted without a Python string
    per record.
    """
    digest = hashlib.sha256()
    chunks: list[_Chunk] = []
    count = 0  # non-blank lines read
    with files.open_log(path) as handle:
        pieces_of = _chunks(handle, chunk_bytes or CHUNK_BYTES, digest)
        for chunk in _each(pieces_of, text_columns):
            chunks.append(chunk)
            count += len(chunk.numbers)
            if on_chunk is not None and len(chunk.numbers):
                on_chunk(count)
    pieces = [piece for chunk in chunks for piece in chunk.pieces]
    skipped = [skip for chunk in chunks for skip in chunk.skipped]
    repeated: tuple[DataWarning, ...] = ()
    hashes = np.concatenate([chunk.hashes for chunk in chunks])
    shared = pd.Series(hashes).duplicated(keep=False).to_numpy()  # lines whose hash repeats
    if shared.any():  # the rare path: some lines may repeat others
        numbers = np.concatenate([chunk.numbers for chunk in chunks])
        copies = _copies(path, numbers[shared])
        message = "repeats line {} byte for byte; counted once"
        repeated = tuple(
            DataWarning(str(path), line, message.format(first)) for line, first in copies
        )
        drop = np.array([line for line, _ in copies], dtype=np.int64)
        pieces = [_without(piece, drop) for piece in pieces]
        dropped = set(drop.tolist())
        skipped = [(line, reason) for line, reason in skipped if line not in dropped]
    del chunks
    names = dict.fromkeys(name for piece in pieces for name in piece.columns)
    columns = {}
    for name in names:
        # Each column's pieces go as soon as it is made, and the memory they held goes back
        # to the system (paperkit.logs.memory), or it would add to the peak.
        parts = [piece.columns.pop(name, len(piece.rows)) for piece in pieces]
        columns[name] = column(parts, as_arrow=name in arrow_text)
        del parts
        memory.give_back()
    kept = np.concatenate([np.asarray(piece.rows, dtype=np.int64) for piece in pieces] or [[]])
    warnings = tuple(DataWarning(str(path), line, reason) for line, reason in sorted(skipped))
    frame = frame_of(columns, kept, text_columns)
    return RawFile(frame, count, warnings, repeated, digest.hexdigest())


@dataclass(frozen=True)
class _Chunk:
    """What one piece of a file gave: the line numbers of its non-blank lines, a hash of each
    line (to find repeats across pieces), its records and its skipped lines, by line number."""

    numbers: np.ndarray
    hashes: np.ndarray
    pieces: list[Piece]
    skipped: list[tuple[int, str]]


def _chunks(handle: BinaryIO, size: int, digest: Any) -> Iterator[tuple[int, bytes]]:
    """Yield the file's text in pieces of whole lines, each with the number of its first line.

    Each piece is about ``size`` bytes (more when one line is longer); the newline that ends a
    piece belongs to neither, so splitting every piece at ``\n`` gives the lines splitting the
    whole file would. A byte-order mark at the start is left out; ``digest`` sees every byte.
    A line longer than ``size`` is gathered block by block and joined once, so a file that is
    one huge line costs one copy of it, not one per block.
    """
    head = handle.read(len(_BOM))
    digest.update(head)
    rest = [b"" if head == _BOM else head]  # the start of a line not ended yet, in blocks
    first = 1
    while block := handle.read(size):
        digest.update(block)
        cut = block.rfind(b"\n")
        if cut < 0:
            rest.append(block)
            continue
        data = b"".join([*rest, block[:cut]])
        yield first, data
        first += data.count(b"\n") + 1
        rest = [block[cut + 1 :]]
    yield first, b"".join(rest)


def _each(chunks: Iterator[tuple[int, bytes]], text_columns: Sequence[str]) -> Iterator[_Chunk]:
    """Read the chunks in order, two at a time on two threads: pyarrow's parse of one runs
    while Python splits the next. At most ``_AHEAD`` chunks are in memory at once."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque[Future[_Chunk]] = deque()
        for first, data in chunks:
            pending.append(pool.submit(_read_chunk, first, data, text_columns))
            if len(pending) >= _AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _read_chunk(first: int, written: bytes, text_columns: Sequence[str]) -> _Chunk:
    """Read the lines of ``written``, the first of which is line ``first`` of its file."""
    data = guards.quote_nan(_quote_numbers(written, text_columns))
    del written
    whole: bytes | None = None  # the lines joined by newlines, when that is ``data`` itself
    starts = _clean(data)
    if starts is not None:  # the normal case: every line is a record, nothing to trim
        lines = data.split(b"\n")
        numbers = np.arange(first, first + len(lines), dtype=np.int64)
        whole = data
    else:
        numbered = [
            (number, line)
            for number, raw in enumerate(data.split(b"\n"), first)
            if (line := raw.strip())
        ]
        numbers = np.fromiter((n for n, _ in numbered), dtype=np.int64, count=len(numbered))
        lines = [line for _, line in numbered]
        del numbered
    del data
    # Equal lines as written are equal after quoting, so equal hashes find every repeat.
    hashes = np.fromiter(map(hash, lines), dtype=np.int64, count=len(lines))
    deep = guards.too_deep(lines, joined=whole, starts=starts)
    rows = np.arange(len(lines))
    skipped: list[tuple[int, str]] = []
    if deep:  # the rare path: skipped before any parser sees them
        rows = np.array([row for row in range(len(lines)) if row not in deep], dtype=np.int64)
        skipped = [(int(numbers[row]), reason) for row, reason in deep.items()]
        lines = [lines[row] for row in rows]
        whole = None
    pieces, found = _read(lines, text_columns, whole)
    del lines, whole
    located = [
        Piece(
            numbers[rows[np.asarray(p.rows, dtype=np.int64)]],
            {name: compact(values) for name, values in p.columns.items()},
        )
        for p in pieces
    ]
    skipped += [(int(numbers[rows[row]]), reason) for row, reason in found]
    return _Chunk(numbers, hashes, located, skipped)


# What ``bytes.strip`` trims.
_WHITESPACE = np.frombuffer(b" \t\n\r\x0b\x0c", dtype=np.uint8)
_OPENERS = np.frombuffer(b"[{", dtype=np.uint8)


def _clean(data: bytes) -> int | None:
    """When every line of ``data`` is non-blank and starts and ends with no whitespace, so
    ``data.split(b"\\n")`` already gives the trimmed non-blank lines, return how many of them
    start with ``[`` or ``{`` (for ``guards.too_deep``); else None. Vectorised: only the bytes
    on either side of each newline are looked at."""
    if not data or data[:1].isspace() or data[-1:].isspace():
        return None
    text = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(text == 10)  # never the first or last byte, checked above
    if np.isin(text[breaks - 1], _WHITESPACE).any():
        return None
    starts = text[breaks + 1]
    if np.isin(starts, _WHITESPACE).any():
        return None
    return int(np.isin(starts, _OPENERS).sum()) + (data[:1] in (b"[", b"{"))


def _copies(path: Path, candidates: np.ndarray) -> list[tuple[int, int]]:
    """Return each line among ``candidates`` (line numbers whose hashes repeat) that repeats an
    earlier line byte for byte, trimmed, with the number of the first such line.

    The lines are read again as written: ``_quote_numbers`` may make different lines equal
    (``"cost_estimate":0.5`` and ``"cost_estimate":"0.5"``), never equal lines different.
    """
    wanted = set(candidates.tolist())
    lines: list[bytes] = []
    numbers: list[int] = []
    digest = hashlib.sha256()
    with files.open_log(path) as handle:
        for first, data in _chunks(handle, CHUNK_BYTES, digest):
            for number, raw in enumerate(data.split(b"\n"), first):
                if number in wanted:
                    numbers.append(number)
                    lines.append(raw.strip())
    if len(lines) != len(wanted):
        raise PaperkitError("changed while it was being read; build again", str(path))
    firsts = _first_copies(lines)
    if firsts is None:
        return []
    return [
        (numbers[row], numbers[firsts[row]])
        for row in np.flatnonzero(firsts != np.arange(len(lines)))
    ]


def _without(piece: Piece, drop: np.ndarray) -> Piece:
    """``piece`` without the records of the lines numbered in ``drop``."""
    keep = ~np.isin(piece.rows, drop)
    if keep.all():
        return piece
    columns = {
        name: [v for v, k in zip(values, keep, strict=True) if k]
        if isinstance(values, list)
        else values.filter(pa.array(keep))
        for name, values in piece.columns.items()
    }
    return Piece(np.asarray(piece.rows)[keep], columns)


def _first_copies(lines: list[bytes]) -> np.ndarray | None:
    """Return, for each line, the index of the first line with the same bytes; None when all
    differ.

    One hash of every line (``pandas.factorize``), so a big file costs no Python loop.
    """
    codes, distinct = pd.factorize(np.array(lines, dtype=object))
    if len(distinct) == len(lines):
        return None
    _, firsts = np.unique(codes, return_index=True)  # firsts[code]: where it first appears
    return firsts[codes]


def _quote_numbers(data: bytes, text_columns: Sequence[str]) -> bytes:
    """Return ``data`` with the JSON numbers of ``text_columns`` written as strings, as written.

    Logs mix ``"cost_estimate":"$0.01"`` and ``"cost_estimate":0.01``; pyarrow refuses a column
    whose type changes, so without this every such line would cost a refused read. Matching
    only a key right after ``{`` or ``,`` leaves text inside JSON strings alone (their quotes
    are escaped). Both reading paths see the same bytes, so they agree.

    A match never crosses a line, and every match has a key followed by a digit or ``-``; so
    a cheap search for that finds the few lines to rewrite, and only those go through the
    full pattern (trying it at every ``{`` and ``,`` of a large file is what costs).
    """
    if not text_columns:
        return data
    names = b"|".join(re.escape(name.encode()) for name in text_columns)
    number = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
    pattern = re.compile(
        rb'([{,][ \t]*"(?:' + names + rb')"[ \t]*:[ \t]*)(' + number + rb")(?=[ \t]*[,}])"
    )
    candidate = re.compile(rb'"(?:' + names + rb')"[ \t]*:[ \t]*[-0-9]')
    pieces: list[bytes] = []
    done = 0  # data[:done] is in pieces
    for hit in candidate.finditer(data):
        start = data.rfind(b"\n", 0, hit.start()) + 1
        if start < done:  # another hit on a line already rewritten
            continue
        end = data.find(b"\n", hit.end())
        end = len(data) if end < 0 else end
        pieces += [data[done:start], pattern.sub(rb'\1"\2"', data[start:end])]
        done = end
    if not pieces:
        return data
    pieces.append(data[done:])
    return b"".join(pieces)


def _read(
    lines: list[bytes], text_columns: Sequence[str], whole: bytes | None = None
) -> tuple[list[Piece], list[tuple[int, str]]]:
    """Return the records in line order, and the skipped lines' indices with the reasons.

    Spans of lines go to pyarrow; a span it refuses is split around the line it names (or in
    halves when it names none) and the named line goes to ``json.loads``. ``whole``, when
    given, is ``b"\\n".join(lines)``, already made.
    """
    pieces: list[Piece] = []
    skipped: list[tuple[int, str]] = []
    todo = [(range(len(lines)), False)]  # (span, by line); popped from the end, so in order
    refusals = 0
    while todo:
        span, by_line = todo.pop()
        if refusals > _RETRIES:  # too many bad lines to look for them one at a time
            todo, span, by_line = [], range(span.start, len(lines)), True
        if not span:
            continue
        if by_line:
            pieces.append(_by_line(lines, span, skipped))
            continue
        joined = whole if whole is not None and span == range(len(lines)) else None
        found = _table(lines[span.start : span.stop], text_columns, joined)
        if isinstance(found, tuple):
            table, order = found
            if any(_nested_object(f.type) for f in table.schema) or not guards.sound_table(table):
                todo.append((span, True))  # json.loads keeps nested objects as written
            else:
                pieces.append(Piece(span, {name: table.column(name) for name in order}))
            continue
        refusals += 1
        if found is not None and 0 <= found < len(span):
            bad = span.start + found
            todo += [(range(bad + 1, span.stop), False), (range(bad, bad + 1), True)]
            todo.append((range(span.start, bad), False))
        elif len(span) == 1:
            todo.append((span, True))
        else:
            middle = (span.start + span.stop) // 2
            todo += [(range(middle, span.stop), False), (range(span.start, middle), False)]
    return pieces, skipped


def _table(
    lines: list[bytes], text_columns: Sequence[str], joined: bytes | None = None
) -> tuple[pa.Table, list[str]] | int | None:
    """Read ``lines`` with pyarrow: the table and its columns in first-appearance order.

    When pyarrow refuses, return the index of the line at fault, or None if it is not known.
    ``joined``, when given, is ``b"\\n".join(lines)``.
    """
    data = joined if joined is not None else b"\n".join(lines)
    try:
        data.decode("utf-8")  # pyarrow would let invalid UTF-8 through into strings
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start)
    if b"null" in lines:  # pyarrow would read a `null` line as a record of nulls
        return lines.index(b"null")
    # One block, read by one thread: pyarrow counts the row it names from its block's start,
    # and blocks read in parallel list their columns in whichever order they finish.
    block_size = min(len(data) + 1, 2**31 - 1)
    read_options = pj.ReadOptions(use_threads=False, block_size=block_size)
    as_text = list(dict.fromkeys(text_columns))
    order: list[str] = []
    # _quote_numbers has already made text columns' numbers strings; a number it could not
    # see (an unusual spelling) makes pyarrow read that column again with its inferred type,
    # and a column that then still mixes strings and numbers fails at the first misfit.
    for _ in range(len(as_text) + 2):
        options = _options(as_text)
        try:
            table = pj.read_json(io.BytesIO(data), read_options=read_options, parse_options=options)
        except pa.ArrowInvalid as error:
            match = _STRING_TO_NUMBER.search(str(error))
            if match is None or match[1] not in as_text:
                row = _ROW.search(str(error))
                return int(row[1]) if row and len(data) < block_size else None
            as_text.remove(match[1])
            continue
        # First appearance order, before a column below moves to the front as explicit schema.
        order = order or table.column_names
        # pyarrow turns ISO-looking strings into timestamps; read those columns as text too.
        stamped = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
        if not stamped:
            break
        as_text += stamped
    else:
        return None
    if table.num_rows != len(lines):  # "{...} {...}" on one line
        return None
    return table, order


def _options(as_text: list[str]) -> pj.ParseOptions:
    schema = pa.schema([(name, pa.string()) for name in as_text])
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")


def _nested_object(kind: pa.DataType) -> bool:
    """True for structs (and timestamps) anywhere in ``kind``: json.loads keeps those as written."""
    if pa.types.is_struct(kind) or pa.types.is_timestamp(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _nested_object(kind.value_type)
    return False


def _by_line(lines: list[bytes], span: range, skipped: list[tuple[int, str]]) -> Piece:
    """Read the lines of ``span`` one by one; add the ones that are not JSON objects to
    ``skipped`` with the reason."""
    records: list[dict] = []
    kept: list[int] = []
    for row in span:
        try:
            record = json.loads(lines[row], parse_int=guards.json_int)
        except UnicodeDecodeError as error:
            skipped.append((row, f"not valid JSON: {error.reason} (UTF-8)"))
            continue
        except json.JSONDecodeError as error:
            reason = error.msg.removesuffix(" at")  # "Unterminated string starting at"
            skipped.append((row, f"not valid JSON: {reason} at column {error.colno}"))
            continue
        if not isinstance(record, dict):
            kind = _JSON_TYPES.get(type(record), "null")
            skipped.append((row, f"not a JSON object (got {kind})"))
            continue
        if b"\\u" in lines[row] and (reason := guards.lone_surrogate(record)):
            skipped.append((row, reason))
            continue
        records.append(record)
        kept.append(row)
    names = dict.fromkeys(name for record in records for name in record)
    return Piece(kept, {name: [record.get(name) for record in records] for name in names})
