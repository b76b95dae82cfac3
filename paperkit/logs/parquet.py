"""A Parquet log as the same frame ``paperkit.logs.jsonl`` makes of a JSONL file.

A team whose logs outgrow JSONL can keep a log as Parquet with the same fields as columns
(``worker-ai.parquet``). Each row is a record and its row number (from 1) stands for the line
number in warnings. The frame follows the JSONL contract: a column is ``float64`` when its
values are all numbers, else Python objects with None for missing; a timestamp column becomes
ISO-8601 text, so it is read, checked and placed in the time zone exactly as a logged one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from paperkit.logs.jsonl import RawFile


def read_parquet(path: Path, *, text_columns: Sequence[str]) -> RawFile:
    """Return the records of the Parquet file at ``path`` (``OSError`` if it cannot be read)."""
    data = path.read_bytes()
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        raise OSError(f"not a readable Parquet file ({error})") from error
    rows = table.num_rows
    columns: dict[str, pd.Series] = {"line": pd.Series(np.arange(1, rows + 1), dtype=np.int64)}
    empty = pd.Series([None] * rows, dtype=object)
    columns |= {name: empty for name in text_columns}
    for name in table.column_names:
        if name != "line":
            columns[name] = _column(table.column(name))
    return RawFile(pd.DataFrame(columns), rows, (), (), hashlib.sha256(data).hexdigest())


def _column(column: pa.ChunkedArray) -> pd.Series:
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        if column.null_count == len(column):
            return pd.Series([None] * len(column), dtype=object)
        return pd.Series(column.cast(pa.float64(), safe=False).to_numpy(), dtype=np.float64)
    values = column.to_pylist()
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        values = [None if v is None else v.isoformat() for v in values]
    return pd.Series(
        [None if isinstance(v, float) and math.isnan(v) else v for v in values], dtype=object
    )
