"""A log's columns from the pieces the JSONL reader made of it, and the frame they form.

``paperkit.logs.jsonl`` reads a file as pieces: runs of records that pyarrow read as a table,
and the few lines ``json.loads`` read one by one. Here each column is made whole: ``float64``
when every present value is a number, else Python objects with None for missing, as
``json.loads`` would give them (text of few distinct values sharing one ``str`` each), or
pyarrow's text for a column the caller wants kept so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Piece:
    """Some records: their indices into the file's lines, and their columns in first-appearance
    order, as a pyarrow column or a list of Python values each."""

    rows: Sequence[int]
    columns: dict[str, pa.ChunkedArray | list]


def column(parts: list[pa.ChunkedArray | list | int], *, as_arrow: bool = False) -> pd.Series:
    """One column from the pieces' parts (a count stands for that many missing values).

    ``float64`` when some value is present and all present ones are numbers, else Python
    objects with None for missing, as ``json.loads`` would give them; text stays pyarrow's
    with ``as_arrow``.
    """
    kinds = [_kind(part) for part in parts]
    if any(present for present, _ in kinds) and all(numbers for _, numbers in kinds):
        return pd.Series(np.concatenate([_floats(part) for part in parts]), dtype=np.float64)
    if all(isinstance(part, int) or _text(part) for part in parts):
        if as_arrow:
            return pd.Series(pd.arrays.ArrowExtensionArray(_arrow_strings(parts)))
        return pd.Series(_strings(parts), dtype=object)
    objects = [_objects(part) for part in parts]
    return pd.Series(objects[0] if len(objects) == 1 else list(chain(*objects)), dtype=object)


def _text(part: pa.ChunkedArray | list | int) -> bool:
    """Whether ``part`` is a pyarrow column of strings (plain or dictionary-encoded, or of
    nothing but nulls)."""
    if isinstance(part, int | list):
        return False
    kind = part.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)


def compact(column: pa.ChunkedArray | list) -> pa.ChunkedArray | list:
    """A text column of a few distinct values (models, operations, errors) dictionary-encoded:
    a small index per record instead of its text, until the frame is made."""
    if isinstance(column, list) or not (
        pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    ):
        return column
    encoded = column.dictionary_encode()
    if sum(len(chunk.dictionary) for chunk in encoded.chunks) * 2 > len(column):
        return column  # mostly distinct (times, ids): the text itself is smaller
    return encoded


def _strings(parts: list[pa.ChunkedArray | int]) -> np.ndarray:
    """Text parts (and counts of missing values) as one array of Python ``str`` and None.

    Equal strings share one Python object, in a chunk and, for text of few distinct values,
    across chunks: a log's text repeats (a few models, operations and errors over a million
    records), and a ``str`` per record would be most of a frame's memory.
    """
    shared: dict[str, str] = {}
    out: list[np.ndarray] = []
    for part in parts:
        chunks = [pa.nulls(part)] if isinstance(part, int) else part.chunks
        for chunk in chunks:
            if pa.types.is_null(chunk.type):
                out.append(np.full(len(chunk), None, dtype=object))
                continue
            encoded = chunk if pa.types.is_dictionary(chunk.type) else chunk.dictionary_encode()
            words = encoded.dictionary.to_pylist()
            if len(words) * 2 <= len(chunk):
                words = [shared.setdefault(word, word) for word in words]
            table = np.empty(len(words) + 1, dtype=object)  # the last entry: missing
            table[: len(words)] = words
            out.append(table[encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)])
    return np.concatenate(out) if out else np.empty(0, dtype=object)


def _arrow_strings(parts: list[pa.ChunkedArray | int]) -> pa.ChunkedArray:
    """Text parts (and counts of missing values) as one pyarrow column of ``large_string``."""
    chunks: list[pa.Array] = []
    for part in parts:
        if isinstance(part, int):
            chunks.append(pa.nulls(part, pa.large_string()))
            continue
        for chunk in part.chunks:
            if pa.types.is_dictionary(chunk.type):
                chunk = chunk.dictionary_decode()
            chunks.append(chunk.cast(pa.large_string()))
    return pa.chunked_array(chunks, pa.large_string())


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


def frame_of(
    columns: dict[str, pd.Series], numbers: list[int], text_columns: Sequence[str]
) -> pd.DataFrame:
    """Build the frame: ``line``, then ``text_columns`` (added empty if absent), then the rest.

    A record field called ``line`` is shadowed by the line number.
    """
    empty = pd.Series([None] * len(numbers), dtype=object)
    ordered = {"line": pd.Series(numbers, dtype=np.int64)}
    ordered |= {name: columns.get(name, empty) for name in text_columns}
    ordered |= {name: values for name, values in columns.items() if name not in ordered}
    return pd.DataFrame(ordered, copy=False)  # no copy into 2-D blocks: memory is the limit
