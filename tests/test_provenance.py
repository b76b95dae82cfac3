"""Provenance: each input file's record count and sha256, and no clock time in the output."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import L8B, build, jsonl, write_tree

from paperkit.cli import cli
from paperkit.logs.load import FILE_NAMES

# worker-ai.jsonl: 2 records and 1 line that is not JSON (skipped, so not a record).
WORKER_AI = (
    jsonl(
        {"timestamp": "2025-01-14T23:30:00Z", "model": L8B, "input_tokens": 10, "success": True},
        {"timestamp": "2025-01-15T09:00:00Z", "model": L8B, "input_tokens": 20, "success": True},
    )
    + "{not json\n"
)
# workflows.jsonl: 3 records.
WORKFLOWS = jsonl(
    *(
        {"timestamp": f"2025-01-15T10:0{i}:00Z", "execution_id": f"e{i}", "success": True}
        for i in range(3)
    )
)
LOGS = {"worker-ai.jsonl": WORKER_AI, "workflows.jsonl": WORKFLOWS}
PRESENT = {"worker-ai.jsonl": 2, "workflows.jsonl": 3}

# Berlin, with a window that starts at a naive time: both depend on the spec's zone only.
SPEC = """\
version: 1
root: runs
timezone: Europe/Berlin
experiments:
  exp:
    title: Provenance
    start: 2025-01-15T00:00:00
    criteria:
      - {text: Calls, metric: ai.calls, target: 1}
"""


def sha12(path: Path) -> str:
    """The first 12 hex digits of the file's sha256, computed here with hashlib."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_results_list_each_present_file_with_records_and_hash(tmp_path: Path) -> None:
    doc = json.loads(build(tmp_path, LOGS, SPEC).results)
    folder = tmp_path / "runs" / "exp"
    assert doc["provenance"]["files"] == {
        name: {"records": records, "sha256": sha12(folder / name)}
        for name, records in PRESENT.items()
    }
    # The spec's part for "exp": its entry and the top-level settings, as canonical JSON
    # (sorted keys, no spaces; YAML reads the start as a datetime, written as str() does).
    part = (
        '{"experiments":{"exp":{"criteria":[{"metric":"ai.calls","target":1,"text":"Calls"}],'
        '"start":"2025-01-15 00:00:00","title":"Provenance"}},"root":"runs",'
        '"timezone":"Europe/Berlin","version":1}'
    )
    assert doc["provenance"]["spec_sha256"] == hashlib.sha256(part.encode()).hexdigest()[:12]


def test_a_paper_is_stale_only_when_its_own_part_of_the_spec_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    write_tree(tmp_path / "runs" / "exp", LOGS)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["build", "exp"]).exit_code == 0
    spec = tmp_path / "experiments.yaml"
    # Another experiment, a comment: exp's paper and results.json are still current.
    spec.write_text("# papers of the team\n" + SPEC + "  other: {title: Another}\n")
    assert CliRunner().invoke(cli, ["build", "exp", "--check"]).exit_code == 0
    # exp's own entry changes: stale (exit 3).
    spec.write_text(SPEC.replace("title: Provenance", "title: Provenance, again"))
    assert CliRunner().invoke(cli, ["build", "exp", "--check"]).exit_code == 3
    # A top-level setting it uses changes: stale too.
    spec.write_text(SPEC.replace("version: 1\n", "version: 1\nconfidence: 0.9\n"))
    assert CliRunner().invoke(cli, ["build", "exp", "--check"]).exit_code == 3


def test_paper_lists_every_file_present_or_missing(tmp_path: Path) -> None:
    result = build(tmp_path, LOGS, SPEC)
    paper = result.paper
    section = paper[paper.index("### Provenance") :]
    folder = tmp_path / "runs" / "exp"
    for name in FILE_NAMES:
        if name in PRESENT:
            line = f"- `runs/exp/{name}`: {PRESENT[name]} records, sha256 `{sha12(folder / name)}`"
        else:
            line = f"- `runs/exp/{name}`: missing"
        assert line + "\n" in section, line
    sha = json.loads(result.results)["provenance"]["spec_sha256"]  # checked by hand above
    assert (
        f"- **Spec:** `experiments.yaml` (sha256 `{sha}` of this experiment's entry and the "
        "top-level settings)\n"
    ) in section


def test_the_hash_follows_the_bytes(tmp_path: Path) -> None:
    before = json.loads(build(tmp_path, LOGS, SPEC).results)["provenance"]["files"]
    # The same records with a trailing blank line: the same numbers, other bytes.
    after = json.loads(build(tmp_path, {**LOGS, "workflows.jsonl": WORKFLOWS + "\n"}, SPEC).results)
    after = after["provenance"]["files"]
    assert after["workflows.jsonl"]["records"] == 3
    assert after["workflows.jsonl"]["sha256"] != before["workflows.jsonl"]["sha256"]
    assert after["workflows.jsonl"]["sha256"] == sha12(tmp_path / "runs/exp/workflows.jsonl")
    assert after["worker-ai.jsonl"] == before["worker-ai.jsonl"]


def test_provenance_counts_the_file_not_the_window(tmp_path: Path) -> None:
    # The 23:30Z call is 00:30 on the 15th in Berlin, inside the window; move the window on
    # an hour and it falls out of ai.calls, but the file still holds 2 records.
    spec = SPEC.replace("2025-01-15T00:00:00", "2025-01-15T01:00:00")
    doc = json.loads(build(tmp_path, LOGS, spec).results)
    assert doc["metrics"]["ai.calls"] == 1
    assert doc["provenance"]["files"]["worker-ai.jsonl"]["records"] == 2


def test_two_builds_give_the_same_bytes_and_no_date(tmp_path: Path) -> None:
    first = build(tmp_path, LOGS, SPEC)
    second = build(tmp_path, LOGS, SPEC)
    assert (first.paper, first.results) == (second.paper, second.results)
    today = date.today().isoformat()
    assert today not in first.paper
    assert today not in first.results


def _build_in(project: Path, tz: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TZ": tz, "LC_ALL": "C", "LANG": "C"}
    command = [sys.executable, "-m", "paperkit", "build", "exp", "--spec", "experiments.yaml"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, check=True)


def test_same_bytes_under_another_process_time_zone(tmp_path: Path) -> None:
    expected = build(tmp_path / "here", LOGS, SPEC)
    outputs = []
    for tz in ("Pacific/Kiritimati", "America/Los_Angeles"):
        project = tmp_path / tz.replace("/", "_")
        shutil.copytree(tmp_path / "here", project)
        _build_in(project, tz)
        folder = project / "runs" / "exp"
        outputs.append(((folder / "PAPER.md").read_text(), (folder / "results.json").read_text()))
    assert outputs[0] == outputs[1] == (expected.paper, expected.results)
