"""The rules a quality.jsonl record must meet to be a judgement paperkit can count.

``paperkit.logs.load`` reads quality.jsonl like every other file (the required ``item_id``,
``model`` and ``rater``, the numbers ``score``, ``min`` and ``max``, the flag ``blind``); this
module adds the rules that only make sense for a judgement, each a skip with its reason
(docs/logs.md):

- ``preference`` is one of ``model``, ``baseline`` or ``tie`` (in any case, spaces around it
  ignored), and comes with the ``baseline`` it was judged against;
- a record holds a ``score``, a ``preference`` or both: with neither, there is nothing to count;
- a ``score`` comes with its scale, ``min`` below ``max``, and lies on it.

A rating and a pairwise judgement may share a record: the score then rates ``model``. Which
rater is a person and which a model is decided by the measuring side (``llm:`` ids are judges).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from paperkit.logs import values
from paperkit.logs.fields import LLM_PREFIX, PREFERENCES


def check(columns: dict[str, pd.Series], checks: values.Checks) -> None:
    """Skip the records of ``columns`` that are no usable judgement; canonicalise ``preference``.

    ``columns`` are quality.jsonl's converted columns; ``preference`` is replaced by its
    lower-cased, trimmed form (None where missing).
    """
    raw = columns["preference"]
    lowered = values.lowered_text(raw)
    given = lowered.notna().to_numpy() & (lowered != "").to_numpy()
    unknown = given & ~lowered.isin(PREFERENCES).to_numpy()
    choices = ", ".join(PREFERENCES[:-1]) + " or " + PREFERENCES[-1]
    checks.skip(
        unknown,
        lambda r: f"preference: expected {choices}, got {values.quoted(raw.iat[r])}",
    )
    no_baseline = given & values.missing(columns["baseline"])
    checks.skip(
        no_baseline,
        lambda _: "preference without baseline: name the model it was compared with",
    )
    score, low, high = columns["score"], columns["min"], columns["max"]
    scored = score.notna().to_numpy()
    checks.skip(
        ~given & ~scored,
        lambda _: "neither score nor preference: a judgement needs one of them",
    )
    unscaled = scored & (low.isna() | high.isna()).to_numpy()
    checks.skip(unscaled, lambda _: "score without its scale: write min and max too")
    shown = values.written
    inverted = (low >= high).to_numpy()
    checks.skip(
        inverted,
        lambda r: f"min {shown(low.iat[r])} is not below max {shown(high.iat[r])}",
    )
    outside = ((score < low) | (score > high)).to_numpy()
    checks.skip(
        outside,
        lambda r: (
            f"score {shown(score.iat[r])} is outside its scale"
            f" {shown(low.iat[r])} to {shown(high.iat[r])}"
        ),
    )
    columns["preference"] = lowered.where(given, None)


KEY_FIELDS = ("item_id", "rater", "model", "baseline", "rubric")


def key(columns: dict[str, pd.Series]) -> pd.Series:
    """Return what makes a judgement one: "item_id, rater, model, baseline, rubric" as text.

    A rater who judges the same item of the same comparison again has changed their mind (or
    logged it twice): the later judgement counts, as a retried workflow's later record does.
    """
    parts = [columns[field].fillna("").astype(str) for field in KEY_FIELDS]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ", " + part
    return joined.str.rstrip(", ")


def is_llm(rater: pd.Series) -> np.ndarray:
    """Return which raters are LLM judges: ids that start with ``llm:`` (in any case)."""
    text = values.arrow_text(rater)
    found = pc.starts_with(pc.utf8_lower(pc.utf8_trim_whitespace(text)), LLM_PREFIX)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
