"""One JSONL file as a DataFrame, with the lines that could not be read reported by number.

The normal path hands every non-blank line to pyarrow's JSON reader in one call. When that reader
refuses (a bad line, a value whose type changes between rows), the line it names goes to the rare
path, ``json.loads``, which says what is wrong with it or keeps it, and pyarrow reads the lines
around it again; so a few bad lines cost a few more pyarrow reads, not a Python loop over the
file. Past ``_RETRIES`` refusals, or where pyarrow reads nested objects, lines go the rare path.
Either way the frame is the same: a column is ``float64`` when its values are all numbers, else
``object`` with ``None`` for missing; columns in the order ``line``, ``text_columns``, then first
appearance.

A line that repeats an earlier one byte for byte (a write logged twice) is read once: the first
is kept, each repeat is reported. Repeats are found by hashing all lines at once.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj

from paperkit.errors import DataWarning

_BOM = b"\xef\xbb\xbf"
# pyarrow reports a column that held strings and then a number as
# "Column(/name) changed from string to number in row N".
_STRING_TO_NUMBER = re.compile(r"Column\(/([^)/]*)\) changed from string to number")
_ROW = re.compile(r" in row (\d+)$")  # which row pyarrow refused, counted from its block's start
_RETRIES = 32  # refused pyarrow reads before the rest of the file is read line by line
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


@dataclass(frozen=True)
class _Piece:
    """Some records: their indices into the file's lines, and their columns in first-appearance
    order, as a pyarrow column or a list of Python values each."""

    rows: Sequence[int]
    columns: dict[str, pa.ChunkedArray | list]


def read_jsonl(path: Path, *, text_columns: Sequence[str]) -> RawFile:
    """Return the records of the JSONL file at ``path`` (``OSError`` if it cannot be read).

    JSON strings stay Python ``str`` (pyarrow alone would turn ISO dates into timestamps), JSON
    numbers become ``float64``. The ``text_columns`` are always present, all ``None`` when no
    record has them. Skipped lines are reported as ``DataWarning(str(path), line, reason)``, and
    so is each line that repeats an earlier one (its bytes, trimmed, are the same): that line is
    neither a record nor a skip, whatever the line it repeats is.
    """
    read = path.read_bytes()
    digest = hashlib.sha256(read).hexdigest()
    written = read.removeprefix(_BOM)
    data = _quote_numbers(written, text_columns)
    numbered = [
        (number, line) for number, raw in enumerate(data.split(b"\n"), 1) if (line := raw.strip())
    ]
    numbers = [number for number, _ in numbered]
    lines = [line for _, line in numbered]
    count = len(lines)
    repeated: tuple[DataWarning, ...] = ()
    if (first := _repeats(written, lines)) is not None:  # the rare path
        copies = np.flatnonzero(first != np.arange(count))
        message = "repeats line {} byte for byte; counted once"
        repeated = tuple(
            DataWarning(str(path), numbers[row], message.format(numbers[first[row]]))
            for row in copies
        )
        unique = np.flatnonzero(first == np.arange(count))
        numbers = [numbers[row] for row in unique]
        lines = [lines[row] for row in unique]
    pieces, skipped = _read(lines, text_columns)
    names = dict.fromkeys(name for piece in pieces for name in piece.columns)
    columns = {
        name: _column([piece.columns.get(name, len(piece.rows)) for piece in pieces])
        for name in names
    }
    kept = [numbers[row] for piece in pieces for row in piece.rows]
    warnings = tuple(DataWarning(str(path), numbers[row], reason) for row, reason in skipped)
    return RawFile(_frame(columns, kept, text_columns), count, warnings, repeated, digest)


def _repeats(written: bytes, lines: list[bytes]) -> np.ndarray | None:
    """Return, for each of ``lines``, the index of the first line written with the same bytes
    (its own index when it is the first); None when no line repeats another, the normal case.

    ``lines`` are the file's non-blank lines after ``_quote_numbers``, which may make different
    lines equal (``"cost_estimate":0.5`` and ``"cost_estimate":"0.5"``) but never equal lines
    different, and keeps every line where it is. So the lines as written are split and compared
    only when some quoted lines repeat; the normal path costs one hash of every line.
    """
    if not pd.Series(lines, dtype=object).duplicated().any():
        return None
    as_written = [line for raw in written.split(b"\n") if (line := raw.strip())]
    if len(as_written) != len(lines):
        raise AssertionError("_quote_numbers added or blanked a line")
    return _first_copies(as_written)


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
    """
    if not text_columns:
        return data
    names = b"|".join(re.escape(name.encode()) for name in text_columns)
    number = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
    pattern = re.compile(
        rb'([{,][ \t]*"(?:' + names + rb')"[ \t]*:[ \t]*)(' + number + rb")(?=[ \t]*[,}])"
    )
    return pattern.sub(rb'\1"\2"', data)


def _read(
    lines: list[bytes], text_columns: Sequence[str]
) -> tuple[list[_Piece], list[tuple[int, str]]]:
    """Return the records in line order, and the skipped lines' indices with the reasons.

    Spans of lines go to pyarrow; a span it refuses is split around the line it names (or in
    halves when it names none) and the named line goes to ``json.loads``.
    """
    pieces: list[_Piece] = []
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
        found = _table(lines[span.start : span.stop], text_columns)
        if isinstance(found, tuple):
            table, order = found
            if any(_nested_object(field.type) for field in table.schema):
                todo.append((span, True))  # json.loads keeps nested objects as written
            else:
                pieces.append(_Piece(span, {name: table.column(name) for name in order}))
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
    lines: list[bytes], text_columns: Sequence[str]
) -> tuple[pa.Table, list[str]] | int | None:
    """Read ``lines`` with pyarrow: the table and its columns in first-appearance order.

    When pyarrow refuses, return the index of the line at fault, or None if it is not known.
    """
    data = b"\n".join(lines)
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


def _by_line(lines: list[bytes], span: range, skipped: list[tuple[int, str]]) -> _Piece:
    """Read the lines of ``span`` one by one; add the ones that are not JSON objects to
    ``skipped`` with the reason."""
    records: list[dict] = []
    kept: list[int] = []
    for row in span:
        try:
            record = json.loads(lines[row])
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
        records.append(record)
        kept.append(row)
    names = dict.fromkeys(name for record in records for name in record)
    return _Piece(kept, {name: [record.get(name) for record in records] for name in names})


def _column(parts: list[pa.ChunkedArray | list | int]) -> pd.Series:
    """One column from the pieces' parts (a count stands for that many missing values).

    ``float64`` when some value is present and all present ones are numbers, else Python
    objects with None for missing, as ``json.loads`` would give them.
    """
    kinds = [_kind(part) for part in parts]
    if any(present for present, _ in kinds) and all(numbers for _, numbers in kinds):
        return pd.Series(np.concatenate([_floats(part) for part in parts]), dtype=np.float64)
    objects = [_objects(part) for part in parts]
    return pd.Series(objects[0] if len(objects) == 1 else list(chain(*objects)), dtype=object)


def _kind(part: pa.ChunkedArray | list | int) -> tuple[bool, bool]:
    """Whether ``part`` has a value present, and whether all its present values are numbers."""
    if isinstance(part, int):
        return False, True
    if isinstance(part, list):
        present = [value for value in part if value is not None]
        return bool(present), all(type(value) in (int, float) for value in present)
    present = part.null_count < len(part)
    numbers = pa.types.is_integer(part.type) or pa.types.is_floating(part.type)
    return present, numbers or not present


def _floats(part: pa.ChunkedArray | list | int) -> np.ndarray:
    if isinstance(part, int):
        return np.full(part, math.nan)
    if isinstance(part, list):
        return np.array([math.nan if value is None else value for value in part], dtype=float)
    if part.null_count == len(part):  # e.g. a text column, read as strings, that is absent
        return np.full(len(part), math.nan)
    # safe=False: integers past 2**53 round to the nearest float, as float() would round them.
    return part.cast(pa.float64(), safe=False).to_numpy()


def _objects(part: pa.ChunkedArray | list | int) -> Sequence[object]:
    if isinstance(part, int):
        return [None] * part
    if isinstance(part, list):
        return part
    if pa.types.is_string(part.type) or pa.types.is_large_string(part.type):
        return part.to_numpy(zero_copy_only=False)
    return part.to_pylist()  # numbers as int or float, bools, nulls, lists as Python values


def _frame(
    columns: dict[str, pd.Series], numbers: list[int], text_columns: Sequence[str]
) -> pd.DataFrame:
    """Build the frame: ``line``, then ``text_columns`` (added empty if absent), then the rest.

    A record field called ``line`` is shadowed by the line number.
    """
    empty = pd.Series([None] * len(numbers), dtype=object)
    ordered = {"line": pd.Series(numbers, dtype=np.int64)}
    ordered |= {name: columns.get(name, empty) for name in text_columns}
    ordered |= {name: values for name, values in columns.items() if name not in ordered}
    return pd.DataFrame(ordered)
