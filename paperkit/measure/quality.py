"""Quality from quality.jsonl: wins, ties and losses, scores, their intervals, rater agreement.

The formulas are in docs/quality.md. Each ``quality.*`` metric is computed over the judgements
a scope matches; without ``where.rater`` that is the judgements of people only, so an LLM
judge's verdicts never count as a person's unless a criterion says so (``rater: llm``, or a
list of both kinds). A rater whose id starts with ``llm:`` is an LLM judge; any other is a
person.

Agreement between raters who judged the same items is Cohen's kappa for two raters and
Krippendorff's alpha (nominal) for more, both written out here rather than taken from a
library: ``krippendorff`` is GPL-licensed, and statsmodels or scikit-learn would each add a
large dependency for a dozen lines of arithmetic. The tests check both against the
``krippendorff`` package and against hand computations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.logs.judgements import is_llm
from paperkit.measure.intervals import Interval, mean_interval, wilson
from paperkit.spec.types import RATER_KINDS, Scope

HUMAN, LLM = RATER_KINDS
WIN, LOSS, TIE = "model", "baseline", "tie"
# Below this, agreement is too low to draw even tentative conclusions from the judgements
# (Krippendorff, Content Analysis, 2004, section 11.4.4: alpha >= 0.667).
LOW_AGREEMENT = 0.667

Number = float | int | None


def kinds(frame: pd.DataFrame) -> pd.Series:
    """Return each judgement's kind of rater: "llm" for ``llm:`` ids, else "human"."""
    return pd.Series(np.where(is_llm(frame["rater"]), LLM, HUMAN), index=frame.index)


def scoped(frame: pd.DataFrame, scope: Scope | None) -> pd.DataFrame:
    """Return the judgements ``scope`` matches; people's only unless ``where.rater`` says.

    ``where.rater`` values ``human`` and ``llm`` match a kind of rater, any other value one
    rater's id; a list matches any of them.
    """
    keep = pd.Series(True, index=frame.index)
    raters: tuple[str, ...] = (HUMAN,)
    if scope is not None:
        for key in ("model", "baseline", "rubric"):
            wanted = getattr(scope, key)
            if wanted:
                keep &= frame[key].isin(wanted)
        raters = scope.rater or raters
    kind = kinds(frame)
    matched = pd.Series(False, index=frame.index)
    for rater in raters:
        matched |= (kind == rater) if rater in RATER_KINDS else (frame["rater"] == rater)
    return frame[keep & matched]


@dataclass(frozen=True)
class Tally:
    """The pairwise judgements of some records: the candidate won, tied or lost."""

    wins: int
    ties: int
    losses: int

    @property
    def judged(self) -> int:
        return self.wins + self.ties + self.losses

    @property
    def win_rate(self) -> float | None:
        """Wins ÷ (wins + losses): how often the candidate is preferred when one is."""
        decided = self.wins + self.losses
        return self.wins / decided if decided else None

    @property
    def not_worse_rate(self) -> float | None:
        """(Wins + ties) ÷ all pairwise judgements: how often it is at least as good."""
        return (self.wins + self.ties) / self.judged if self.judged else None

    def win_interval(self, confidence: float) -> Interval | None:
        return wilson(self.wins, self.wins + self.losses, confidence)

    def not_worse_interval(self, confidence: float) -> Interval | None:
        return wilson(self.wins + self.ties, self.judged, confidence)


def tally(frame: pd.DataFrame) -> Tally:
    """Return the wins, ties and losses among ``frame``'s pairwise judgements."""
    counts = frame["preference"].value_counts()
    return Tally(int(counts.get(WIN, 0)), int(counts.get(TIE, 0)), int(counts.get(LOSS, 0)))


def scale(frame: pd.DataFrame) -> tuple[float, float] | None:
    """Return the one scale ``(min, max)`` of ``frame``'s scores; None if none or several."""
    scored = frame[frame["score"].notna()]
    scales = set(zip(scored["min"].tolist(), scored["max"].tolist(), strict=True))
    return scales.pop() if len(scales) == 1 else None


def values(frame: pd.DataFrame) -> dict[str, Number]:
    """Return the ``quality.*`` metrics of some judgements (already scoped).

    The mean score is None when the scores are on more than one scale: a 4 out of 5 and a 4
    out of 10 do not average.
    """
    counts = tally(frame)
    scores = frame["score"].dropna()
    return {
        "quality.judgements": len(frame),
        "quality.items": int(frame["item_id"].nunique()),
        "quality.win_rate": counts.win_rate,
        "quality.not_worse_rate": counts.not_worse_rate,
        "quality.score.mean": float(scores.mean()) if scale(frame) is not None else None,
        "quality.score.n": len(scores),
    }


def rate_sample(metric: str, frame: pd.DataFrame) -> tuple[int, int]:
    """Return (successes, n) behind a quality rate, for its Wilson interval."""
    counts = tally(frame)
    if metric == "quality.win_rate":
        return counts.wins, counts.wins + counts.losses
    return counts.wins + counts.ties, counts.judged


def score_sample(frame: pd.DataFrame) -> np.ndarray:
    """Return the scores behind ``quality.score.mean`` (none when the scales differ)."""
    if scale(frame) is None:
        return np.array([], dtype=float)
    return frame["score"].dropna().to_numpy(dtype=float)


# --- agreement ----------------------------------------------------------------------------


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Return Cohen's kappa of two raters' labels of the same items (in the same order).

    kappa = (p_o − p_e) / (1 − p_e), where p_o is the share of items they label alike and
    p_e = Σ_c p₁(c) p₂(c) the share expected by chance from each rater's own label shares.
    None when p_e is 1 (both gave every item one and the same label: nothing to measure).
    """
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    one, two = Counter(first), Counter(second)
    expected = sum(one[c] * two[c] for c in one) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(
    units: Sequence[Sequence[str | float]], *, interval: bool = False
) -> float | None:
    """Return Krippendorff's alpha of the values each unit (item) received.

    Nominal by default (labels agree or not); ``interval`` for scores, where a 4 against a 5
    disagrees less than a 1 against a 5. Units with fewer than two values are left out. With
    the coincidence counts o_ck = Σ_u (pairs of values c, k in u) / (m_u − 1), n_c = Σ_k o_ck,
    n = Σ_c n_c and the distance δ(c, k) (1 when c ≠ k for nominal values, (c − k)² for
    interval ones): alpha = 1 − (n − 1) Σ o_ck δ(c, k) / Σ n_c n_k δ(c, k). None when every
    value is the same.
    """
    coincidences: Counter[tuple[str | float, str | float]] = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c in counts:
            for k in counts:
                pairs = counts[c] * (counts[k] - (c == k))
                coincidences[c, k] += pairs / (m - 1)
    totals: Counter[str | float] = Counter()
    for (c, _), value in coincidences.items():
        totals[c] += value

    def distance(c: str | float, k: str | float) -> float:
        if interval:
            return (float(c) - float(k)) ** 2
        return 0.0 if c == k else 1.0

    n = sum(totals.values())
    disagree = sum(v * distance(c, k) for (c, k), v in coincidences.items())
    chance = sum(totals[c] * totals[k] * distance(c, k) for c in totals for k in totals)
    if n <= 1 or chance == 0:
        return None
    return 1.0 - (n - 1) * disagree / chance


@dataclass(frozen=True)
class Agreement:
    """How far the raters of one comparison agree on the items they all judged."""

    model: str
    baseline: str | None  # None for agreement on scores
    rubric: str | None
    raters: tuple[str, ...]
    items: int
    statistic: str  # "Cohen's kappa", "Krippendorff's alpha" or "Krippendorff's alpha (interval)"
    value: float | None

    @property
    def low(self) -> bool:
        return self.value is not None and self.value < LOW_AGREEMENT


def agreements(frame: pd.DataFrame) -> list[Agreement]:
    """Return the agreement on each comparison (model, baseline, rubric) with 2+ raters,
    then on the scores of each model and rubric rated by 2+ raters on one scale.

    Preferences are labels: Cohen's kappa for two raters, Krippendorff's alpha (nominal) for
    more. Scores are numbers: Krippendorff's alpha (interval) for any number of raters, since
    kappa would count a 4 against a 5 as much a disagreement as a 1 against a 5.

    Every rater counts, people and LLM judges alike: how far a judge agrees with a person is
    what tells whether the judge can stand in for one. (A rater's earlier judgement of the
    same item was already dropped by the reader; keeping the last here is only a guard.)
    """
    pairwise = frame[frame["preference"].notna()].sort_values("line")
    found = []
    keys = ["model", "baseline", "rubric"]
    for key, group in pairwise.groupby(keys, dropna=False, sort=True):
        model, baseline, rubric = (None if pd.isna(v) else str(v) for v in key)
        last = group.drop_duplicates(["item_id", "rater"], keep="last")
        shared = last.groupby("item_id").filter(lambda g: len(g) >= 2)
        raters = tuple(sorted(shared["rater"].unique()))
        if len(raters) < 2:
            continue
        if len(raters) == 2:
            table = shared.pivot(index="item_id", columns="rater", values="preference").dropna()
            value = cohen_kappa(list(table[raters[0]]), list(table[raters[1]]))
            found.append(
                Agreement(
                    str(model), str(baseline), rubric, raters, len(table), "Cohen's kappa", value
                )
            )
        else:
            units = [list(g["preference"]) for _, g in shared.groupby("item_id", sort=True)]
            value = krippendorff_alpha(units)
            found.append(
                Agreement(
                    str(model),
                    str(baseline),
                    rubric,
                    raters,
                    len(units),
                    "Krippendorff's alpha",
                    value,
                )
            )
    scored = frame[frame["score"].notna()].sort_values("line")
    for key, group in scored.groupby(["model", "rubric"], dropna=False, sort=True):
        model, rubric = (None if pd.isna(v) else str(v) for v in key)
        last = group.drop_duplicates(["item_id", "rater"], keep="last")
        shared = last.groupby("item_id").filter(lambda g: len(g) >= 2)
        raters = tuple(sorted(shared["rater"].unique()))
        if len(raters) < 2 or scale(shared) is None:
            continue
        units = [list(g["score"]) for _, g in shared.groupby("item_id", sort=True)]
        value = krippendorff_alpha(units, interval=True)
        statistic = "Krippendorff's alpha (interval)"
        found.append(Agreement(str(model), None, rubric, raters, len(units), statistic, value))
    return found


# --- the paper's rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One candidate against one baseline (on one rubric), judged by one kind of rater."""

    model: str
    baseline: str
    rubric: str | None
    kind: str
    raters: tuple[str, ...]
    items: int
    tally: Tally
    blind: int  # judgements marked blind
    win_interval: Interval | None
    not_worse_interval: Interval | None


@dataclass(frozen=True)
class Ratings:
    """One model's scores (on one rubric), given by one kind of rater."""

    model: str
    rubric: str | None
    kind: str
    raters: tuple[str, ...]
    items: int
    n: int
    mean: float | None
    interval: Interval | None
    scale: tuple[float, float] | None
    blind: int


def comparisons(frame: pd.DataFrame, confidence: float) -> list[Comparison]:
    """Return the pairwise rows: per model, baseline, rubric and kind of rater."""
    pairwise = frame[frame["preference"].notna()]
    pairwise = pairwise.assign(kind=kinds(pairwise))  # kinds of the rows kept (an empty frame
    # would take the index of a longer Series)
    rows = []
    keys = ["model", "baseline", "rubric", "kind"]
    for key, group in pairwise.groupby(keys, dropna=False, sort=True):
        model, baseline, rubric, kind = (None if pd.isna(v) else str(v) for v in key)
        counts = tally(group)
        rows.append(
            Comparison(
                model=str(model),
                baseline=str(baseline),
                rubric=rubric,
                kind=str(kind),
                raters=tuple(sorted(group["rater"].unique())),
                items=int(group["item_id"].nunique()),
                tally=counts,
                blind=int((group["blind"] == True).sum()),  # noqa: E712
                win_interval=counts.win_interval(confidence),
                not_worse_interval=counts.not_worse_interval(confidence),
            )
        )
    return rows


def ratings(frame: pd.DataFrame, confidence: float) -> list[Ratings]:
    """Return the rating rows: per model, rubric and kind of rater."""
    scored = frame[frame["score"].notna()]
    scored = scored.assign(kind=kinds(scored))
    rows = []
    for key, group in scored.groupby(["model", "rubric", "kind"], dropna=False, sort=True):
        model, rubric, kind = (None if pd.isna(v) else str(v) for v in key)
        sample = score_sample(group)
        rows.append(
            Ratings(
                model=str(model),
                rubric=rubric,
                kind=str(kind),
                raters=tuple(sorted(group["rater"].unique())),
                items=int(group["item_id"].nunique()),
                n=len(group),
                mean=float(sample.mean()) if sample.size else None,
                interval=mean_interval(sample, confidence) if sample.size else None,
                scale=scale(group),
                blind=int((group["blind"] == True).sum()),  # noqa: E712
            )
        )
    return rows
