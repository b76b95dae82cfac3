"""The Python tracker: timed blocks and plain records, with the checks of ``paperkit log``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import paperkit.track
from paperkit.errors import PaperkitError
from paperkit.logs.load import load_logs
from paperkit.tracking.init import init_experiment

L8B = "@cf/meta/llama-3.1-8b-instruct"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Experiment "demo" in a new project that is the working directory."""
    monkeypatch.chdir(tmp_path)
    return init_experiment("demo", Path("experiments.yaml")).folder


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A monotonic clock that reads 1 s, then 1.8504 s: every block lasts 850.4 ms."""
    ticks = iter([1_000_000_000, 1_850_400_000])
    monkeypatch.setattr(paperkit.track.time, "monotonic_ns", lambda: next(ticks))
    yield


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_call_is_timed_and_recorded_as_succeeded(folder: Path, clock: None) -> None:
    with paperkit.track.inference("demo", model=L8B, operation="summarization") as call:
        call.tokens(input=1200, output=150)
    [record] = records(folder / "worker-ai.jsonl")
    assert STAMP.fullmatch(str(record.pop("timestamp")))
    assert record == {
        "model": L8B,
        "operation": "summarization",
        "input_tokens": 1200,
        "output_tokens": 150,
        "latency_ms": 850,
        "success": True,
    }


def test_an_exception_is_recorded_as_a_failure_and_raised_again(folder: Path, clock: None) -> None:
    with pytest.raises(TimeoutError, match="model busy"):
        with paperkit.track.inference("demo", model=L8B, iteration=3) as call:
            call.tokens(input=900)
            raise TimeoutError("model busy")
    [record] = records(folder / "worker-ai.jsonl")
    assert {k: record[k] for k in ("iteration", "input_tokens", "latency_ms", "success")} == {
        "iteration": 3,
        "input_tokens": 900,
        "latency_ms": 850,
        "success": False,
    }
    assert record["error"] == "TimeoutError: model busy"


def test_fail_records_a_failure_without_an_exception(folder: Path, clock: None) -> None:
    with paperkit.track.inference("demo", model=L8B) as call:
        call.fail("empty response")
    [record] = records(folder / "worker-ai.jsonl")
    assert (record["success"], record["error"]) == (False, "empty response")


def test_an_interrupted_block_is_not_recorded(folder: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with paperkit.track.inference("demo", model=L8B):
            raise KeyboardInterrupt
    assert (folder / "worker-ai.jsonl").read_bytes() == b""


def test_a_bad_field_is_refused_before_the_work_runs(folder: Path) -> None:
    ran = []
    with pytest.raises(PaperkitError) as caught:
        with paperkit.track.inference("demo", model=L8B, input_tokens="lots"):
            ran.append(True)
    assert str(caught.value) == (
        "input_tokens: expected a whole number, 0 or more, such as 1200; got 'lots'"
    )
    assert ran == []


def test_a_bad_value_set_inside_the_block_is_refused_at_once(folder: Path) -> None:
    with paperkit.track.inference("demo", model=L8B) as call:
        with pytest.raises(PaperkitError, match="^output_tokens: expected a whole number"):
            call.tokens(output=-1)
    [record] = records(folder / "worker-ai.jsonl")
    assert "output_tokens" not in record and record["success"] is True


def test_a_missing_experiment_is_refused_before_the_work_runs(folder: Path) -> None:
    with pytest.raises(PaperkitError) as caught:
        paperkit.track.inference("demi", model=L8B)
    assert str(caught.value) == (
        ".claude/experiments/demi: no such experiment folder; did you mean 'demo'? "
        "Or create it with: paperkit init demi"
    )


def test_when_recording_fails_the_work_s_own_exception_wins(folder: Path) -> None:
    (folder / "worker-ai.jsonl").unlink()
    (folder / "worker-ai.jsonl").mkdir()  # cannot be appended to
    with pytest.raises(ValueError, match="bad input") as caught:
        with paperkit.track.inference("demo", model=L8B):
            raise ValueError("bad input")
    [note] = caught.value.__notes__
    assert note.startswith("paperkit could not record this worker-ai call: ")
    with pytest.raises(PaperkitError, match=r"not a regular file \(a folder\)"):
        with paperkit.track.inference("demo", model=L8B):
            pass


def test_a_workflow_counts_its_steps_and_its_duration(folder: Path, clock: None) -> None:
    with paperkit.track.workflow(
        "demo", execution_id="exec_1", workflow_name="content_pipeline"
    ) as run:
        run.step()
        run.step()
        run.step(succeeded=False)
        run.set(cpu_ms=38, cost_estimate="$0.0002")
    [record] = records(folder / "workflows.jsonl")
    del record["timestamp"]
    assert record == {
        "workflow_name": "content_pipeline",
        "execution_id": "exec_1",
        "duration_ms": 850,
        "steps": 3,
        "steps_succeeded": 2,
        "steps_failed": 1,
        "cpu_ms": 38,
        "success": True,
        "cost_estimate": 0.0002,
    }


def test_record_appends_any_kind_at_once(folder: Path) -> None:
    written = paperkit.track.record(
        "intervention", "demo", timestamp="2025-01-14T12:00:00Z", reason="cookies", time_spent=5
    )
    assert written == {"timestamp": "2025-01-14T12:00:00Z", "reason": "cookies", "time_spent": 5}
    assert records(folder / "interventions.log") == [written]
    with pytest.raises(PaperkitError, match="^unknown kind 'interventions'"):
        paperkit.track.record("interventions", "demo")


def test_the_spec_can_be_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "project" / "experiments.yaml"
    spec.parent.mkdir()
    made = init_experiment("demo", spec)
    monkeypatch.chdir(tmp_path)
    paperkit.track.record("prompt", "demo", spec=spec, prompt="hi")
    with paperkit.track.inference("demo", model=L8B, spec=str(spec)):
        pass
    assert len(records(made.folder / "prompts.jsonl")) == 1
    assert len(records(made.folder / "worker-ai.jsonl")) == 1


def test_what_the_tracker_writes_reads_back_without_a_warning(folder: Path) -> None:
    for number in range(3):
        with paperkit.track.inference("demo", model=L8B, cost_estimate=0.0135) as call:
            call.tokens(input=1000 + number, output=10)
        with paperkit.track.workflow("demo", execution_id=f"exec_{number}") as run:
            run.step()
    with pytest.raises(RuntimeError):
        with paperkit.track.inference("demo", model=L8B):
            raise RuntimeError("rate limited")
    logs = load_logs(folder)
    assert logs.warnings == ()
    assert (len(logs.worker_ai), len(logs.workflows)) == (4, 3)
    assert logs.worker_ai["success"].tolist() == [True, True, True, False]
