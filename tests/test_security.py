"""Hostile input from an untrusted pull request: no code run from a template, no file read
through a template symlink, no write outside an experiment's folder, no FIFO or device read.

Each test is one reproduction from issue 15, run through the command line as a user would.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperkit.build import experiment_names
from paperkit.cli import cli
from paperkit.spec.load import load_spec

SPEC = "version: 1\nroot: runs\nexperiments:\n  exp: {}\n"
RECORD = '{"timestamp":"2025-01-14T09:00:00Z","model":"m","input_tokens":1}\n'


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spec with experiment ``exp`` (one log record) in runs/exp; the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments.yaml").write_text(SPEC)
    (tmp_path / "runs" / "exp").mkdir(parents=True)
    (tmp_path / "runs" / "exp" / "worker-ai.jsonl").write_text(RECORD)
    return tmp_path


def template(project: Path, text: str, name: str = "paper.md.j2") -> None:
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / name).write_text(text)


# --- templates run sandboxed ------------------------------------------------------------------


def test_a_template_cannot_run_a_command(project: Path) -> None:
    marker = project / "ran"
    template(
        project, f"x\n{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}\n"
    )
    result = run("build", "exp", "--stdout")
    assert result.exit_code == 1
    assert not marker.exists()
    assert result.stderr == (
        "templates/paper.md.j2:2: template error: access to attribute '__init__' of 'type' "
        "object is unsafe.\n"
    )


def test_a_template_cannot_open_a_file(project: Path) -> None:
    secret = project / "secret.txt"
    secret.write_text("TOKEN=abc\n")
    template(project, f"{{{{ self.__init__.__globals__.__builtins__.open('{secret}').read() }}}}\n")
    result = run("build", "exp", "--stdout")
    assert result.exit_code == 1
    assert "TOKEN" not in result.output
    assert result.stderr == (
        "templates/paper.md.j2:1: template error: access to attribute '__init__' of "
        "'TemplateReference' object is unsafe.\n"
    )


def test_an_included_symlink_out_of_the_templates_folder_is_refused(project: Path) -> None:
    secret = project / "secret.txt"
    secret.write_text("TOKEN=abc\n")
    template(project, 'x\n{% include "other.j2" %}\n')
    (project / "templates" / "other.j2").symlink_to(secret)
    result = run("build", "exp", "--stdout")
    assert result.exit_code == 1
    assert "TOKEN" not in result.output
    assert result.stderr == (
        f"templates/paper.md.j2:2: template error: other.j2 is a symlink to {secret.as_posix()}, "
        "outside the templates folder; a template must be a file in the folder (see "
        "paperkit docs security)\n"
    )


def test_the_paper_template_itself_as_an_outside_symlink_is_refused(project: Path) -> None:
    secret = project / "secret.txt"
    secret.write_text("TOKEN=abc\n")
    (project / "templates").mkdir()
    (project / "templates" / "paper.md.j2").symlink_to(secret)
    result = run("build", "exp", "--stdout")
    assert result.exit_code == 1
    assert "TOKEN" not in result.output
    assert result.stderr.startswith("templates/paper.md.j2: template error: paper.md.j2 is a ")


def test_a_symlink_inside_the_templates_folder_still_works(project: Path) -> None:
    template(project, "hello {{ name }}\n", name="real.j2")
    (project / "templates" / "paper.md.j2").symlink_to("real.j2")
    result = run("build", "exp", "--stdout")
    assert result.exit_code == 0, result.output
    assert result.output == "hello exp\n"


# --- build checks names as init and log do ---------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", "../..", "/tmp/x", "exp/../exp", "runs/exp"])
def test_build_refuses_a_name_that_is_a_path(project: Path, name: str) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = run("build", name)
    assert result.exit_code == 1
    assert result.stderr == (
        f"invalid experiment name '{name}'; use letters, digits, '-', '_' and '.'\n"
    )
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_build_refuses_a_300_character_name(project: Path) -> None:
    result = run("build", "a" * 300)
    assert result.exit_code == 1
    assert result.stderr == "experiment name too long (300 characters); the limit is 100\n"


def test_build_all_leaves_folders_without_a_log_alone(project: Path) -> None:
    (project / "runs" / "node_modules").mkdir()
    (project / "runs" / "notes").mkdir()
    (project / "runs" / "notes" / "README.md").write_text("not a log\n")
    (project / "runs" / "undeclared").mkdir()
    (project / "runs" / "undeclared" / "log.md").write_text("# Log\n")
    assert experiment_names(load_spec(project / "experiments.yaml")) == ["exp", "undeclared"]
    result = run("build", "--all")
    assert result.exit_code == 0, result.output
    assert list((project / "runs" / "node_modules").iterdir()) == []
    assert sorted(p.name for p in (project / "runs" / "notes").iterdir()) == ["README.md"]
    assert (project / "runs" / "undeclared" / "PAPER.md").exists()


# --- writes never follow a symlink out of the experiment's folder -----------------------------


def test_log_refuses_to_append_through_a_symlink_out_of_the_folder(project: Path) -> None:
    outside = project / "outside.jsonl"
    outside.write_text("")
    link = project / "runs" / "exp" / "workflows.jsonl"
    link.symlink_to(outside)
    result = run("log", "workflow", "exp", "--execution-id", "e1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"runs/exp/workflows.jsonl: refusing to append through a symlink to "
        f"{outside.as_posix()}, outside the experiment's folder runs/exp; replace the link "
        "with a regular file (see paperkit docs security)\n"
    )
    assert outside.read_text() == ""


def test_import_refuses_to_append_through_a_symlink_out_of_the_folder(project: Path) -> None:
    outside = project / "outside.jsonl"
    outside.write_text("")
    (project / "runs" / "exp" / "worker-ai.jsonl").unlink()
    (project / "runs" / "exp" / "worker-ai.jsonl").symlink_to(outside)
    capture = project / "tail.json"
    capture.write_text(
        '{"eventTimestamp":1736845200000,"logs":[{"timestamp":1736845200000,'
        '"message":[{"paperkit":"worker-ai","model":"m"}]}]}\n'
    )
    result = run("import", "wrangler-tail", str(capture), "--experiment", "exp")
    assert result.exit_code == 1
    assert "refusing to append through a symlink" in result.stderr
    assert outside.read_text() == ""


def test_a_symlink_inside_the_folder_is_appended_through(project: Path) -> None:
    folder = project / "runs" / "exp"
    (folder / "workflows-2025.jsonl").write_text("")
    (folder / "workflows.jsonl").symlink_to("workflows-2025.jsonl")
    result = run("log", "workflow", "exp", "--execution-id", "e1", "--timestamp", "2025-01-14")
    assert result.exit_code == 0, result.output
    assert (folder / "workflows-2025.jsonl").read_text() == (
        '{"timestamp":"2025-01-14T00:00:00Z","execution_id":"e1"}\n'
    )


@pytest.mark.parametrize("name", ["PAPER.md", "results.json", "PAPER.md.bak"])
def test_build_refuses_a_paper_file_that_links_out_of_the_folder(project: Path, name: str) -> None:
    outside = project / "outside.txt"
    outside.write_text("someone else's file\n")
    (project / "runs" / "exp" / name).symlink_to(outside)
    result = run("build", "exp", "--force")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"runs/exp/{name}: refusing to read or write through a symlink to {outside.as_posix()}"
    )
    assert outside.read_text() == "someone else's file\n"
    assert not (project / "runs" / "exp" / "PAPER.md.bak").is_file() or name == "PAPER.md.bak"


def test_build_refuses_an_experiment_folder_that_links_out_of_the_root(project: Path) -> None:
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "worker-ai.jsonl").write_text(RECORD)
    (project / "runs" / "other").symlink_to(elsewhere)
    result = run("build", "other")
    assert result.exit_code == 1
    assert "refusing to build through a symlink" in result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["worker-ai.jsonl"]


# --- root stays inside the spec's folder unless the spec says so ------------------------------


@pytest.mark.parametrize("root", ["/tmp", "../..", ".."])
def test_a_root_outside_the_spec_folder_is_refused(project: Path, root: str) -> None:
    (project / "experiments.yaml").write_text(f"version: 1\nroot: {root}\n")
    real = (project / root).resolve().as_posix()
    result = run("build", "--all")
    assert result.exit_code == 1
    assert result.stderr == (
        f"experiments.yaml:2: root: {real} is outside the spec's folder "
        f"{project.resolve().as_posix()}; paperkit writes papers under root, so add "
        "'allow_outside_root: true' if that is meant\n"
    )


def test_a_root_outside_is_allowed_when_the_spec_says_so(project: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-root"
    (outside / "exp").mkdir(parents=True)
    (outside / "exp" / "worker-ai.jsonl").write_text(RECORD)
    spec = f"version: 1\nroot: {outside}\nallow_outside_root: true\nexperiments:\n  exp: {{}}\n"
    (project / "experiments.yaml").write_text(spec)
    result = run("build", "exp")
    assert result.exit_code == 0, result.output
    assert (outside / "exp" / "PAPER.md").exists()


def test_a_root_with_a_nul_byte_is_refused(project: Path) -> None:
    (project / "experiments.yaml").write_text('version: 1\nroot: "runs\\0x"\n')
    result = run("build", "--all")
    assert result.exit_code == 1
    assert result.stderr == "experiments.yaml:2: root: must not contain a NUL character\n"


# --- a FIFO or a device named like a log is refused, not read ---------------------------------


def test_a_fifo_named_like_a_log_is_refused(project: Path) -> None:
    log = project / "runs" / "exp" / "workflows.jsonl"
    os.mkfifo(log)
    result = run("build", "exp")  # would block forever if it were opened
    assert result.exit_code == 1
    assert result.stderr == (
        "runs/exp/workflows.jsonl: refusing to read: not a regular file (a FIFO); paperkit "
        "reads and writes only regular files (see paperkit docs security)\n"
        "exp: failed; nothing written for it\n"
    )


def test_a_device_named_like_a_log_is_refused(project: Path) -> None:
    # A device inside the folder (root may make one; git cannot hold one, but a link can).
    os.mknod(project / "runs" / "exp" / "log.md", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    result = run("build", "exp")  # /dev/zero would never end
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "runs/exp/log.md: refusing to read: not a regular file (a device)"
    )


def test_a_log_linked_to_a_device_is_refused_before_it_is_opened(project: Path) -> None:
    (project / "runs" / "exp" / "log.md").symlink_to("/dev/zero")
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "runs/exp/log.md: refusing to read through a symlink to /dev/zero, outside the "
        "experiment's folder"
    )


def test_log_refuses_to_append_to_a_fifo(project: Path) -> None:
    os.mkfifo(project / "runs" / "exp" / "workflows.jsonl")
    result = run("log", "workflow", "exp", "--execution-id", "e1")
    assert result.exit_code == 1
    assert result.stderr == (
        "runs/exp/workflows.jsonl: refusing to append to: not a regular file (a FIFO); "
        "paperkit reads and writes only regular files (see paperkit docs security)\n"
    )


def test_a_fifo_capture_is_refused(project: Path) -> None:
    os.mkfifo(project / "tail.json")
    result = run("import", "wrangler-tail", "tail.json", "--experiment", "exp")
    assert result.exit_code == 1
    assert result.stderr == (
        "tail.json: refusing to read: not a regular file (a FIFO); paperkit reads and writes "
        "only regular files (see paperkit docs security)\n"
    )


def test_one_failing_experiment_does_not_stop_build_all(project: Path) -> None:
    (project / "runs" / "bad").mkdir()
    os.mkfifo(project / "runs" / "bad" / "worker-ai.jsonl")
    result = run("build", "--all")
    assert result.exit_code == 1
    assert "bad: failed; nothing written for it" in result.stderr
    assert (project / "runs" / "exp" / "PAPER.md").exists()


def test_costs_write_refuses_a_breakdown_that_links_out_of_the_folder(project: Path) -> None:
    outside = project / "outside.jsonl"
    outside.write_text('{"secret": "TOKEN=abc"}\n')
    (project / "runs" / "exp" / "cost-breakdown.jsonl").symlink_to(outside)
    result = run("costs", "exp", "--write")
    assert result.exit_code == 1
    # Refused when the logs are read, before anything is written: the link is not even read.
    assert result.stderr.splitlines()[-1] == (
        f"runs/exp/cost-breakdown.jsonl: refusing to read through a symlink to "
        f"{outside.as_posix()}, outside the experiment's folder; put the file itself in the "
        "folder (see paperkit docs security)"
    )
    assert "TOKEN=abc" not in result.stderr + result.stdout
    assert (project / "runs" / "exp" / "cost-breakdown.jsonl").is_symlink()
    assert outside.read_text() == '{"secret": "TOKEN=abc"}\n'


def test_a_fifo_spec_is_refused(project: Path) -> None:
    os.mkfifo(project / "fifo.yaml")
    result = run("build", "--all", "--spec", "fifo.yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        "fifo.yaml: not a regular file; paperkit reads the spec only from a file (see "
        "paperkit docs security)\n"
    )


# --- reading: never through a symlink out of the experiment's folder -------------------------


@pytest.mark.parametrize("name", ["worker-ai.jsonl", "log.md", "claude-code.jsonl"])
def test_build_refuses_to_read_a_log_that_links_out_of_the_folder(project: Path, name: str) -> None:
    # A pull request can commit a link named like a log to a file of the machine that builds it.
    secret = project.parent / "secret.txt"
    secret.write_text('{"timestamp": "2025-01-14T10:00:00Z", "model": "TOKEN=hunter2"}\n')
    target = project / "runs" / "exp" / name
    target.unlink(missing_ok=True)
    target.symlink_to(secret)
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"runs/exp/{name}: refusing to read through a symlink to {secret.as_posix()}, outside "
        "the experiment's folder"
    )
    assert "hunter2" not in result.stderr + result.stdout
    assert not (project / "runs" / "exp" / "PAPER.md").exists()


def test_a_log_linked_inside_the_folder_is_read(project: Path) -> None:
    folder = project / "runs" / "exp"
    (folder / "worker-ai.jsonl").unlink(missing_ok=True)
    (folder / "calls-2025.jsonl").write_text(
        '{"timestamp": "2025-01-14T10:00:00Z", "model": "@cf/meta/llama-3.1-8b-instruct"}\n'
    )
    (folder / "worker-ai.jsonl").symlink_to("calls-2025.jsonl")
    result = run("build", "exp")
    assert result.exit_code == 0, result.stderr
    assert json.loads((folder / "results.json").read_text())["metrics"]["ai.calls"] == 1
