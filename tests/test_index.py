"""paperkit index: a row per experiment, user text around the block kept, --check, --index."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperkit.cli import cli
from tests.helpers import L8B, jsonl, write_tree

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
version: 1
root: runs
experiments:
  first:
    number: 8
    title: "Second | <i>try</i>"
    criteria:
      - {text: "Calls succeed", metric: ai.success_rate, op: ">=", target: 0.9}
      - {text: "Checked by hand", manual: true, verdict: fail, evidence: "read 10 outputs"}
  early:
    number: 7
"""


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _calls(n: int) -> str:
    return jsonl(
        *(
            {
                "timestamp": f"2025-03-0{1 + i // 50}T10:{i % 50:02d}:00Z",
                "model": L8B,
                "input_tokens": 1000,
                "output_tokens": 100,
                "latency_ms": 500,
                "success": True,
            }
            for i in range(n)
        )
    )


def _tree(tmp_path: Path) -> str:
    write_tree(
        tmp_path,
        {
            "experiments.yaml": SPEC,
            "runs/first/worker-ai.jsonl": _calls(100),
            "runs/loose/worker-ai.jsonl": "",
        },
    )
    return str(tmp_path / "experiments.yaml")


def test_the_index_has_a_row_per_experiment_and_keeps_user_text(tmp_path: Path) -> None:
    spec = _tree(tmp_path)
    index = tmp_path / "EXPERIMENTS.md"
    index.write_text("# Our experiments\n\nWritten by us.\n", encoding="utf-8")
    result = _invoke("index", "--spec", spec)
    assert result.exit_code == 0, result.output
    text = index.read_text(encoding="utf-8")
    # The user's file had no markers: all of it stays, and the block goes after it.
    assert text.startswith("# Our experiments\n\nWritten by us.\n\n<!-- paperkit:begin index -->\n")
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    # By number: 7 (declared, no folder), 8, then the undeclared folder "loose".
    assert [row.split(" | ")[0] for row in rows] == ["| 7", "| 8", "| n/a"]
    # 100 calls of 100 succeed: Wilson 95% low 0.963 >= 0.9, pass; the manual one fails.
    # No workflows file, so no units and no cost per unit. The title is escaped.
    assert rows[1] == (
        "| 8 | [Second \\| \\<i\\>try\\</i\\>](runs/first/PAPER.md) (`first`) | "
        "2025-03-01 to 2025-03-02 | Partially validated | 1 / 1 / 0 | n/a | n/a | 100 | "
        "not built yet |"
    )
    assert rows[0].startswith(
        "| 7 | [early](runs/early/PAPER.md) | n/a | Inconclusive | none stated |"
    )

    # Text written after the block, and a change to the block's surroundings, survive a rebuild.
    index.write_text(text + "\nMore words.\n", encoding="utf-8")
    assert _invoke("build", "--all", "--index", "--spec", spec).exit_code == 0
    rebuilt = index.read_text(encoding="utf-8")
    assert rebuilt.startswith("# Our experiments\n\nWritten by us.\n")
    assert rebuilt.endswith("\nMore words.\n")
    assert "| 100 | current |" in rebuilt
    check = _invoke("index", "--check", "--spec", spec)
    assert check.exit_code == 0, check.output


def test_index_check_and_a_hand_edited_block(tmp_path: Path) -> None:
    spec = _tree(tmp_path)
    index = tmp_path / "EXPERIMENTS.md"
    stale = _invoke("index", "--check", "--spec", spec)
    assert stale.exit_code == 3 and not index.exists()
    assert _invoke("index", "--spec", spec).exit_code == 0
    assert index.read_text(encoding="utf-8").startswith("# Experiments\n\n<!-- paperkit:begin")
    edited = index.read_text(encoding="utf-8").replace("| 7 |", "| 70 |")
    index.write_text(edited, encoding="utf-8")
    refused = _invoke("index", "--spec", spec)
    assert refused.exit_code == 1
    assert "the index block was edited by hand" in refused.stderr
    assert index.read_text(encoding="utf-8") == edited
    assert _invoke("index", "--force", "--spec", spec).exit_code == 0
    assert (tmp_path / "EXPERIMENTS.md.bak").read_text(encoding="utf-8") == edited
    assert "| 7 |" in index.read_text(encoding="utf-8")


def test_build_index_needs_all(tmp_path: Path) -> None:
    spec = _tree(tmp_path)
    assert _invoke("build", "first", "--index", "--spec", spec).exit_code == 2
    assert _invoke("build", "--all", "--check", "--index", "--spec", spec).exit_code == 2


@pytest.mark.skipif(not (ROOT / "EXPERIMENTS.md").exists(), reason="no committed index")
def test_the_committed_index_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = _invoke("index", "--check")
    assert result.exit_code == 0, result.stderr


def test_an_experiment_that_does_not_build_gets_a_row_saying_so(tmp_path: Path) -> None:
    spec = _tree(tmp_path)
    broken = SPEC + (
        "  scoped:\n    criteria:\n"
        '      - {text: "70b is fast", metric: ai.latency_ms.p95, op: "<", target: 9,'
        " where: {model: [nope]}}\n"
    )
    write_tree(tmp_path, {"experiments.yaml": broken, "runs/scoped/worker-ai.jsonl": _calls(5)})
    result = _invoke("index", "--spec", spec)
    assert result.exit_code == 1
    assert "build failed: scoped: where.model: no record has model 'nope'" in result.stderr
    text = (tmp_path / "EXPERIMENTS.md").read_text(encoding="utf-8")
    assert "build failed: where.model: no record has model 'nope'" in text
    assert "| 8 | [Second" in text  # the others are still listed


def test_a_second_forced_index_keeps_the_first_backup(tmp_path: Path) -> None:
    spec = _tree(tmp_path)
    index = tmp_path / "EXPERIMENTS.md"
    assert _invoke("index", "--spec", spec).exit_code == 0
    first = index.read_text(encoding="utf-8").replace("| 7 |", "| 70 |")
    index.write_text(first, encoding="utf-8")
    assert _invoke("index", "--force", "--spec", spec).exit_code == 0
    second = index.read_text(encoding="utf-8").replace("| 7 |", "| 71 |")
    index.write_text(second, encoding="utf-8")
    assert _invoke("index", "--force", "--spec", spec).exit_code == 0
    assert (tmp_path / "EXPERIMENTS.md.bak").read_text(encoding="utf-8") == first
    assert (tmp_path / "EXPERIMENTS.md.bak.2").read_text(encoding="utf-8") == second


@pytest.mark.parametrize("name", ["EXPERIMENTS.md", "EXPERIMENTS.md.bak"])
def test_the_index_is_never_read_or_written_through_a_link_out_of_its_folder(
    tmp_path: Path, name: str
) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    spec = _tree(project)
    outside = tmp_path / "secret.md"
    outside.write_text("someone else's file\n", encoding="utf-8")
    (project / name).symlink_to(outside)
    result = _invoke("index", "--force", "--spec", spec)
    assert result.exit_code == 1
    assert f"refusing to read or write through a symlink to {outside.as_posix()}" in result.stderr
    assert outside.read_text(encoding="utf-8") == "someone else's file\n"
    assert not (project / "EXPERIMENTS.md.bak").is_file() or name == "EXPERIMENTS.md.bak"
