"""The command line: exit codes and exact stderr lines (behaviour is tested in the library)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkit import __version__
from paperkit.cli import cli

GOOD = (
    '{"timestamp":"2025-03-01T10:00:00Z","model":"@cf/meta/llama-3.1-8b-instruct",'
    '"input_tokens":1000,"output_tokens":100,"latency_ms":900,"success":true}\n'
)


def make_project(tmp_path: Path, worker_ai: str = GOOD) -> Path:
    """Write a one-experiment project under tmp_path and return its spec path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec = tmp_path / "experiments.yaml"
    spec.write_text(
        textwrap.dedent(
            """\
            version: 1
            experiments:
              demo:
                title: Demo
                criteria:
                  - {text: "calls were made", metric: ai.calls, op: ">=", target: 1}
            """
        )
    )
    folder = tmp_path / ".claude/experiments/demo"
    folder.mkdir(parents=True)
    (folder / "worker-ai.jsonl").write_text(worker_ai)
    return spec


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"paperkit, version {__version__}\n"


@pytest.mark.parametrize("command", ["build", "metrics", "validate"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--spec" in result.output


def test_build_writes_paper_and_results(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    result = run("build", "demo", "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / ".claude/experiments/demo"
    assert "\n# demo: Demo\n" in (folder / "PAPER.md").read_text()
    assert json.loads((folder / "results.json").read_text())["outcome"] == {
        "computed": "Validated",
        "declared": None,
        "reason": None,
    }
    assert result.stderr == (
        f"demo: wrote PAPER.md and results.json in {folder.as_posix()} (Validated)\n"
    )


def test_build_without_names_is_a_usage_error() -> None:
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: name at least one experiment, or pass --all\n")


def test_unknown_experiment_suggests_the_close_one(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    result = run("build", "dmo", "--spec", str(spec))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{spec.as_posix()}: no experiment 'dmo': not in the spec and no folder "
        ".claude/experiments/dmo; did you mean 'demo'?\n"
    )


def test_spec_error_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    spec.write_text(spec.read_text().replace("ai.calls", "ai.cals"))
    result = run("build", "demo", "--spec", str(spec))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{spec}:6: experiments.demo.criteria[0].metric: unknown metric "
        "'ai.cals'; did you mean 'ai.calls'?\n"
    )


def test_bad_line_is_a_warning_and_strict_refuses_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # warnings are located relative to the working directory
    spec = make_project(tmp_path, GOOD + "\n{not json\n")
    folder = tmp_path / ".claude/experiments/demo"
    warning = (
        "warning: .claude/experiments/demo/worker-ai.jsonl:3: not valid JSON: "
        "Expecting property name enclosed in double quotes at column 2\n"
    )

    strict = run("build", "demo", "--spec", str(spec), "--strict")
    assert strict.exit_code == 1
    assert strict.stderr == (
        warning
        + "1 problem in the logs or the spec; --strict accepts none (see the warnings above)\n"
        + "demo: failed; nothing written for it\n"
    )
    assert not (folder / "PAPER.md").exists()

    lenient = run("build", "demo", "--spec", str(spec))
    assert lenient.exit_code == 0
    assert lenient.stderr.startswith(warning)
    assert "worker-ai.jsonl:3: not valid JSON" in (folder / "PAPER.md").read_text()


def test_warnings_are_clickable_from_another_working_directory(tmp_path: Path) -> None:
    spec = make_project(tmp_path / "project", GOOD + "[1, 2]\n")
    result = run("build", "demo", "--spec", str(spec), "--stdout")
    log = tmp_path / "project/.claude/experiments/demo/worker-ai.jsonl"
    assert result.stderr == f"warning: {log.as_posix()}:2: not a JSON object (got list)\n"
    # ... while the paper, the same wherever it is built from, locates it from the spec's folder
    assert "`.claude/experiments/demo/worker-ai.jsonl:2: not a JSON object (got list)`" in (
        result.stdout
    )


def test_declared_experiment_without_a_folder_builds_a_paper_saying_so(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    spec.write_text(spec.read_text() + "  planned: {title: Planned}\n")
    result = run("build", "--all", "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    paper = (tmp_path / ".claude/experiments/planned/PAPER.md").read_text()
    assert "No data: worker-ai.jsonl is missing." in paper


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    assert run("build", "demo", "--spec", str(spec)).exit_code == 0
    mask = os.umask(0)
    os.umask(mask)
    paper = tmp_path / ".claude/experiments/demo/PAPER.md"
    assert paper.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600


def test_failed_build_leaves_the_previous_paper_untouched(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    assert run("build", "demo", "--spec", str(spec)).exit_code == 0
    paper = tmp_path / ".claude/experiments/demo/PAPER.md"
    before = paper.read_bytes()
    spec.write_text(spec.read_text().replace("version: 1", "version: 2"))
    assert run("build", "demo", "--spec", str(spec)).exit_code == 1
    assert paper.read_bytes() == before
    assert sorted(p.name for p in paper.parent.iterdir()) == [
        "PAPER.md",
        "results.json",
        "worker-ai.jsonl",
    ]


def test_stdout_prints_the_paper_and_writes_nothing(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    result = run("build", "demo", "--spec", str(spec), "--stdout")
    assert result.exit_code == 0
    assert "\n# demo: Demo\n" in result.stdout
    assert not (tmp_path / ".claude/experiments/demo/PAPER.md").exists()


def test_all_builds_undeclared_folders_too(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    other = tmp_path / ".claude/experiments/other"
    other.mkdir()
    (other / "worker-ai.jsonl").write_text(GOOD)
    result = run("build", "--all", "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    title = "\n# other: _Not stated yet: add `title:` under `experiments.other`"
    assert title in (other / "PAPER.md").read_text()


def test_metrics_json_prints_every_catalogue_metric(tmp_path: Path) -> None:
    spec = make_project(tmp_path)
    result = run("metrics", "demo", "--spec", str(spec), "--json")
    assert result.exit_code == 0
    values = json.loads(result.stdout)
    assert values["ai.calls"] == 1
    assert values["workflows.executions"] is None  # no workflows.jsonl: no data, not 0


def test_validate_reports_problems_and_strict_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = make_project(tmp_path, GOOD + '{"timestamp":"yesterday","model":"m"}\n')
    ok = run("validate", "--spec", str(spec))
    assert ok.exit_code == 0
    assert ok.stderr == (
        "warning: .claude/experiments/demo/worker-ai.jsonl:2: unparseable timestamp 'yesterday'\n"
        "demo: 1 problem\n"
        f"{spec}: ok\n"
    )
    strict = run("validate", "--spec", str(spec), "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.endswith(
        "demo: 1 problem\n--strict accepts no problem (see the lines above)\n"
    )
    assert not (tmp_path / ".claude/experiments/demo/PAPER.md").exists()


def test_python_dash_m_from_another_directory(tmp_path: Path) -> None:
    spec = make_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "paperkit", "build", "demo", "--spec", str(spec)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "project/.claude/experiments/demo/PAPER.md").is_file()
    assert list(elsewhere.iterdir()) == []
