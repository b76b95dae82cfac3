"""The values of a JSONL file's fields as typed columns, with the reason for each bad value.

``paperkit.logs.load`` decides which column of which file is a timestamp, a number, money, a
duration, ``success`` or text; this module converts one such column of raw JSON values. A value
that spoils its record skips it (first problem wins); one that does not is left missing with a
warning. Columns are converted a whole column at a time; Python looks at single records only to
word the message for a bad one.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from paperkit.errors import DataWarning
from paperkit.logs import guards
from paperkit.logs.durations import parse_minutes

# "0.0135", "$0.0135", " $1,234.50 ", "USD 0.5", "0.5 USD"; the number is group "digits"
# (RE2 syntax, for pyarrow.compute.extract_regex.)
_MONEY_TEXT = (
    r"(?i)^\s*(?:USD\s*)?\$?\s*"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.?\d+(?:e[-+]?\d+)?)\s*(?:USD)?\s*$"
)


# Headroom for what is done with a column's sum: adding up to 1,024 such sums (the cost lines,
# the days), or multiplying one by 1,000 (per 1,000 units), stays a finite number.
_HEADROOM = 1024.0


def too_large(values: pd.Series) -> np.ndarray:
    """Return where a value is too large to add up: a sum of the column could overflow.

    Any sum of ``n`` values each at most ``max_float / (1,024 n)`` stays finite, with room for
    adding such sums and scaling them by 1,000; a value above that (a logged cost of 1e308)
    would make a total Infinity, which is no number a paper or results.json can show.
    """
    limit = sys.float_info.max / (_HEADROOM * max(len(values), 1))
    return (values.abs() > limit).fillna(False).to_numpy(dtype=bool)


_TOO_LARGE = "{} is too large to add up (a sum would overflow)"


def _huge(value: object) -> str:
    """Return a value too large to add up as a reader knows it: 1e+308, not 309 digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{float(value):g}"
    return written(value)


class Checks:
    """Collects the skip reasons (first problem wins) and value warnings for one file's rows."""

    def __init__(self, frame: pd.DataFrame, where: str, wheres: np.ndarray | None = None) -> None:
        self.frame = frame
        self.where = where
        # Each row's file, when the log is kept as several files (else every row is ``where``).
        self.wheres = wheres
        self.lines = frame["line"].to_numpy()
        self.skipped = np.zeros(len(frame), dtype=bool)
        self.skips: list[DataWarning] = []
        self.warnings: list[tuple[int, DataWarning]] = []

    def where_of(self, row: int) -> str:
        """The file that row ``row`` came from, as warnings show it."""
        return self.where if self.wheres is None else str(self.wheres[row])

    def column(self, name: str) -> pd.Series:
        """The raw column ``name``, or an all-missing one when no record has the field."""
        if name in self.frame:
            return self.frame[name]
        return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)

    def skip(self, mask: pd.Series | np.ndarray, message: Callable[[int], str]) -> None:
        """Skip the rows in ``mask`` not skipped already, with ``message(row)`` as the reason."""
        new = np.asarray(mask, dtype=bool) & ~self.skipped
        for row in np.flatnonzero(new):
            self.skips.append(DataWarning(self.where_of(row), int(self.lines[row]), message(row)))
        self.skipped |= new

    def warn(self, mask: pd.Series | np.ndarray, message: Callable[[int], str]) -> None:
        """Warn about the rows in ``mask``; only rows that end up kept are reported."""
        for row in np.flatnonzero(np.asarray(mask, dtype=bool)):
            warning = DataWarning(self.where_of(row), int(self.lines[row]), message(row))
            self.warnings.append((row, warning))


class _Parts:
    """A raw column split by the kind of JSON value, so each kind is converted in one go.

    ``strings`` holds the str values (else None), ``numbers`` the JSON numbers as float64 (else
    NaN), ``other`` marks present values of any other kind (bools, lists, objects), and
    ``missing`` marks absent or null values and blank strings.
    """

    def __init__(self, raw: pd.Series) -> None:
        self.raw = raw
        index = raw.index
        self.other = np.zeros(len(raw), dtype=bool)
        if raw.dtype == np.float64:
            self.strings = pd.Series(None, index=index, dtype=object)
            self.numbers = raw
            self.missing = raw.isna().to_numpy()
            return
        if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
            self.strings = raw
            self.numbers = pd.Series(np.nan, index=index)
        else:  # the rare path: a column mixing kinds of value, looked at value by value
            is_text = _each(raw, lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            is_number = _each(raw, lambda v: type(v) in (int, float)).to_numpy(dtype=bool)
            self.strings = raw.where(is_text, None)
            self.numbers = raw.where(is_number, np.nan).astype(np.float64)
            self.other = raw.notna().to_numpy() & ~is_text & ~is_number
        blank = pc.equal(pc.utf8_trim_whitespace(arrow_text(self.strings)), "")
        self.missing = raw.isna().to_numpy() | pc.fill_null(blank, False).to_numpy(
            zero_copy_only=False
        )

    @property
    def text(self) -> pd.Series:
        """The non-blank str values, else None."""
        return self.strings.where(~self.missing, None)


def missing(raw: pd.Series) -> np.ndarray:
    """Which values of a raw column are absent, null or blank (for the required fields)."""
    return _Parts(raw).missing


def timestamp(checks: Checks, *, required: bool) -> pd.Series:
    """``timestamp`` as datetime64[ns, UTC]; skips the unreadable, and the missing if required."""
    stamp = _Parts(checks.column("timestamp"))
    text = stamp.text
    dated, held = guards.full_dates(arrow_text(text))
    parsed = _times(text.where(held, None))
    if required:
        checks.skip(stamp.missing, lambda _: "missing timestamp")
    first, last = guards.FIRST_YEAR, guards.LAST_YEAR
    checks.skip(
        ~stamp.missing & dated & ~held,
        lambda r: (
            f"timestamp {quoted(stamp.raw.iat[r])} is outside the years {first} to {last} "
            "that paperkit can read"
        ),
    )
    unparseable = ~stamp.missing & parsed.isna().to_numpy()
    checks.skip(unparseable, lambda r: f"unparseable timestamp {quoted(stamp.raw.iat[r])}")
    return parsed.astype("datetime64[ns, UTC]")


_TIMES_AT_ONCE = 2**20  # timestamps parsed in one call: each is a Python str meanwhile


def _times(text: pd.Series) -> pd.Series:
    """ISO 8601 text (None for missing) as UTC times, NaT where it cannot be read.

    pandas parses Python strings; a column pyarrow holds is parsed ``_TIMES_AT_ONCE`` values
    at a time, so a log of ten million records never holds ten million of them. Each value is
    parsed on its own (the format is given), so the pieces give what one call would.
    """

    def parse(values: pd.Series) -> pd.Series:
        return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")

    if not isinstance(text.dtype, pd.ArrowDtype):
        return parse(text)
    pieces = [
        parse(text.iloc[start : start + _TIMES_AT_ONCE].astype(object))
        for start in range(0, len(text), _TIMES_AT_ONCE)
    ]
    if not pieces:
        return parse(text.astype(object))
    return pd.concat([piece.astype("datetime64[ns, UTC]") for piece in pieces])


def number(field: str, checks: Checks, *, signed: bool = False) -> pd.Series:
    """A count, token or duration field as float64; skips text that is no number, and negatives.

    With ``signed``, a negative value is read like any other (a score on a scale such as -2
    to 2).
    """
    parts = _Parts(checks.column(field))
    values, bad, as_text = parts.numbers, parts.other, parts.text
    if as_text.notna().any():  # numbers written as strings, "1200"
        from_text = pd.to_numeric(as_text, errors="coerce").astype(np.float64)
        values = values.fillna(from_text)
        bad = bad | (as_text.notna() & from_text.isna()).to_numpy()
    bad = bad | (values.notna() & ~np.isfinite(values)).to_numpy()
    show = parts.raw.iat
    checks.skip(bad, lambda r: f"{field}: not a number: {quoted(show[r])}")
    if not signed:
        checks.skip(values < 0, lambda r: f"{field}: negative value {written(show[r])}")
    checks.skip(too_large(values), lambda r: f"{field}: " + _TOO_LARGE.format(_huge(show[r])))
    return values.where(~bad)


def money(field: str, checks: Checks) -> pd.Series:
    """US dollars (``0.01``, ``"$0.01"``, ``"USD 1,234.50"``) as float64; warns on the rest."""
    parts = _Parts(checks.column(field))
    digits = pc.struct_field(pc.extract_regex(arrow_text(parts.text), _MONEY_TEXT), "digits")
    from_text = pc.cast(pc.replace_substring(digits, ",", ""), pa.float64())
    from_text = pd.Series(from_text.to_numpy(zero_copy_only=False), index=parts.raw.index)
    values = parts.numbers.fillna(from_text)
    unusable = values.isna() | (values < 0) | ~np.isfinite(values)
    bad = ~parts.missing & unusable.to_numpy()
    message = "cannot read {} as US dollars; treated as missing"
    checks.warn(bad, lambda r: f"{field}: " + message.format(quoted(parts.raw.iat[r])))
    huge = ~bad & too_large(values)
    message = _TOO_LARGE + "; treated as missing"
    checks.warn(huge, lambda r: f"{field}: " + message.format(_huge(parts.raw.iat[r])))
    return values.where(~bad & ~huge)


def duration(field: str, checks: Checks) -> pd.Series:
    """Free-text durations as float64 minutes; warns on text paperkit cannot read."""
    parts = _Parts(checks.column(field))
    values = _each(parts.raw.where(~parts.missing, None), parse_minutes).astype(np.float64)
    bad = ~parts.missing & values.isna().to_numpy()
    message = "cannot read {} as a duration; treated as missing"
    checks.warn(bad, lambda r: f"{field}: " + message.format(quoted(parts.raw.iat[r])))
    huge = ~bad & too_large(values)
    message = _TOO_LARGE + "; treated as missing"
    checks.warn(huge, lambda r: f"{field}: " + message.format(quoted(parts.raw.iat[r])))
    return values.where(~huge)


def success(checks: Checks) -> pd.Series:
    """``success`` as nullable boolean (JSON bools, or "true"/"false" in any case)."""
    return flag("success", checks)


def flag(field: str, checks: Checks) -> pd.Series:
    """A true/false field (``success``, ``blind``) as nullable boolean; warns on the rest."""
    raw = checks.column(field)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("boolean", "empty"):
        return raw.astype("boolean")
    values = _each(raw, _truth)
    message = field + ": expected true or false, got {}; treated as unknown"
    checks.warn(raw.notna() & values.isna(), lambda r: message.format(quoted(raw.iat[r])))
    return values.astype("boolean")


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    return {"true": True, "false": False}.get(word) if word else None


def text(raw: pd.Series) -> pd.Series:
    """A text field as Python str with None for missing; other JSON values written as text."""
    if isinstance(raw.dtype, pd.ArrowDtype):  # pyarrow's text: as Python strings, None missing
        raw = pd.Series(raw.to_numpy(dtype=object, na_value=None), index=raw.index, dtype=object)
    if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        return raw
    return _each(raw, lambda v: None if _is_na(v) else written(v, limit=None))


def lowered_text(raw: pd.Series) -> pd.Series:
    """A text field as ``text`` gives it, then trimmed and lower-cased (``resource``)."""
    lower = pc.utf8_lower(pc.utf8_trim_whitespace(arrow_text(text(raw))))
    return pd.Series(lower.to_numpy(zero_copy_only=False), index=raw.index, dtype=object)


def arrow_text(strings: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Return a column of str/None as a pyarrow string array, for pyarrow's string kernels.

    A column that is pyarrow's already (``paperkit.logs.jsonl``'s ``arrow_text``) is taken as
    it is, without a copy."""
    if isinstance(strings.dtype, pd.ArrowDtype):
        return pa.array(strings)  # its chunked array, as it is
    try:
        return pa.array(strings.to_numpy(), type=pa.string(), from_pandas=True)
    except UnicodeEncodeError:  # a lone surrogate, which json.loads lets through
        fixed = [v if v is None else v.encode("utf-8", "replace").decode() for v in strings]
        return pa.array(fixed, type=pa.string())


def _each(raw: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """``function`` applied value by value, as an object Series (for the rare, mixed columns)."""
    return pd.Series([function(v) for v in raw.tolist()], index=raw.index, dtype=object)


def _is_na(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def written(value: object, limit: int | None = 60) -> str:
    """Return a JSON value as text for a message or a text column (``5.0`` as ``5``).

    Past ``limit`` characters the text is cut to ``limit - 3`` and ``...``, so one long value
    cannot swamp a warning.
    """
    if isinstance(value, str):
        string = value
    elif isinstance(value, float) and value.is_integer():
        string = str(int(value))
    elif isinstance(value, bool | list | dict):
        string = json.dumps(value, ensure_ascii=False)
    else:
        string = str(value)
    return string if limit is None or len(string) <= limit else string[: limit - 3] + "..."


def quoted(value: object) -> str:
    """``value`` as ``written`` gives it, in single quotes: how messages show a logged value."""
    return f"'{written(value)}'"
