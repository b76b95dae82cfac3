"""A first hour with paperkit without surprises (issue 9, point 5): paperkit log refuses an
empty record, suggests the experiment meant, and its help reads whole at any width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import build, command_paths

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


@pytest.mark.parametrize("width", [60, 78, 80, 100, 120])
def test_no_help_text_is_cut_mid_word(width: int) -> None:
    # click wraps at hyphens: "--cost-estimate" in a help text came out as "--cost-" and
    # "estimate" on two lines. A line ending in a letter and a hyphen is such a cut.
    cut = []
    for path in command_paths(cli):
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
    for path in command_paths(cli):
        output = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200).output
        cited += [(path, line) for line in output.splitlines() if "docs/" in line]
    assert cited == []


def test_the_example_paper_cites_no_repository_path() -> None:
    paper = DOCS.parent / ".claude" / "experiments" / "ai-content-pipeline" / "PAPER.md"
    text = paper.read_text(encoding="utf-8")
    assert "docs/" not in text
    assert "`paperkit docs criteria`" in text


# --- wording (point 6) ---------------------------------------------------------------------


ONE_CALL = '{"timestamp": "2025-01-14T10:00:00Z", "model": "@cf/meta/llama-3.1-8b-instruct"}\n'
ONE_SESSION = "# Experiment: exp\n\n### Session 1: 2025-01-14 - start\n**Duration:** 90 min\n"


def test_counts_of_one_are_singular_and_an_empty_file_reads_empty(tmp_path: Path) -> None:
    logs = {
        "worker-ai.jsonl": ONE_CALL,
        "workflows.jsonl": "",
        "cloudflare.jsonl": "",
        "prompts.jsonl": "",
        "log.md": ONE_SESSION,
    }
    paper = build(tmp_path, logs).paper
    assert "- **Worker AI usage:** 1 inference over 1 model: tokens" in paper
    assert "- **Workflows executions:** no records (workflows.jsonl is empty)" in paper
    assert "- **Cloudflare resources:** no records (cloudflare.jsonl is empty)" in paper
    assert "- **Development:** 0 prompts, 1 session (prompts.jsonl, log.md)" in paper
    assert "0 usage records ()" not in paper
    assert "1 days" not in paper and "1 sessions" not in paper and "1 models" not in paper


def test_a_paper_without_a_number_is_titled_by_its_name(tmp_path: Path) -> None:
    spec = "version: 1\nroot: runs\nexperiments:\n  exp: {title: Cheap summaries}\n"
    assert build(tmp_path, {}, spec).paper.splitlines()[1] == "# exp: Cheap summaries"
    numbered = spec.replace("{title:", "{number: 4, title:")
    assert build(tmp_path, {}, numbered).paper.splitlines()[1] == (
        "# Experiment #4: Cheap summaries"
    )


def test_an_intervention_shows_whether_ai_could_have_done_it_and_its_time_in_one_style(
    tmp_path: Path,
) -> None:
    record = (
        '{"timestamp": "2025-01-14T10:00:00Z", "iteration": 3, "reason": "limits",'
        ' "could_ai_have_done_this": "yes - with the docs", "time_spent": "1.5 hours"}\n'
    )
    paper = build(tmp_path, {"interventions.log": record}).paper
    assert "- **Time cost:** 1 h 30 min\n" in paper  # 1.5 hours = 90 minutes, as "1 h 30 min"
    assert "- **Could AI have done this:** yes - with the docs\n" in paper
    assert "- **Manual interventions:** 1 (time 1 h 30 min)" in paper


def test_a_straddled_target_is_written_as_the_table_writes_it(tmp_path: Path) -> None:
    # 99 of 100 succeed: Wilson 95% is 0.9455 to 0.9982, which straddles 0.95.
    calls = "".join(
        f'{{"timestamp": "2025-01-14T10:{i // 60:02d}:{i % 60:02d}Z", "model": "m",'
        f' "success": {"true" if i else "false"}}}\n'
        for i in range(100)
    )
    spec = (
        "version: 1\nroot: runs\nexperiments:\n  exp:\n    criteria:\n"
        '      - {text: Reliable, metric: ai.success_rate, op: ">=", target: 0.95}\n'
    )
    paper = build(tmp_path, {"worker-ai.jsonl": calls}, spec).paper
    assert (
        "⚠️ Reliable: inconclusive, interval straddles (the 95% interval straddles the target 95.0%)"
    ) in paper


# --- the spec is found in a parent folder, as git finds .git (point 4) ---------------------


def test_a_command_in_a_subfolder_uses_the_nearest_spec_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deeper = project / "src" / "worker"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    result = run("log", "cost", "demo", "--claude-code-cost", "1.5")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "paperkit: using ../../experiments.yaml\n"
        "appended to ../../.claude/experiments/demo/cost-breakdown.jsonl:1\n"
    )
    # In the spec's own folder nothing is said; --spec is taken as given.
    monkeypatch.chdir(project)
    assert not run("log", "cost", "demo", "--claude-code-cost", "1").stderr.startswith("paperkit:")
    monkeypatch.chdir(deeper)
    given = run("log", "cost", "demo", "--claude-code-cost", "1", "--spec", "experiments.yaml")
    assert given.exit_code == 1
    assert given.stderr == "experiments.yaml: no such file; create it or pass --spec PATH\n"


def test_the_readme_excerpt_is_the_committed_paper() -> None:
    # The README quotes the example paper; every line it quotes must be in the paper as is.
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    excerpt = re.search(r"```markdown\n(.*?)```", readme, re.S)
    assert excerpt is not None
    paper = DOCS.parent / ".claude" / "experiments" / "ai-content-pipeline" / "PAPER.md"
    lines = set(paper.read_text(encoding="utf-8").splitlines())
    assert [line for line in excerpt.group(1).splitlines() if line and line not in lines] == []


def test_one_day_of_claude_code_and_one_record_are_singular(tmp_path: Path) -> None:
    spec = "version: 1\nroot: runs\nexperiments:\n  exp: {unit: {name: call, count: ai.calls}}\n"
    logs = {
        "worker-ai.jsonl": ONE_CALL,
        "cost-breakdown.jsonl": '{"timestamp": "2025-01-14T23:00:00Z", "claude_code_cost": 2}\n',
    }
    paper = build(tmp_path, logs, spec).paper
    assert "| 1 day in cost-breakdown.jsonl |" in paper
    assert ", 1 day of Claude Code cost |" in paper
    assert "`runs/exp/worker-ai.jsonl`: 1 record, sha256" in paper
