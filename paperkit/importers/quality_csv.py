"""Import quality judgements kept in a spreadsheet (saved as CSV) into quality.jsonl.

Teams often rate outputs in a spreadsheet: a row per item, a column for the score, another for
who rated. ``import_quality_csv`` reads such a CSV (its first row names the columns), maps
columns to quality.jsonl's fields (a column named as a field maps itself; ``--map`` names the
others), adds fields the sheet does not hold (``--set model=...``), and checks every row as
``paperkit log quality`` checks its options. A row with a problem is reported at its line and
left out; the others are appended. Each record gets a ``paperkit_id`` (a hash of its fields),
so importing the same sheet again, or a sheet with rows added, writes only what is new.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from paperkit.errors import DataWarning, PaperkitError
from paperkit.spec.yamlnodes import suggest
from paperkit.tracking.append import append_records, experiment_folder
from paperkit.tracking.records import ID_FIELD, KINDS, build_record

KIND = KINDS["quality"]


@dataclass(frozen=True)
class QualityImport:
    """What an import did: rows read, records written, rows already imported before, the
    columns no field takes, and the rows that could not be used (``file:line: reason``)."""

    rows: int
    imported: int
    already: int
    ignored_columns: tuple[str, ...]
    problems: tuple[DataWarning, ...]


def parse_pairs(texts: Sequence[str], option: str) -> dict[str, str]:
    """Return ``a=b,c=d`` options (each option may hold several pairs) as a mapping.

    Raises ``PaperkitError`` naming ``option`` for a pair without ``=``.
    """
    pairs: dict[str, str] = {}
    for text in texts:
        for part in text.split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise PaperkitError(f"{option}: expected NAME=VALUE, got '{part.strip()}'")
            pairs[key.strip()] = value.strip()
    return pairs


def _checked_field(field: str, option: str) -> str:
    if field not in KIND.fields:
        raise PaperkitError(f"{option}: unknown field '{field}'; {suggest(field, KIND.fields)}")
    return field


def import_quality_csv(
    sheet: Path,
    spec_path: Path,
    experiment: str,
    *,
    mapping: Mapping[str, str] | None = None,
    constants: Mapping[str, str] | None = None,
) -> QualityImport:
    """Append the judgements of the CSV ``sheet`` to experiment ``experiment``'s quality.jsonl.

    ``mapping`` maps a column's name to a field (``{"Doc": "item_id"}``); a column named as a
    field needs none. ``constants`` gives fields for every row (``{"model": "..."}``); a cell
    wins over a constant. Raises ``PaperkitError`` for a missing folder, an unreadable sheet,
    an unknown field or a mapped column the sheet lacks; a bad row is a problem, not an error.
    """
    folder = experiment_folder(spec_path, experiment)
    columns = {column: _checked_field(field, "--map") for column, field in (mapping or {}).items()}
    fixed = {_checked_field(field, "--set"): value for field, value in (constants or {}).items()}
    header, rows = _read(sheet)
    missing = [column for column in columns if column not in header]
    if missing:
        listed = ", ".join(f"'{c}'" for c in header)
        raise PaperkitError(f"--map: no column '{missing[0]}' in the sheet; it has {listed}", sheet)
    taken = {column: field for column, field in columns.items()}
    for column in header:
        if column not in taken and column in KIND.fields and column not in columns.values():
            taken[column] = column
    ignored = tuple(column for column in header if column not in taken)
    if "timestamp" not in taken.values() and "timestamp" not in fixed:
        raise PaperkitError(
            "no timestamp: map a column to it (--map Date=timestamp) or give one for every row"
            " (--set timestamp=2025-01-14)",
            sheet,
        )
    named = {field: column for column, field in taken.items()}
    records, problems = [], []
    for line, row in rows:
        values: dict[str, object] = dict(fixed)
        for column, field in taken.items():
            cell = row.get(column)
            if cell is not None and cell.strip():
                values[field] = cell.strip()
        try:
            record = build_record(KIND, values, label=lambda f: named.get(f, f))
        except PaperkitError as error:
            problems.append(DataWarning(str(sheet), line, error.message))
            continue
        text = json.dumps(record, sort_keys=True, ensure_ascii=False)
        record[ID_FIELD] = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]
        records.append(record)
    appended = append_records(folder / KIND.file, records, dedupe=True) if records else None
    written = appended.written if appended else 0
    already = appended.already if appended else 0
    return QualityImport(len(rows), written, already, ignored, tuple(problems))


def _read(sheet: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Return the header and each data row with the line it starts on (blank rows left out)."""
    try:
        text = sheet.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise PaperkitError(f"cannot read: {error.strerror}", sheet) from error
    except UnicodeDecodeError:
        raise PaperkitError("not UTF-8 text; save the sheet as CSV UTF-8", sheet) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise PaperkitError("empty file: the first row must name the columns", sheet) from None
    except csv.Error as error:
        raise PaperkitError(f"not valid CSV: {error}", sheet, 1) from None
    rows = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, dict(zip(header, cells, strict=False))))
            line = reader.line_num + 1
    except csv.Error as error:
        raise PaperkitError(f"not valid CSV: {error}", sheet, reader.line_num) from None
    return header, rows
