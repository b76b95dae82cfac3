"""``paperkit init``, ``paperkit log`` and ``paperkit import``: files made, exact stderr lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperkit.cli import cli
from paperkit.logs.load import load_logs
from paperkit.spec.load import load_spec
from paperkit.tracking.commands import COMMANDS
from paperkit.tracking.init import add_entry, init_experiment

# The same group class as ``paperkit``'s, so a PaperkitError exits 1 with its one line.
PAPERKIT = type(cli)(name="paperkit", commands=COMMANDS)
FOLDER = ".claude/experiments/demo"
L8B = "@cf/meta/llama-3.1-8b-instruct"
LOGS = (
    "worker-ai.jsonl workflows.jsonl cloudflare.jsonl cost-breakdown.jsonl prompts.jsonl"
    " errors.log interventions.log quality.jsonl metrics.jsonl"
).split()


def run(*args: str) -> Result:
    return CliRunner().invoke(PAPERKIT, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- init -----------------------------------------------------------------------------------


def test_init_without_a_spec_creates_one_and_the_tracking_folder(project: Path) -> None:
    result = run("init", "demo", "--title", "Demo", "--hypothesis", "It works")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"created {FOLDER}/ (log.md and 9 empty logs)\n"
        "experiments.yaml:3: created, with experiment 'demo'\n"
    )
    assert (project / "experiments.yaml").read_text() == (
        "version: 1\nexperiments:\n  demo:\n    title: Demo\n    hypothesis: It works\n"
    )
    folder = project / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted([*LOGS, "log.md"])
    assert all((folder / name).read_bytes() == b"" for name in LOGS)
    experiment = load_spec(project / "experiments.yaml").experiments[0]
    assert (experiment.title, experiment.hypothesis) == ("Demo", "It works")


def test_the_new_log_md_has_one_session_the_reader_understands(tmp_path: Path) -> None:
    made = init_experiment("demo", tmp_path / "experiments.yaml", today=date(2025, 1, 14))
    text = (made.folder / "log.md").read_text()
    assert text.startswith("# Experiment: demo\n\n## Hypothesis\n[The claim")
    for heading in ("## Success Criteria", "## Metrics to Track", "## Session Log"):
        assert f"\n{heading}\n" in text
    logs = load_logs(made.folder)
    assert logs.warnings == ()
    [session] = logs.sessions
    assert (session.number, session.date, session.duration) == (1, "2025-01-14", None)


def test_the_hypothesis_goes_into_log_md(tmp_path: Path) -> None:
    made = init_experiment(
        "demo", tmp_path / "experiments.yaml", title="T", hypothesis="Cheaper by 10x."
    )
    text = (made.folder / "log.md").read_text()
    assert text.startswith("# Experiment: T\n\n## Hypothesis\nCheaper by 10x.\n\n## Success")


COMMENTED = """\
# experiments.yaml: what each experiment set out to show.
version: 1
root: runs          # relative to this file

experiments:
    first:          # the pilot
        title: First
        hypothesis: |
          Two lines
          of hypothesis.

    second: {}
    # third: {}     (not yet)

# Prices we looked up ourselves:
pricing:
  models: {}
"""


def test_init_adds_the_entry_and_keeps_the_rest_of_the_spec_byte_for_byte(project: Path) -> None:
    (project / "experiments.yaml").write_bytes(COMMENTED.encode())
    result = run("init", "new-one", "--title", "New: one")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("experiments.yaml:13: added experiment 'new-one'\n")
    written = (project / "experiments.yaml").read_bytes()
    block = b'    new-one:\n        title: "New: one"\n'
    assert written.replace(block, b"", 1) == COMMENTED.encode()
    assert written.index(block) == COMMENTED.encode().index(b"    # third")
    assert (project / "runs/new-one/log.md").exists()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "version: 1\nexperiments: {}  # none yet\ntimezone: UTC\n",
            "version: 1\nexperiments:   # none yet\n  x:\n    title: T\ntimezone: UTC\n",
        ),
        ("version: 1\nexperiments:\n", "version: 1\nexperiments:\n  x:\n    title: T\n"),
        ("version: 1\nexperiments: ~\n", "version: 1\nexperiments:\n  x:\n    title: T\n"),
        ("version: 1", "version: 1\nexperiments:\n  x:\n    title: T\n"),
        (
            "version: 1\nexperiments: {a: {}}\n",
            'version: 1\nexperiments: {a: {}, x: {title: "T"}}\n',
        ),
        (
            "version: 1\r\nexperiments:\r\n   a:\r\n      title: A\r\n",
            "version: 1\r\nexperiments:\r\n   a:\r\n      title: A\r\n   x:\r\n      title: T\r\n",
        ),
        (
            "\ufeffversion: 1\nexperiments:\n  a: {}",
            "\ufeffversion: 1\nexperiments:\n  a: {}\n  x:\n    title: T\n",
        ),
    ],
)
def test_the_entry_follows_the_layout_of_the_spec(spec: str, expected: str) -> None:
    assert add_entry(spec.encode(), "x", {"title": "T"}).decode() == expected


def test_names_and_values_yaml_would_misread_are_quoted() -> None:
    text = add_entry(b"version: 1\n", "2024", {"title": "yes", "hypothesis": "a\nb"}).decode()
    assert (
        text == 'version: 1\nexperiments:\n  "2024":\n    title: "yes"\n    hypothesis: "a\\nb"\n'
    )


def test_init_refuses_an_existing_folder_and_writes_nothing(project: Path) -> None:
    (project / FOLDER).mkdir(parents=True)
    result = run("init", "demo")
    assert result.exit_code == 1
    assert result.stderr == f"{FOLDER}: already exists; paperkit init never overwrites\n"
    assert not (project / "experiments.yaml").exists()
    assert list((project / FOLDER).iterdir()) == []


def test_init_refuses_a_name_the_spec_declares_and_writes_nothing(project: Path) -> None:
    spec = "version: 1\nexperiments:\n  demo: {}\n"
    (project / "experiments.yaml").write_text(spec)
    result = run("init", "demo")
    assert result.exit_code == 1
    assert result.stderr == (
        "experiments.yaml:3: experiments.demo: already declared; paperkit init never overwrites\n"
    )
    assert (project / "experiments.yaml").read_text() == spec
    assert not (project / ".claude").exists()


@pytest.mark.parametrize("name", ["../up", "a b", "..", "caf\u00e9"])
def test_init_refuses_a_name_spec_md_does_not_allow(project: Path, name: str) -> None:
    result = run("init", name)
    assert result.exit_code == 1
    assert result.stderr == (
        f"invalid experiment name '{name}'; use letters, digits, '-', '_' and '.'\n"
    )
    assert list(project.iterdir()) == []


def test_init_refuses_a_spec_that_does_not_load(project: Path) -> None:
    (project / "experiments.yaml").write_text("version: 2\n")
    result = run("init", "demo")
    assert result.exit_code == 1
    assert result.stderr.startswith("experiments.yaml:1: version: unsupported version 2")
    assert not (project / ".claude").exists()


def test_init_leaves_the_spec_alone_when_the_entry_would_break_it(project: Path) -> None:
    spec = "{version: 1}\n"  # a flow mapping at the top: no room for an 'experiments:' block
    (project / "experiments.yaml").write_text(spec)
    result = run("init", "demo")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "experiments.yaml: cannot add 'demo' to the spec without breaking it (YAML syntax error"
    )
    assert result.stderr.endswith("Add it under 'experiments:' by hand:\n  demo: {}\n")
    assert (project / "experiments.yaml").read_text() == spec
    assert sorted(p.name for p in project.iterdir()) == ["experiments.yaml"]


# --- log ------------------------------------------------------------------------------------


ONE_OF_EACH = [
    (
        "worker-ai",
        ["--model", L8B, "--operation", "summarization", "--input-tokens", "1200",
         "--output-tokens", "150", "--latency-ms", "850", "--success"],
        "worker-ai.jsonl",
        {"model": L8B, "operation": "summarization", "input_tokens": 1200, "output_tokens": 150,
         "latency_ms": 850, "success": True},
    ),
    (
        "workflow",
        ["--execution-id", "exec_1", "--workflow-name", "content_pipeline", "--duration-ms",
         "4210", "--steps", "4", "--steps-failed", "1", "--cpu-ms", "38", "--no-success",
         "--error", "step_timeout", "--cost-estimate", "$0.05"],
        "workflows.jsonl",
        {"workflow_name": "content_pipeline", "execution_id": "exec_1", "duration_ms": 4210,
         "steps": 4, "steps_failed": 1, "cpu_ms": 38, "success": False, "error": "step_timeout",
         "cost_estimate": 0.05},
    ),
    (
        "cloudflare",
        ["--resource", "r2", "--operation", "put", "--class-a-ops", "3"],
        "cloudflare.jsonl",
        {"resource": "r2", "operation": "put", "class_a_ops": 3},
    ),
    ("cost", ["--period", "day_1", "--claude-code-cost", "3.20"], "cost-breakdown.jsonl",
     {"period": "day_1", "claude_code_cost": 3.2}),
    ("prompt", ["--iteration", "1", "--prompt", "Build it", "--time-spent", "20min"],
     "prompts.jsonl", {"iteration": 1, "prompt": "Build it", "time_spent": "20min"}),
    ("error", ["--error-type", "timeout", "--fix-time", "2 min", "--fix-prompts", "1"],
     "errors.log", {"error_type": "timeout", "fix_time": "2 min", "fix_prompts": 1}),
    ("intervention", ["--reason", "cookies", "--time-spent", "5 min"], "interventions.log",
     {"reason": "cookies", "time_spent": "5 min"}),
]  # fmt: skip


@pytest.fixture
def demo(project: Path) -> Path:
    init_experiment("demo", project / "experiments.yaml")
    return project / FOLDER


@pytest.mark.parametrize(("kind", "args", "file", "fields"), ONE_OF_EACH)
def test_log_appends_one_record_of_each_kind(
    demo: Path, kind: str, args: list[str], file: str, fields: dict[str, object]
) -> None:
    stamp = ["--timestamp", "2025-01-14T09:30:00Z"]
    for line in (1, 2):
        result = run("log", kind, "demo", *stamp, *args)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == f"appended to {FOLDER}/{file}:{line}\n"
        assert result.stdout == ""
    first = (demo / file).read_text().splitlines()[0]
    assert json.loads(first) == {"timestamp": "2025-01-14T09:30:00Z", **fields}


def test_every_record_log_writes_reads_back_without_a_warning(demo: Path) -> None:
    for number, (kind, args, _, _) in enumerate(ONE_OF_EACH):
        args = [a.replace("exec_1", f"exec_{number}") for a in args]
        assert run("log", kind, "demo", *args).exit_code == 0
    logs = load_logs(demo)
    assert logs.warnings == ()
    records = {name: stats.records for name, stats in logs.files.items() if stats.records}
    assert records == {"log.md": 1} | {file: 1 for _, _, file, _ in ONE_OF_EACH}


def test_the_timestamp_defaults_to_now_in_utc(demo: Path) -> None:
    assert run("log", "prompt", "demo", "--iteration", "1").exit_code == 0
    record = json.loads((demo / "prompts.jsonl").read_text())
    assert list(record) == ["timestamp", "iteration"]
    assert len(record["timestamp"]) == len("2025-01-14T09:30:00Z")
    assert record["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["worker-ai", "demo", "--model", L8B, "--input-tokens", "1,200"],
            "--input-tokens: expected a whole number, 0 or more, such as 1200; got '1,200'",
        ),
        (["worker-ai", "demo"], f"--model: missing; write the model's name, such as {L8B}"),
        (
            ["workflow", "demo", "--execution-id", "e", "--cost-estimate", "5 cents"],
            "--cost-estimate: expected US dollars, 0 or more, such as 0.0135 or $0.0135;"
            " got '5 cents'",
        ),
        (
            ["prompt", "demo", "--timestamp", "yesterday"],
            "--timestamp: expected an ISO 8601 time such as 2025-01-14T09:30:00Z; got 'yesterday'",
        ),
        (
            ["intervention", "demo", "--time-spent", "a while"],
            "--time-spent: expected a duration such as 20min, 1h30m or 45 (minutes); got 'a while'",
        ),
    ],
)
def test_a_bad_value_exits_1_names_the_option_and_writes_nothing(
    demo: Path, args: list[str], message: str
) -> None:
    result = run("log", *args)
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert all((demo / name).read_bytes() == b"" for name in LOGS)


def test_log_to_a_missing_experiment_says_how_to_create_it(demo: Path) -> None:
    result = run("log", "prompt", "demi")
    assert result.exit_code == 1
    assert result.stderr == (
        ".claude/experiments/demi: no such experiment folder; did you mean 'demo'? "
        "Or create it with: paperkit init demi\n"
    )


def test_log_without_a_spec_says_so(project: Path) -> None:
    result = run("log", "prompt", "demo")
    assert result.exit_code == 1
    assert result.stderr == "experiments.yaml: no such file; create it or pass --spec PATH\n"


def test_log_reads_the_root_from_the_spec_given(tmp_path: Path, project: Path) -> None:
    spec = tmp_path / "elsewhere" / "spec.yaml"
    spec.parent.mkdir()
    spec.write_text("version: 1\nroot: runs\n")
    (spec.parent / "runs" / "demo").mkdir(parents=True)
    result = run("log", "prompt", "demo", "--iteration", "1", "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "appended to elsewhere/runs/demo/prompts.jsonl:1\n"


@pytest.mark.parametrize("command", [["init"], ["log"], ["log", "worker-ai"], ["import"]])
def test_every_tracking_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: paperkit " + " ".join(command) in result.output


# --- import ---------------------------------------------------------------------------------


def test_import_reports_what_it_did(demo: Path) -> None:
    capture = Path(__file__).parent / "fixtures" / "wrangler-tail.json"
    result = run("import", "wrangler-tail", str(capture), "--experiment", "demo")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[:-1] == [
        f"warning: {capture}:93: worker-ai: input_tokens: expected a whole number, 0 or more,"
        " such as 1200; got 'lots'",
        f"warning: {capture}:156: paperkit: unknown kind 'worker_ai'; did you mean 'worker-ai'?",
    ]
    assert result.stderr.splitlines()[-1] == (
        "demo: imported 5 records (worker-ai 2, workflow 1, cloudflare 2); 0 already imported;"
        " 2 invalid; 4 other log lines ignored; 2 for other experiments (from 4 events)"
    )
