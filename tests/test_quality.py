"""quality.jsonl: reading, the quality.* metrics and criteria, rater agreement.

Every expected number is worked out by hand in a comment (Wilson bounds with z = 1.959964 from
the formula in docs/quality.md), or taken from the ``krippendorff`` package, not from paperkit.
"""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from helpers import L8B, build, jsonl

from paperkit.logs.load import load_logs
from paperkit.measure import quality

GPT4O = "openai:gpt-4o"
TS = "2025-01-14T14:10:00Z"


def judgement(item: str, preference: str, rater: str = "ana", **fields: object) -> dict:
    record = {"timestamp": TS, "item_id": item, "model": L8B, "baseline": GPT4O}
    return record | {"preference": preference, "rater": rater, "blind": True} | fields


# Ana, a person: 20 documents, 5 wins, 8 ties, 7 losses (docs/quality.md's worked example).
ANA = (
    [judgement(f"doc-{i:02}", "model") for i in range(1, 6)]
    + [judgement(f"doc-{i:02}", "tie") for i in range(6, 14)]
    + [judgement(f"doc-{i:02}", "baseline") for i in range(14, 21)]
)
# An LLM judge on the same 20: 12 wins, 6 ties, 2 losses. Never counted as a person.
JUDGE = (
    [judgement(f"doc-{i:02}", "model", "llm:openai:gpt-4o-mini") for i in range(1, 13)]
    + [judgement(f"doc-{i:02}", "tie", "LLM:openai:gpt-4o-mini") for i in range(13, 19)]
    + [judgement(f"doc-{i:02}", "baseline", "llm:openai:gpt-4o-mini") for i in range(19, 21)]
)
# Ratings on a 1-5 scale by Ana: 3, 4, 4, 5 (mean 4).
RATINGS = [
    {"timestamp": TS, "item_id": f"doc-{i}", "model": L8B, "score": s, "min": 1, "max": 5,
     "rater": "ana"}
    for i, s in enumerate([3, 4, 4, 5], start=1)
]  # fmt: skip


def rating(**fields: object) -> dict:
    """A rating of 3 on 1-5 by "a", with ``fields`` changed (None leaves a field out)."""
    record = {"timestamp": TS, "item_id": "d1", "model": L8B, "rater": "a"}
    record |= {"score": 3, "min": 1, "max": 5} | fields
    return {key: value for key, value in record.items() if value is not None}


def spec(criteria: str) -> str:
    return f"version: 1\nroot: runs\nexperiments:\n  exp:\n    criteria:\n{criteria}"


def test_the_reader_skips_what_is_no_judgement_and_reports_why(tmp_path: Path) -> None:
    (tmp_path / "quality.jsonl").write_text(
        jsonl(
            judgement("d1", " Model "),
            judgement("d1", "better"),
            rating(preference="tie", score=None),
            rating(score=None),
            rating(min=None, max=None),
            rating(min=5, max=1),
            rating(score=7),
            rating(score=-1, min=-2, max=2, blind="yes"),
            rating(item_id=None),
            rating(rater=None),
        ),
        encoding="utf-8",
    )
    logs = load_logs(tmp_path, display_path=lambda p: p.name)
    assert [str(w) for w in logs.warnings] == [
        "quality.jsonl:2: preference: expected model, baseline or tie, got 'better'",
        "quality.jsonl:3: preference without baseline: name the model it was compared with",
        "quality.jsonl:4: neither score nor preference: a judgement needs one of them",
        "quality.jsonl:5: score without its scale: write min and max too",
        "quality.jsonl:6: min 5 is not below max 1",
        "quality.jsonl:7: score 7 is outside its scale 1 to 5",
        "quality.jsonl:8: blind: expected true or false, got 'yes'; treated as unknown",
        "quality.jsonl:9: missing item_id",
        "quality.jsonl:10: missing rater",
    ]
    frame = logs.quality
    assert frame["line"].tolist() == [1, 8]
    assert frame["preference"].tolist() == ["model", None]
    assert frame["score"].tolist()[1] == -1.0  # a negative score on a -2..2 scale is read
    assert frame["blind"].tolist()[0] is True and frame["blind"].isna().tolist()[1]
    stats = logs.files["quality.jsonl"]
    assert (stats.lines, stats.records, stats.skipped) == (10, 2, 8)


def test_metrics_count_people_only_and_give_both_rates(tmp_path: Path) -> None:
    result = build(tmp_path, {"quality.jsonl": jsonl(*ANA, *JUDGE, *RATINGS)})
    values = result.metrics.values
    # Ana alone: 20 pairwise + 4 ratings; the judge's 20 are left out.
    assert values["quality.judgements"] == 24
    assert values["quality.items"] == 24  # doc-01..doc-20, and the ratings' doc-1..doc-4
    assert values["quality.win_rate"] == pytest.approx(5 / 12)
    assert values["quality.not_worse_rate"] == pytest.approx(13 / 20)
    assert values["quality.score.mean"] == pytest.approx(4.0)
    assert values["quality.score.n"] == 4


def test_no_quality_file_means_no_data_and_an_empty_one_means_zero(tmp_path: Path) -> None:
    assert build(tmp_path / "a", {}).metrics.values["quality.judgements"] is None
    empty = build(tmp_path / "b", {"quality.jsonl": ""}).metrics.values
    assert empty["quality.judgements"] == 0 and empty["quality.not_worse_rate"] is None


def _criterion(result, index: int = 0) -> dict:
    return json.loads(result.results)["criteria"][index]


def test_the_seed_criterion_fails_below_min_n_when_its_interval_does(tmp_path: Path) -> None:
    criterion = (
        '      - {text: "Accuracy comparable to GPT-4o", metric: quality.not_worse_rate,\n'
        f'         where: {{baseline: "{GPT4O}"}}, op: ">=", target: 0.9}}\n'
    )
    result = build(tmp_path, {"quality.jsonl": jsonl(*ANA, *JUDGE)}, spec(criterion))
    judged = _criterion(result)
    # 13 of 20 (people only). Wilson 95%: centre (0.65 + 3.8415/40) / 1.19207 = 0.625831,
    # half-width 1.959964 / 1.19207 × √(0.2275/20 + 3.8415/1600) = 0.192977.
    assert judged["value"] == pytest.approx(0.65)
    assert judged["n"] == 20
    assert judged["interval"]["low"] == pytest.approx(0.432854, abs=1e-6)
    assert judged["interval"]["high"] == pytest.approx(0.818808, abs=1e-6)
    # Below min_n, but the whole interval is below 0.9: a fail at any n (docs/criteria.md).
    assert judged["verdict"] == "fail"
    assert "even from n = 20 (below min_n 30)" in judged["reason"]


def test_with_enough_judgements_the_interval_decides(tmp_path: Path) -> None:
    criterion = (
        "      - {text: Comparable, metric: quality.not_worse_rate, op: '>=', target: 0.9,"
        f" where: {{baseline: '{GPT4O}'}}, min_n: 20}}\n"
    )
    result = build(tmp_path, {"quality.jsonl": jsonl(*ANA)}, spec(criterion))
    # The whole interval, 0.4329 to 0.8188, is below 0.9.
    assert _criterion(result)["verdict"] == "fail"


def test_an_llm_judge_counts_only_when_the_scope_names_it(tmp_path: Path) -> None:
    criteria = "".join(
        f"      - {{text: C{i}, metric: quality.win_rate, target: 0.5, min_n: 5{scope}}}\n"
        for i, scope in enumerate(
            ["", ", where: {rater: llm}", ", where: {rater: [human, llm]}", ", where: {rater: ana}"]
        )
    )
    result = build(tmp_path, {"quality.jsonl": jsonl(*ANA, *JUDGE)}, spec(criteria))
    people, judge, both, ana = (_criterion(result, i) for i in range(4))
    assert (people["value"], people["n"]) == (pytest.approx(5 / 12), 12)
    # The judge: 12 wins, 2 losses; Wilson 95% for 12 of 14: centre (0.857143 + 3.841459/28)
    # / 1.274390 = 0.780246, half-width 1.959964 / 1.274390 × √(0.122449/14 + 3.841459/784)
    # = 1.537963 × 0.116817 = 0.179660, so 0.600586 to 0.959906.
    assert (judge["value"], judge["n"]) == (pytest.approx(12 / 14), 14)
    assert judge["interval"]["low"] == pytest.approx(0.600586, abs=1e-6)
    assert judge["interval"]["high"] == pytest.approx(0.959906, abs=1e-6)
    assert judge["verdict"] == "pass"
    assert (both["value"], both["n"]) == (pytest.approx(17 / 26), 26)
    assert ana["n"] == 12


def test_a_scope_no_judgement_has_is_an_error(tmp_path: Path) -> None:
    criterion = "      - {text: C, metric: quality.win_rate, target: 0.5, where: {rater: llm}}\n"
    with pytest.raises(Exception, match="where.rater: no record has rater 'llm'"):
        build(tmp_path, {"quality.jsonl": jsonl(*ANA)}, spec(criterion))


def test_the_mean_score_has_a_t_interval(tmp_path: Path) -> None:
    criterion = "      - {text: S, metric: quality.score.mean, target: 3, min_n: 4}\n"
    result = build(tmp_path, {"quality.jsonl": jsonl(*RATINGS)}, spec(criterion))
    judged = _criterion(result)
    # 3, 4, 4, 5: mean 4, s = √(2/3) = 0.816497, t(3, 0.975) = 3.182446 (t tables),
    # half-width 3.182446 × 0.816497 / 2 = 1.299228.
    assert judged["value"] == pytest.approx(4.0)
    assert judged["interval"]["low"] == pytest.approx(2.700772, abs=1e-6)
    assert judged["interval"]["high"] == pytest.approx(5.299228, abs=1e-6)
    assert judged["verdict"] == "inconclusive"


def test_scores_on_two_scales_have_no_mean(tmp_path: Path) -> None:
    ten = {**RATINGS[0], "item_id": "x", "score": 8, "max": 10}
    values = build(tmp_path, {"quality.jsonl": jsonl(*RATINGS, ten)}).metrics.values
    assert values["quality.score.mean"] is None and values["quality.score.n"] == 5


# --- agreement ----------------------------------------------------------------------------

# docs/quality.md's example: agree on 7 of 10 (4 ties, 2 losses, 1 win), then A tie / B win,
# A loss / B tie, A win / B tie. A: tie 5, loss 3, win 2; B: tie 6, loss 2, win 2.
A = ["tie"] * 4 + ["baseline"] * 2 + ["model", "tie", "baseline", "model"]
B = ["tie"] * 4 + ["baseline"] * 2 + ["model", "model", "tie", "tie"]


def test_cohen_kappa_by_hand() -> None:
    # p_o = 0.7, p_e = (5×6 + 3×2 + 2×2) / 100 = 0.4, kappa = 0.3 / 0.6 = 0.5.
    assert quality.cohen_kappa(A, B) == pytest.approx(0.5)
    assert quality.cohen_kappa(["tie"] * 3, ["tie"] * 3) is None  # p_e = 1: nothing to measure


def _codes(rows: list[list[str | None]]) -> np.ndarray:
    """Reliability data for the krippendorff package: raters × items, NaN for missing."""
    names = {"model": 0, "baseline": 1, "tie": 2}
    return np.array([[np.nan if v is None else names[v] for v in row] for row in rows], float)


def test_krippendorff_alpha_matches_the_krippendorff_package() -> None:
    three = [
        A,
        B,
        ["tie", "tie", "model", "tie", "baseline", None, "model", "model", "tie", None],
    ]
    units = [[r[i] for r in three if r[i] is not None] for i in range(10)]
    expected = krippendorff.alpha(reliability_data=_codes(three), level_of_measurement="nominal")
    assert quality.krippendorff_alpha(units) == pytest.approx(expected)
    # With two raters and no missing value, alpha is kappa's sibling; by hand from the
    # coincidences of A and B (n = 20): o(tie,tie) = 8, o(b,b) = 4, o(m,m) = 2, and one each
    # of (tie,m), (m,tie), (b,tie), (tie,b), (m,tie), (tie,m); n_tie = 11, n_b = 5, n_m = 4;
    # alpha = 1 − 19 × 6 / (2 × (11×5 + 11×4 + 5×4)) = 1 − 114 / 238 = 0.521008.
    assert quality.krippendorff_alpha([list(p) for p in zip(A, B, strict=True)]) == (
        pytest.approx(1 - 114 / 238)
    )
    two = krippendorff.alpha(reliability_data=_codes([A, B]), level_of_measurement="nominal")
    assert two == pytest.approx(1 - 114 / 238)


def test_agreement_is_reported_per_comparison_with_a_low_flag(tmp_path: Path) -> None:
    records = [judgement(f"d{i}", a, "ana") for i, a in enumerate(A)] + [
        judgement(f"d{i}", b, "llm:judge") for i, b in enumerate(B)
    ]
    (tmp_path / "quality.jsonl").write_text(jsonl(*records), encoding="utf-8")
    found = quality.agreements(load_logs(tmp_path).quality)
    assert len(found) == 1
    agreement = found[0]
    assert agreement.raters == ("ana", "llm:judge")
    assert (agreement.items, agreement.statistic) == (10, "Cohen's kappa")
    assert agreement.value == pytest.approx(0.5) and agreement.low


def test_log_quality_and_track_quality_write_what_the_reader_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import paperkit.track
    from paperkit.cli import cli

    (tmp_path / "runs" / "exp").mkdir(parents=True)
    (tmp_path / "experiments.yaml").write_text(spec("      []\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["log", "quality", "exp", "--item-id", "d1", "--model", L8B, "--baseline", GPT4O]
    result = CliRunner().invoke(cli, [*args, "--preference", "Tie", "--rater", "ana", "--blind"])
    assert (result.exit_code, result.stderr) == (0, "appended to runs/exp/quality.jsonl:1\n")
    refused = CliRunner().invoke(cli, [*args, "--rater", "ana"])
    assert refused.exit_code == 1
    assert refused.stderr == ("a judgement needs --score (with --min and --max) or --preference\n")
    paperkit.track.quality("exp", item_id="d2", model=L8B, rater="ana", score=4, scale=(1, 5))
    logs = load_logs(tmp_path / "runs" / "exp")
    assert logs.warnings == ()
    assert logs.quality["preference"].tolist() == ["tie", None]
    assert logs.quality["score"].tolist()[1] == 4.0


def test_a_judgement_given_again_counts_once_the_later_one(tmp_path: Path) -> None:
    records = [
        judgement("d1", "tie"),
        judgement("d1", "model", "ben"),  # another rater: kept
        judgement("d1", "model"),  # Ana changes her mind: this one counts
        judgement("d1", "baseline", rubric="fluency"),  # another rubric: kept
    ]
    (tmp_path / "quality.jsonl").write_text(jsonl(*records), encoding="utf-8")
    logs = load_logs(tmp_path, display_path=lambda p: p.name)
    assert [str(w) for w in logs.warnings] == [
        "quality.jsonl:1: judgement 'd1, ana, @cf/meta/llama-3.1-8b-instruct, openai:gpt-4o'"
        " appears again at line 3; the later record is kept"
    ]
    assert logs.quality["line"].tolist() == [2, 3, 4]
    assert logs.files["quality.jsonl"].duplicates == 1


def test_the_paper_names_what_the_judgements_do_not_prove(tmp_path: Path) -> None:
    from paperkit.paper.quality import quality_unproven

    records = [
        judgement("d1", "tie", blind=False),
        judgement("d2", "model"),
        judgement("d1", "baseline", "ben"),
        judgement("d2", "baseline", "ben"),
        judgement("d1", "model", "llm:judge", baseline="openai:gpt-4o-mini"),
    ]
    (tmp_path / "quality.jsonl").write_text(jsonl(*records), encoding="utf-8")
    lines = quality_unproven(load_logs(tmp_path).quality)
    name = f"{L8B} vs {GPT4O}"
    mini = f"{L8B} vs openai:gpt-4o-mini"
    assert lines == [
        f"That the judgements of {name} hold when blind: 1 of the 4 judgements by ana and ben"
        " were not marked blind",
        f"The quality of {name} beyond the 2 items ana and ben judged (fewer than 30)",
        f"As much as its interval suggests about {name}: it counts the 4 judgements of 2 people"
        " on 2 items as independent, and judgements of one item are not",
        f"The quality of {mini} beyond the 1 item the LLM judge llm:judge judged (fewer than 30)",
        f"That people would judge {mini} as the LLM judge llm:judge did: no person judged it",
        # Ana tie, model; Ben baseline, baseline: p_o = 0, p_e = 0, kappa = 0.
        f"That the raters of {name} agree: Cohen's kappa 0.00 is below 0.667",
    ]


def test_agreement_on_scores_is_interval_alpha_as_the_krippendorff_package_gives() -> None:
    ana = [3, 4, 4, 5, 2, 1]
    ben = [3, 5, 4, 4, 2, 2]
    cy = [2, 4, None, 5, 1, 1]
    expected = krippendorff.alpha(
        reliability_data=np.array(
            [[np.nan if v is None else v for v in r] for r in (ana, ben, cy)]
        ),
        level_of_measurement="interval",
    )
    units = [[v for v in (a, b, c) if v is not None] for a, b, c in zip(ana, ben, cy, strict=True)]
    assert quality.krippendorff_alpha(units, interval=True) == pytest.approx(expected)
    # Two raters, two items: (1, 2) and (4, 4). Coincidences (ordered pairs, m = 2): o(1,2) =
    # o(2,1) = 1, o(4,4) = 2; n_1 = n_2 = 1, n_4 = 2, n = 4. Observed Σ o δ = 1 + 1 = 2;
    # expected Σ n_c n_k δ = 2 × (1×1×1 + 1×2×9 + 1×2×4) = 54; alpha = 1 − 3 × 2 / 54.
    assert quality.krippendorff_alpha([[1, 2], [4, 4]], interval=True) == pytest.approx(1 - 6 / 54)


def test_score_agreement_is_reported_per_model_and_rubric(tmp_path: Path) -> None:
    records = [
        rating(item_id=f"d{i}", rater=rater, score=score)
        for rater, scores in (("ana", [1, 4]), ("ben", [2, 4]))
        for i, score in enumerate(scores)
    ]
    (tmp_path / "quality.jsonl").write_text(jsonl(*records), encoding="utf-8")
    (found,) = quality.agreements(load_logs(tmp_path).quality)
    assert (found.baseline, found.statistic, found.items) == (
        None,
        "Krippendorff's alpha (interval)",
        2,
    )
    assert found.value == pytest.approx(1 - 6 / 54)


def test_the_comparison_gains_a_quality_row_only_for_a_baseline_people_judged(
    tmp_path: Path,
) -> None:
    from paperkit.paper.quality import quality_row
    from paperkit.spec.types import Comparison

    (tmp_path / "quality.jsonl").write_text(jsonl(*ANA, *JUDGE), encoding="utf-8")
    frame = load_logs(tmp_path).quality
    row = quality_row(Comparison(name="OpenAI", baseline=GPT4O), frame, 0.95)
    # Ana's 13 of 20 (the judge's 14 of 20 left out): 65.0%, Wilson 43.3% to 81.9%.
    assert row is not None
    assert row["ours"] == "65.0% (43.3% to 81.9%), n = 20"
    assert quality_row(Comparison(name="OpenAI"), frame, 0.95) is None
    judge_only = frame[frame["rater"] != "ana"]
    assert quality_row(Comparison(name="OpenAI", baseline=GPT4O), judge_only, 0.95) is None
