"""``paperkit import cloudflare-workflows``: instances upserted into workflows.jsonl."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_cloudflare import ACCOUNT, TOKEN, FakeCloudflare
from helpers import write_tree

from paperkit.cli import cli
from paperkit.errors import PaperkitError
from paperkit.importers.cloudflare_api import CloudflareAPI
from paperkit.importers.cloudflare_workflows import import_workflow_instances

SPEC = "version: 1\nroot: runs\nexperiments:\n  exp: {}\n"


def instance(i: str, status: str) -> dict:
    return {"id": i, "status": status, "created_on": "2026-11-20T10:00:00.000Z"}


@pytest.fixture
def fake() -> Iterator[FakeCloudflare]:
    server = FakeCloudflare().start()
    server.instances["doc-pipeline"] = [
        instance("i1", "complete"),
        instance("i2", "errored"),
        instance("i3", "running"),
    ]
    server.details = {
        "i1": {"status": "complete", "start": "2026-11-20T10:00:00.000Z",
               "end": "2026-11-20T10:00:04.250Z", "step_count": 3, "steps": []},
        "i2": {"status": "errored", "start": "2026-11-20T11:00:00Z",
               "end": "2026-11-20T11:00:01Z", "step_count": 2,
               "error": {"name": "Error", "message": "model timed out"}},
        "i3": {"status": "running", "start": "2026-11-20T12:00:00Z", "step_count": 1},
    }  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    (tmp_path / "runs" / "exp").mkdir(parents=True)
    return tmp_path / "experiments.yaml"


def api(fake: FakeCloudflare) -> CloudflareAPI:
    return CloudflareAPI(base=fake.base, token=TOKEN, account=ACCOUNT, backoff=0.001)


def test_finished_instances_become_records(spec: Path, fake: FakeCloudflare) -> None:
    result = import_workflow_instances(spec, "exp", api(fake), "doc-pipeline", per_page=2)
    lines = (spec.parent / "runs/exp/workflows.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        # 10:00:00.000 to 10:00:04.250 is 4,250 ms.
        {"timestamp": "2026-11-20T10:00:00Z", "workflow_name": "doc-pipeline",
         "execution_id": "i1", "duration_ms": 4250, "steps": 3, "success": True},
        {"timestamp": "2026-11-20T11:00:00Z", "workflow_name": "doc-pipeline",
         "execution_id": "i2", "duration_ms": 1000, "steps": 2, "success": False,
         "error": "model timed out"},
    ]  # fmt: skip
    assert (result.listed, result.added, result.updated, result.unfinished) == (3, 2, 0, 1)
    # Two pages of two: the second asked with the first's cursor.
    lists = [r for r in fake.requests if r["path"].endswith("/instances")]
    assert len(lists) == 2


def test_an_instance_already_logged_is_updated_in_place(spec: Path, fake: FakeCloudflare) -> None:
    path = spec.parent / "runs/exp/workflows.jsonl"
    hand = '{"timestamp":"2026-11-20T10:00:00Z","execution_id":"i1","cpu_ms":40,"iteration":7}\n'
    other = "not json, kept as it is\n"
    path.write_text(hand + other, encoding="utf-8")
    result = import_workflow_instances(spec, "exp", api(fake), "doc-pipeline")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    assert first["cpu_ms"] == 40 and first["iteration"] == 7  # written by hand, kept
    assert first["duration_ms"] == 4250 and first["success"] is True
    assert lines[1] == other
    assert json.loads(lines[2])["execution_id"] == "i2"
    assert (result.added, result.updated) == (1, 1)
    before = path.read_bytes()
    again = import_workflow_instances(spec, "exp", api(fake), "doc-pipeline")
    assert path.read_bytes() == before
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_a_failure_leaves_workflows_jsonl_as_it_was(spec: Path, fake: FakeCloudflare) -> None:
    path = spec.parent / "runs/exp/workflows.jsonl"
    path.write_text('{"execution_id":"x"}\n', encoding="utf-8")
    del fake.details["i2"]
    with pytest.raises(PaperkitError, match="Cloudflare answered HTTP 404 .*: no instance"):
        import_workflow_instances(spec, "exp", api(fake), "doc-pipeline")
    assert path.read_text(encoding="utf-8") == '{"execution_id":"x"}\n'


def test_the_command_prints_what_it_did(
    spec: Path, fake: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(spec.parent)
    monkeypatch.setenv("CLOUDFLARE_API_BASE", fake.base)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    args = ["import", "cloudflare-workflows", "exp", "--workflow", "doc-pipeline"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "exp: runs/exp/workflows.jsonl: 2 added, 0 updated, 0 unchanged, 1 still running, "
        "0 outside the window (of 3 instances of doc-pipeline)\n"
    )
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "wrong")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert "needs the permission 'Workers Scripts: Read'" in refused.stderr


def test_only_instances_that_started_in_the_window_are_written(
    spec: Path, fake: FakeCloudflare
) -> None:
    # i1 starts 10:00 and i2 11:00 on 2026-11-20; a window from 10:30 keeps i2 only.
    result = import_workflow_instances(
        spec, "exp", api(fake), "doc-pipeline", since="2026-11-20T10:30", until="2026-11-21"
    )
    lines = (spec.parent / "runs/exp/workflows.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["execution_id"] for line in lines] == ["i2"]
    assert (result.added, result.outside, result.unfinished) == (1, 1, 1)
