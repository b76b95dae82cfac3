"""Records that read well but cannot all be true, and records logged twice under one id.

``paperkit.logs.load`` reads each file; this module looks across the fields of the records it kept
and reports what does not add up, so the paper can say so instead of silently trusting, fixing
or merging the data:

- a sanity check warns on the record's line and keeps the record as logged (an embedding call
  with output tokens, more steps succeeded and failed than a workflow has, a success that
  carries an error);
- a record whose id appears again later (a retried workflow logged once more) is dropped in
  favour of the later one, with a warning on the dropped record's line.

Every rule is a mask over whole columns; Python words the message of a flagged record only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from paperkit.errors import DataWarning
from paperkit.logs import values

EMBEDDING_OPERATIONS = ("embedding", "embeddings", "embed")
# A model id containing one of these (in any case) is an embedding model.
EMBEDDING_MODELS = r"bge-|embedding"


def check(columns: dict[str, pd.Series], checks: values.Checks) -> None:
    """Add a warning to ``checks`` for each record whose fields contradict each other.

    ``columns`` are one file's converted columns (``paperkit.logs.load`` decides which file has
    which); a rule runs on the files that have its columns. Returns nothing: the records are
    kept as logged, and ``checks`` reports the warnings of those that end up kept.
    """
    if {"model", "operation", "output_tokens"} <= columns.keys():
        _embedding_output(columns, checks)
    if {"steps", "steps_succeeded", "steps_failed"} <= columns.keys():
        _steps(columns, checks)
    if {"success", "error"} <= columns.keys():
        _success_with_error(columns, checks)


def _embedding_output(columns: dict[str, pd.Series], checks: values.Checks) -> None:
    """Output tokens on an embedding call: the tokens (and their cost) cannot be right."""
    model, tokens = columns["model"], columns["output_tokens"]
    operations = pa.array(EMBEDDING_OPERATIONS)
    operation = _distinct(
        columns["operation"],
        lambda text: pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(text)), value_set=operations),
    )
    named = _distinct(
        model, lambda text: pc.match_substring_regex(text, EMBEDDING_MODELS, ignore_case=True)
    )
    embedding = operation | named
    message = (
        "output_tokens {} on an embedding model ({}); embedding models produce no output tokens"
    )
    checks.warn(
        embedding & (tokens > 0).to_numpy(),
        lambda r: message.format(values.written(tokens.iat[r]), values.written(model.iat[r])),
    )


def _distinct(text: pd.Series, test: Callable[[pa.Array], pa.Array]) -> np.ndarray:
    """Return ``test`` applied to a text column (False where it is missing), as a numpy mask.

    ``test`` runs once per distinct value, as a pyarrow string kernel: a log holds thousands of
    calls but a handful of models and operations.
    """
    codes, distinct = pd.factorize(text)  # a missing value has the code -1
    found = test(values.arrow_text(pd.Series(distinct, dtype=object)))
    return np.append(pc.fill_null(found, False).to_numpy(zero_copy_only=False), False)[codes]


def _steps(columns: dict[str, pd.Series], checks: values.Checks) -> None:
    """More steps succeeded and failed than the workflow has (a missing count checks nothing)."""
    steps, succeeded, failed = columns["steps"], columns["steps_succeeded"], columns["steps_failed"]
    shown = values.written
    checks.warn(
        (succeeded + failed > steps).to_numpy(),
        lambda r: (
            f"steps_succeeded ({shown(succeeded.iat[r])}) + steps_failed"
            f" ({shown(failed.iat[r])}) > steps ({shown(steps.iat[r])})"
        ),
    )


def _success_with_error(columns: dict[str, pd.Series], checks: values.Checks) -> None:
    """A success that carries an error: it still counts as a success, as logged."""
    success, error = columns["success"], columns["error"]
    flagged = success.fillna(False).to_numpy(dtype=bool) & ~values.missing(error)
    checks.warn(
        flagged,
        lambda r: (
            f"success is true but error is set ({values.quoted(error.iat[r])});"
            " counted as a success"
        ),
    )


def later_records(
    field: str, ids: pd.Series, kept: np.ndarray, lines: np.ndarray, where: str
) -> tuple[np.ndarray, list[DataWarning]]:
    """Return which rows to drop because a later kept row has the same id, and a warning each.

    ``ids`` is the id column ``field`` as text, ``kept`` marks the rows not skipped and ``lines``
    holds each row's line number. Of the kept rows sharing an id, the last in file order is
    kept: a retry logged again carries the final outcome. Each dropped row's warning names the
    line of the record kept, so the two can be compared.
    """
    rows = np.flatnonzero(kept)
    shared = pd.Series(ids.to_numpy()[rows], index=rows)
    later = shared.duplicated(keep="last").to_numpy()
    dropped = np.zeros(len(ids), dtype=bool)
    if not later.any():
        return dropped, []
    last = shared[~later]
    kept_line = pd.Series(lines[last.index.to_numpy()], index=last.to_numpy())
    dropped[rows[later]] = True
    message = field + " {} appears again at line {}; the later record is kept"
    found = [
        DataWarning(where, int(lines[row]), message.format(values.quoted(id_), int(line)))
        for row, id_, line in zip(
            rows[later], shared[later], shared[later].map(kept_line), strict=True
        )
    ]
    return dropped, found
