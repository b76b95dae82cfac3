"""One JSONL file as a DataFrame, with the lines that could not be read reported by number.

The normal path hands every non-blank line to pyarrow's JSON reader in one call. Anything that
reader refuses (a bad line, a value whose type changes between rows, a nested object) sends the
file down the rare path: ``json.loads`` line by line, which can say which line is wrong. Both
paths give the same frame: numbers as ``float64``, everything else as ``object`` with ``None``
for missing, columns in the order ``line``, ``text_columns``, then first appearance.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
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
_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclass(frozen=True, eq=False)
class RawFile:
    """A JSONL file's records (``frame``, with a 1-based ``line`` column) and its skipped lines.

    ``lines`` counts the non-blank lines, so ``lines == len(frame) + len(skipped)``.
    """

    frame: pd.DataFrame
    lines: int
    skipped: tuple[DataWarning, ...]


def read_jsonl(path: Path, *, text_columns: Sequence[str]) -> RawFile:
    """Return the records of the JSONL file at ``path`` (``OSError`` if it cannot be read).

    JSON strings stay Python ``str`` (pyarrow alone would turn ISO dates into timestamps), JSON
    numbers become ``float64``. The ``text_columns`` are always present, all ``None`` when no
    record has them. Skipped lines are reported as ``DataWarning(str(path), line, reason)``.
    """
    data = path.read_bytes().removeprefix(_BOM)
    numbered = [
        (number, line) for number, raw in enumerate(data.split(b"\n"), 1) if (line := raw.strip())
    ]
    numbers = [number for number, _ in numbered]
    lines = [line for _, line in numbered]
    if not lines:
        return RawFile(_frame({}, [], text_columns), 0, ())
    columns = _read_fast(lines, text_columns)
    if columns is not None:
        return RawFile(_frame(columns, numbers, text_columns), len(lines), ())
    return _read_slow(lines, numbers, text_columns, str(path))


def _read_fast(lines: list[bytes], text_columns: Sequence[str]) -> dict[str, pd.Series] | None:
    """Parse all lines with pyarrow in one call; None when the rare path must take over."""
    data = b"\n".join(lines)
    try:
        data.decode("utf-8")  # pyarrow would let invalid UTF-8 through into strings
    except UnicodeDecodeError:
        return None
    as_text = list(dict.fromkeys(text_columns))
    order: list[str] = []
    # A text column written as JSON numbers throughout is read again as numbers; one that
    # mixes strings and numbers fails again and goes down the rare path.
    for _ in range(len(as_text) + 2):
        try:
            table = pj.read_json(io.BytesIO(data), parse_options=_options(as_text))
        except pa.ArrowInvalid as error:
            match = _STRING_TO_NUMBER.search(str(error))
            if match is None or match[1] not in as_text:
                return None
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
    if any(_nested_object(field.type) for field in table.schema):
        return None
    return {name: _series(table.column(name)) for name in order}


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


def _series(column: pa.ChunkedArray) -> pd.Series:
    """A pyarrow column as float64 (numbers) or as Python objects with None for missing."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return pd.Series(column.cast(pa.float64()).to_numpy(), dtype=np.float64)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Series(column.to_pylist(), dtype=object)  # bools, nulls, lists as Python values


def _read_slow(
    lines: list[bytes], numbers: list[int], text_columns: Sequence[str], display: str
) -> RawFile:
    """Parse line by line, skipping (and reporting) the lines that are not JSON objects."""
    records: list[dict] = []
    kept: list[int] = []
    skipped: list[DataWarning] = []
    for number, line in zip(numbers, lines, strict=True):
        try:
            record = json.loads(line)
        except UnicodeDecodeError as error:
            skipped.append(DataWarning(display, number, f"not valid JSON: {error.reason} (UTF-8)"))
            continue
        except json.JSONDecodeError as error:
            message = f"not valid JSON: {error.msg} at column {error.colno}"
            skipped.append(DataWarning(display, number, message))
            continue
        if not isinstance(record, dict):
            kind = _JSON_TYPES.get(type(record), "null")
            skipped.append(DataWarning(display, number, f"not a JSON object (got {kind})"))
            continue
        records.append(record)
        kept.append(number)
    names = dict.fromkeys(name for record in records for name in record)
    columns = {name: _column([record.get(name) for record in records]) for name in names}
    return RawFile(_frame(columns, kept, text_columns), len(lines), tuple(skipped))


def _column(values: list[object]) -> pd.Series:
    """Python values as float64 when all present ones are numbers, else as Python objects."""
    present = [value for value in values if value is not None]
    if present and all(type(value) in (int, float) for value in present):
        return pd.Series([math.nan if value is None else value for value in values], dtype=float)
    return pd.Series(values, dtype=object)


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
