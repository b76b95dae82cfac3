"""PAPER.html: one self-contained page, the same bytes every build, log text kept as text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from paperkit.cli import cli
from paperkit.paper.html import paper_html, slug
from tests.helpers import L8B, build, jsonl

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = ".claude/experiments/ai-content-pipeline"


def example(tmp_path: Path) -> Path:
    """Copy the example spec and logs (with the committed paper) under ``tmp_path``."""
    shutil.copy(REPO / "experiments.yaml", tmp_path / "experiments.yaml")
    shutil.copytree(REPO / EXAMPLE, tmp_path / EXAMPLE)
    return tmp_path


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    spec = str(tmp_path / "experiments.yaml")
    result = CliRunner().invoke(cli, ["build", *args, "--spec", spec])
    return result.exit_code, result.stderr


def test_build_html_writes_a_page_that_rebuilds_byte_for_byte(tmp_path: Path) -> None:
    root = example(tmp_path)
    code, err = run(root, "ai-content-pipeline", "--html")
    assert code == 0, err
    assert (
        err.splitlines()[-1].startswith(
            "ai-content-pipeline: wrote PAPER.html in .claude/experiments/ai-content-pipeline"
        )
        or "wrote PAPER.html" in err
    )
    page = root / EXAMPLE / "PAPER.html"
    first = page.read_bytes()
    code, err = run(root, "ai-content-pipeline", "--html")
    assert code == 0 and "up to date" in err.splitlines()[-1]
    assert page.read_bytes() == first
    # --check compares PAPER.html too: a changed page is stale (exit 3).
    page.write_text("edited", encoding="utf-8")
    code, err = run(root, "--all", "--html", "--check")
    assert code == 3
    assert "stale: PAPER.html in" in err


def test_the_page_draws_each_chart_and_loads_nothing(tmp_path: Path) -> None:
    root = example(tmp_path)
    assert run(root, "--all", "--html")[0] == 0
    markdown = (root / EXAMPLE / "PAPER.md").read_text(encoding="utf-8")
    page = (root / EXAMPLE / "PAPER.html").read_text(encoding="utf-8")
    assert page.count('<svg class="chart"') == markdown.count("```mermaid") == 8
    assert "paperkit:" not in page  # no block marker, not even as a comment
    assert "<script" not in page and "<link" not in page and " src=" not in page
    # No attribute points anywhere but inside the page (sources cited as text are text).
    targets = re.findall(r'(?:src|href|xlink:href)="([^"]*)"', page)
    assert all(t.startswith("#") for t in targets), targets
    assert "default-src 'none'" in page
    assert '<h3 id="cost-over-time">Cost Over Time</h3>' in page
    assert "<table>" in page and "<details><summary>The numbers (20 rows)</summary>" in page


def test_log_text_stays_text_in_the_page(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>"
    calls = [
        {
            "timestamp": "2025-03-01T10:00:00Z",
            "model": L8B,
            "input_tokens": 10,
            "success": False,
            "error": evil,
        }
    ]
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)})
    assert evil in result.paper  # the Markdown keeps the text as logged
    page = paper_html(result.paper)
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_only_details_summary_and_br_pass_as_html() -> None:
    page = paper_html(
        "# T\n\n<details><summary>more</summary>\n\nx\n\n</details>\n\n<!-- note -->\n\n"
        "<iframe src=a></iframe>\n\na<br>b <b>c</b>\n"
    )
    assert "<details><summary>more</summary>" in page and "</details>" in page
    assert "note" not in page
    assert "&lt;iframe src=a&gt;&lt;/iframe&gt;" in page
    assert "a<br>b &lt;b&gt;c&lt;/b&gt;" in page


def test_a_mermaid_diagram_it_cannot_draw_is_shown_as_its_source() -> None:
    page = paper_html("# T\n\n```mermaid\ngraph TD\n  A-->B\n```\n")
    assert "<svg" not in page
    assert "A--&gt;B" in page


def test_heading_anchors_are_githubs() -> None:
    assert slug("Issue #1: summaries of long technical posts") == (
        "issue-1-summaries-of-long-technical-posts"
    )
    assert slug("WHAT I (CLAUDE CODE) DID WELL") == "what-i-claude-code-did-well"
    page = paper_html("# A\n\n## Notes\n\n## Notes\n")
    assert '<h2 id="notes">' in page and '<h2 id="notes-1">' in page


def test_html_and_stdout_do_not_mix(tmp_path: Path) -> None:
    root = example(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "ai-content-pipeline",
            "--html",
            "--stdout",
            "--spec",
            str(root / "experiments.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert "Error: --stdout prints the Markdown paper; drop --html or --stdout" in result.stderr
