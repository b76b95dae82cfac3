"""A first hour with paperkit without surprises (issue 9, point 5): paperkit log refuses an
empty record, suggests the experiment meant, and its help reads whole at any width."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from paperkit.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with experiment "demo" made by paperkit init."""
    monkeypatch.chdir(tmp_path)
    assert run("init", "demo").exit_code == 0
    return tmp_path


def test_a_record_of_nothing_but_a_time_is_refused(project: Path) -> None:
    result = run("log", "cost", "demo")
    assert result.exit_code == 1
    assert result.stderr == (
        "nothing to log: give at least one of --period, --worker-ai-cost, --workflows-cost, "
        "--d1-cost, --kv-cost, --r2-cost, --claude-code-cost, --total-cost\n"
    )
    assert (project / ".claude/experiments/demo/cost-breakdown.jsonl").read_bytes() == b""
    # A timestamp alone is no more of a record.
    again = run("log", "prompt", "demo", "--timestamp", "2025-01-14T09:00:00Z")
    assert again.exit_code == 1
    assert again.stderr.startswith("nothing to log: give at least one of --iteration, --prompt")


def test_a_kind_with_a_required_field_names_it_first(project: Path) -> None:
    result = run("log", "worker-ai", "demo")
    assert (result.exit_code, result.stderr) == (
        1,
        "--model: missing; write the model's name, such as @cf/meta/llama-3.1-8b-instruct\n",
    )


def test_a_misspelled_experiment_gets_a_did_you_mean(project: Path) -> None:
    result = run("log", "cost", "dmeo", "--claude-code-cost", "1.5")
    assert (result.exit_code, result.stderr) == (
        1,
        ".claude/experiments/dmeo: no such experiment folder; did you mean 'demo'? "
        "Or create it with: paperkit init dmeo\n",
    )
    unlike = run("log", "cost", "zzz", "--claude-code-cost", "1.5")
    assert unlike.stderr == (
        ".claude/experiments/zzz: no such experiment folder; create it with: paperkit init zzz\n"
    )


def _every_command(group: click.Command, path: list[str]) -> list[list[str]]:
    found = [path]
    if isinstance(group, click.Group):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            found += _every_command(command, [*path, name])
    return found


@pytest.mark.parametrize("width", [60, 78, 80, 100, 120])
def test_no_help_text_is_cut_mid_word(width: int) -> None:
    # click wraps at hyphens: "--cost-estimate" in a help text came out as "--cost-" and
    # "estimate" on two lines. A line ending in a letter and a hyphen is such a cut.
    cut = []
    for path in _every_command(cli, []):
        output = CliRunner().invoke(cli, [*path, "--help"], terminal_width=width).output
        cut += [(path, line) for line in output.splitlines() if re.search(r"[A-Za-z]-$", line)]
    assert cut == []


def test_the_operation_examples_fit_the_kind() -> None:
    cloudflare = CliRunner().invoke(cli, ["log", "cloudflare", "--help"], terminal_width=200)
    worker_ai = CliRunner().invoke(cli, ["log", "worker-ai", "--help"], terminal_width=200)
    assert "What was done, such as query, get, put or list." in cloudflare.output
    assert "summarization" not in cloudflare.output
    assert "such as summarization or embedding" in worker_ai.output


# --- the docs reach a user who installed a wheel (point 6) --------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_docs_lists_every_page_of_the_repository() -> None:
    result = run("docs")
    assert result.exit_code == 0
    names = [line.split("  ", 1)[0] for line in result.output.splitlines()]
    assert names == sorted(path.stem for path in DOCS.glob("*.md"))
    assert any(re.fullmatch(r"metrics +Metrics", line) for line in result.output.splitlines())


def test_docs_prints_a_page_as_written() -> None:
    for name in ("metrics", "criteria.md"):
        result = run("docs", name)
        assert result.exit_code == 0
        assert result.output == (DOCS / name.removesuffix(".md")).with_suffix(".md").read_text(
            encoding="utf-8"
        )


def test_an_unknown_page_names_the_closest() -> None:
    result = run("docs", "metric")
    assert (result.exit_code, result.stderr) == (1, "no page 'metric'; did you mean 'metrics'?\n")


def test_no_help_text_cites_a_repository_path() -> None:
    # "docs/metrics.md" is a path a user who installed a wheel does not have.
    cited = []
    for path in _every_command(cli, []):
        output = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200).output
        cited += [(path, line) for line in output.splitlines() if "docs/" in line]
    assert cited == []


def test_the_example_paper_cites_no_repository_path() -> None:
    paper = DOCS.parent / ".claude" / "experiments" / "ai-content-pipeline" / "PAPER.md"
    text = paper.read_text(encoding="utf-8")
    assert "docs/" not in text
    assert "`paperkit docs criteria`" in text
