"""The log reader's guards against hostile or broken input, each a small function of its own.

The JSONL reader (``paperkit.logs.jsonl``) and the value converters (``paperkit.logs.values``)
call these at one place each, so the reader can be rewritten without losing them. Each guard
turns an input that would crash, hang or mislead the reader into a skipped line or a clear
``PaperkitError``:

- a file that is not a regular file, or is larger than the reader can hold, is refused before it
  is read (``paperkit.logs.files.read_log``);
- a line nested deeper than ``MAX_DEPTH`` is skipped before any parser sees it (pyarrow crashes
  the process on 20,000 levels, ``json.loads`` raises ``RecursionError`` on 1,000);
- a bare ``NaN`` value is read as the text ``"NaN"``, so a number field skips the record as
  ``Infinity`` does, instead of passing for a missing value (``quote_nan``);
- an integer of hundreds of digits is read as a float (``inf``), as pyarrow reads it, so it is
  "not a number" rather than a crash (``json_int``);
- a table pyarrow read wrongly (a list starting with null) is read again line by line
  (``sound_table``);
- text holding half of a UTF-16 surrogate pair (``"\\ud800"``), which is not Unicode and cannot be
  written to a paper, skips its record (``lone_surrogate``);
- a timestamp must start with a full date (``2025-01-14``): ``2025``, ``2025.5``, ``"2025-01"``
  and ``20250114`` are not times, and its year must be one pandas can hold (``full_dates``).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from paperkit.logs.files import FIRST_YEAR, LAST_YEAR

MAX_DEPTH = 64  # arrays and objects inside each other; a log record needs two or three

_OPEN, _CLOSE = b"[{", b"]}"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
# A NaN that is a record's value (right after "key":), never one inside a string: a key's
# quotes are real quotes only when no backslash precedes them, as in _quote_numbers.
_NAN = re.compile(rb'([{,][ \t]*"[^"\\]*"[ \t]*:[ \t]*)(-?NaN)(?=[ \t]*[,}])')
_FULL_DATE = r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]|\s*$)"


# --- lines ----------------------------------------------------------------------------------


def too_deep(
    lines: list[bytes], *, joined: bytes | None = None, starts: int | None = None
) -> dict[int, str]:
    """Return the index and skip reason of each line nested deeper than ``MAX_DEPTH``.

    The count of ``[`` and ``{`` in a line bounds its depth from above. The file's count, less
    one for each other line that starts with one, bounds every line's (a log of flat records
    stops there); past that, the count is taken line by line, and only a line with more than
    ``MAX_DEPTH`` of them is measured exactly, with text inside strings left out. ``lines`` are
    non-blank. ``joined`` (``b"\\n".join(lines)``) and ``starts`` (how many lines start with a
    bracket) are taken as given when the caller has them.
    """
    if not lines:
        return {}
    data = joined if joined is not None else b"\n".join(lines)
    openers = data.count(_OPEN[:1]) + data.count(_OPEN[1:])
    # A line that opens with a bracket has at least that one, so a line holds at most the
    # file's openers less one for each other such line: usually 1 (no line can be too deep).
    if starts is None:
        starts = sum(1 for line in lines if line[0] in _OPEN)
    if openers - starts + 1 <= MAX_DEPTH:
        return {}
    where = np.flatnonzero(np.isin(np.frombuffer(data, dtype=np.uint8), list(_OPEN)))
    bounds = np.cumsum([0] + [len(line) + 1 for line in lines])  # each line and its newline
    per_line = np.diff(np.searchsorted(where, bounds))
    found = {}
    for row in np.flatnonzero(per_line > MAX_DEPTH):
        if (levels := depth(lines[row])) > MAX_DEPTH:
            found[int(row)] = (
                f"nested {levels} levels deep; paperkit reads records nested at most "
                f"{MAX_DEPTH} deep"
            )
    return found


def depth(line: bytes) -> int:
    """Return how deep arrays and objects nest in one JSON line (brackets in strings ignored)."""
    deepest = level = 0
    for bracket in _BRACKET.findall(_STRING.sub(b'""', line)):
        level += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, level)
    return deepest


def sound_table(table: pa.Table) -> bool:
    """Return whether a table pyarrow read holds what the JSON said, as far as it can be checked.

    pyarrow 26 reads a list whose first item is null wrongly: ``[null, "0"]`` makes an array
    that crashes the interpreter when read, and ``[null, 1]`` reads as ``[1, 0]``. Its full
    validation notices the broken offsets; only tables with a list column pay for it, and the
    reader then reads those lines with ``json.loads``.
    """
    if not any(pa.types.is_list(f.type) or pa.types.is_large_list(f.type) for f in table.schema):
        return True
    try:
        table.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def quote_nan(data: bytes) -> bytes:
    """Return ``data`` with each record value ``NaN`` written as the string ``"NaN"``.

    pyarrow and ``json.loads`` both read a bare NaN as a missing number, so a count of
    ``NaN`` tokens would pass for "not logged"; as text it is a value that cannot be read,
    which skips a record in a number field and is a warning in a money field.
    """
    if b"NaN" not in data:
        return data
    return _NAN.sub(rb'\1"\2"', data)


MAX_INT_DIGITS = 20  # past 2**64; longer integers are read as floats, as pyarrow reads them


def json_int(digits: str) -> int | float:
    """Read a JSON integer for ``json.loads`` (``parse_int``): exact when short, else a float.

    Python refuses to read more than 4,300 digits, and a 400-digit int cannot become a float64
    column; as a float it is ``inf``, which a number field skips as not finite.
    """
    if len(digits.lstrip("-")) <= MAX_INT_DIGITS:
        return int(digits)
    return float(digits)


def lone_surrogate(record: dict) -> str | None:
    """Return the skip reason when ``record``'s text holds a lone UTF-16 surrogate, else None.

    JSON's ``"\\ud800"`` escape names half of a pair; Python keeps it, but it is not Unicode,
    so it cannot be written to a paper or to results.json.
    """
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        half = ord(error.object[error.start])
        return f"text holds \\u{half:04x}, half of a UTF-16 surrogate pair, which is not text"
    except (TypeError, ValueError, RecursionError):
        return None
    return None


# --- timestamps -----------------------------------------------------------------------------


def full_dates(strings: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``strings`` (text or null, as ``paperkit.logs.values.arrow_text`` gives them)
    start with a full date, ``YYYY-MM-DD``, and which of those fall in the years pandas holds
    (``FIRST_YEAR`` to ``LAST_YEAR``).

    A year (``2025``), a month (``2025-01``), a number (``2025.5``) or a compact date
    (``20250114``) is not a time of day; pandas would read several of them as one. Vectorised
    with pyarrow's string kernels.
    """
    dated = pc.fill_null(pc.match_substring_regex(strings, _FULL_DATE), False)
    first = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(strings), 0, 4)
    years = pc.cast(pc.if_else(dated, first, "0"), pa.int64())
    held = pc.and_(
        dated, pc.and_(pc.greater_equal(years, FIRST_YEAR), pc.less_equal(years, LAST_YEAR))
    )
    return (
        dated.to_numpy(zero_copy_only=False).astype(bool),
        pc.fill_null(held, False).to_numpy(zero_copy_only=False).astype(bool),
    )
