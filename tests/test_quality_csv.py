"""paperkit import quality-csv: a rating spreadsheet imports into the numbers logging gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import L8B

import paperkit.track
from paperkit.build import render_experiment
from paperkit.cli import cli
from paperkit.errors import PaperkitError
from paperkit.importers.quality_csv import import_quality_csv
from paperkit.spec.load import load_spec

SPEC = "version: 1\nroot: runs\nexperiments:\n  sheet: {}\n  logged: {}\n"
# Ana and Ben rate six summaries on 1-5; row 5 (line 6) is off the scale, line 7 is blank.
SHEET = (
    "Document,Rated on,Score,Rater,Comment\n"
    "doc-1,2025-01-14,4,ana,fine\n"
    "doc-2,2025-01-14,5,ana,\n"
    'doc-3,2025-01-14,3,ana,"two\nlines"\n'
    "doc-4,2025-01-15,9,ben,typo\n"
    "\n"
    "doc-5,2025-01-15,2,ben,\n"
)
MAP = ["--map", "Document=item_id,Rated on=timestamp,Score=score", "--map", "Rater=rater"]
SET = ["--set", f"model={L8B},min=1,max=5"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("sheet", "logged"):
        (tmp_path / "runs" / name).mkdir(parents=True)
    (tmp_path / "experiments.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "ratings.csv").write_text(SHEET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_import_reports_bad_rows_by_line_and_is_safe_to_repeat(project: Path) -> None:
    first = CliRunner().invoke(cli, ["import", "quality-csv", "sheet", "ratings.csv", *MAP, *SET])
    assert first.exit_code == 0
    assert first.stderr == (
        "warning: ratings.csv:6: Score: 9 is outside the scale 1 to 5\n"
        "sheet: imported 4 judgements; 0 already imported; 1 invalid; columns ignored: Comment"
        " (from 5 rows)\n"
    )
    again = CliRunner().invoke(cli, ["import", "quality-csv", "sheet", "ratings.csv", *MAP, *SET])
    assert again.stderr.endswith("imported 0 judgements; 4 already imported; 1 invalid;"
                                 " columns ignored: Comment (from 5 rows)\n")  # fmt: skip


def test_a_rating_spreadsheet_imports_into_the_same_numbers_as_logging(project: Path) -> None:
    import_quality_csv(
        Path("ratings.csv"),
        Path("experiments.yaml"),
        "sheet",
        mapping={
            "Document": "item_id",
            "Rated on": "timestamp",
            "Score": "score",
            "Rater": "rater",
        },
        constants={"model": L8B, "min": "1", "max": "5"},
    )
    for item, day, score, rater in [
        ("doc-1", "2025-01-14", 4, "ana"),
        ("doc-2", "2025-01-14", 5, "ana"),
        ("doc-3", "2025-01-14", 3, "ana"),
        ("doc-5", "2025-01-15", 2, "ben"),
    ]:
        paperkit.track.quality(
            "logged", item_id=item, model=L8B, rater=rater, score=score, scale=(1, 5), timestamp=day
        )
    spec = load_spec(project / "experiments.yaml")
    imported = render_experiment(spec, "sheet").metrics.values
    logged = render_experiment(spec, "logged").metrics.values
    quality = {k: v for k, v in imported.items() if k.startswith("quality.")}
    assert quality == {k: v for k, v in logged.items() if k.startswith("quality.")}
    # 4, 5, 3, 2: mean 3.5 over 4 scores, 4 items.
    assert quality["quality.score.mean"] == 3.5
    assert (quality["quality.score.n"], quality["quality.items"]) == (4, 4)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Document": "itemid"}, "--map: unknown field 'itemid'; did you mean 'item_id'?"),
        ({"Doc": "item_id"}, "--map: no column 'Doc' in the sheet; it has 'Document', "
         "'Rated on', 'Score', 'Rater', 'Comment'"),
        ({"Document": "item_id"}, "no timestamp: map a column to it (--map Date=timestamp)"
         " or give one for every row (--set timestamp=2025-01-14)"),
    ],
)  # fmt: skip
def test_a_wrong_mapping_is_an_error_before_anything_is_written(
    project: Path, mapping: dict[str, str], message: str
) -> None:
    with pytest.raises(PaperkitError) as error:
        import_quality_csv(Path("ratings.csv"), Path("experiments.yaml"), "sheet", mapping=mapping)
    assert error.value.message == message
    assert not (project / "runs" / "sheet" / "quality.jsonl").exists()
