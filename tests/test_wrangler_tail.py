"""Importing a Worker's paperkit records from ``wrangler tail --format json`` captures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from paperkit.errors import DataWarning, PaperkitError
from paperkit.importers.wrangler_tail import import_wrangler_tail
from paperkit.logs.load import load_logs
from paperkit.tracking.init import init_experiment

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURE = FIXTURES / "wrangler-tail.json"  # events A (pretty), B (one line), C and D (pretty)
OVERLAP = FIXTURES / "wrangler-tail-overlap.json"  # C and D again, then a new event E
NAME = "ai-content-pipeline"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "experiments.yaml"
    init_experiment(NAME, path)
    return path


def records(spec: Path, file: str) -> list[dict[str, object]]:
    path = spec.parent / ".claude/experiments" / NAME / file
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_paperkit_records_of_a_capture_are_imported(spec: Path) -> None:
    result = import_wrangler_tail(CAPTURE, spec, NAME)
    assert result.imported == {"worker-ai": 3, "workflow": 1, "cloudflare": 2}
    assert (result.events, result.already, result.ignored) == (4, 0, 4)
    assert (result.other_experiment, result.text_lines) == (1, 0)
    where = str(CAPTURE)
    assert result.problems == (
        DataWarning(
            where,
            93,
            "worker-ai: input_tokens: expected a whole number, 0 or more, such as 1200; got 'lots'",
        ),
        DataWarning(where, 156, "paperkit: unknown kind 'worker_ai'; did you mean 'worker-ai'?"),
    )


def test_records_take_the_log_s_time_and_an_id(spec: Path) -> None:
    import_wrangler_tail(CAPTURE, spec, NAME)
    first, second, third = records(spec, "worker-ai.jsonl")
    assert re.fullmatch(r"[0-9a-f]{16}", str(first.pop("paperkit_id")))
    assert first == {  # event A: logged at 1736847000981 ms, that is 09:30:00.981 UTC
        "timestamp": "2025-01-14T09:30:00.981Z",
        "model": "@cf/meta/llama-3.1-8b-instruct",
        "operation": "summarization",
        "input_tokens": 1200,
        "output_tokens": 150,
        "latency_ms": 850,
        "success": True,
    }
    assert second["context"] == "chunk 1 of doc_8f3a"  # event B, written on one line
    assert (third["success"], third["error"]) == (False, "3040: Capacity temporarily exceeded")
    [workflow] = records(spec, "workflows.jsonl")
    assert workflow["timestamp"] == "2025-01-14T09:35:00Z"  # the record's own timestamp wins
    d1, kv = records(spec, "cloudflare.jsonl")
    assert (d1["resource"], d1["rows_written"], kv["resource"], kv["reads"]) == ("d1", 3, "kv", 2)


def test_importing_again_adds_nothing(spec: Path) -> None:
    import_wrangler_tail(CAPTURE, spec, NAME)
    again = import_wrangler_tail(CAPTURE, spec, NAME)
    assert (again.imported, again.already) == ({}, 6)
    assert len(records(spec, "worker-ai.jsonl")) == 3


def test_an_overlapping_capture_adds_only_its_new_records(spec: Path) -> None:
    import_wrangler_tail(CAPTURE, spec, NAME)
    later = import_wrangler_tail(OVERLAP, spec, NAME)
    assert (later.imported, later.already, later.events) == ({"worker-ai": 1}, 3, 3)
    calls = records(spec, "worker-ai.jsonl")
    assert len(calls) == len({call["paperkit_id"] for call in calls}) == 4
    assert calls[-1]["context"] == "résumé of “naïve” pricing"
    folder = spec.parent / ".claude/experiments" / NAME
    logs = load_logs(folder)
    assert logs.warnings == ()
    assert (len(logs.worker_ai), len(logs.workflows), len(logs.cloudflare)) == (4, 1, 2)


def test_the_same_message_in_two_events_is_two_records(spec: Path, tmp_path: Path) -> None:
    message = json.dumps({"paperkit": "worker-ai", "model": "m", "latency_ms": 5})
    events = [
        {"scriptName": "w", "eventTimestamp": stamp, "outcome": "ok", "exceptions": [],
         "logs": [{"message": [message], "level": "log", "timestamp": stamp + 3}]}
        for stamp in (1736847000000, 1736847000001)
    ]  # fmt: skip
    capture = tmp_path / "tail.json"
    capture.write_text("".join(json.dumps(event, indent=2) + "\n" for event in events))
    assert import_wrangler_tail(capture, spec, NAME).imported == {"worker-ai": 2}


def test_a_damaged_capture_is_read_around_its_damage(spec: Path, tmp_path: Path) -> None:
    record = json.dumps({"paperkit": "prompt", "prompt": "hi"})
    event = {"scriptName": "w", "eventTimestamp": 1736847000000, "outcome": "ok",
             "exceptions": [], "logs": [{"message": [record], "level": "log",
                                         "timestamp": 1736847000000}]}  # fmt: skip
    pretty = json.dumps(event, indent=2)
    capture = tmp_path / "tail.json"
    capture.write_text(
        "Successfully created tail, expires at 2025-01-14T15:30:00Z\n"  # wrangler's own line
        + f"[{json.dumps(event)}]\n"  # a JSON array of events
        + "[42]\n"  # JSON, but no event
        + pretty[: len(pretty) // 2]  # cut off mid-event: the tail was stopped
        + "\n"
        + pretty.replace("1736847000000", "1736847060000")
        + "\n"
    )
    result = import_wrangler_tail(capture, spec, NAME)
    assert (result.imported, result.events, result.text_lines) == ({"prompt": 2}, 2, 1)
    assert [(w.line, w.message) for w in result.problems] == [
        (3, "not a tail event (got int)"),
        # Where the cut-off event starts; the parser fails at the end of the file, having read
        # the next event as an item of the cut-off one's logs. Reading resumes at that event.
        (4, "not valid JSON: Expecting ',' delimiter (line 27, column 1)"),
    ]  # fmt: skip


def test_a_record_needs_a_kind_name(spec: Path, tmp_path: Path) -> None:
    event = {
        "scriptName": "w",
        "logs": [{"message": ['{"paperkit": true}'], "level": "log", "timestamp": 1}],
    }
    capture = tmp_path / "tail.json"
    capture.write_text(json.dumps(event, indent=2))
    [problem] = import_wrangler_tail(capture, spec, NAME).problems
    assert (problem.line, problem.message) == (
        6,
        "paperkit: expected the kind's name, such as worker-ai; got true",
    )


def test_the_experiment_must_exist(spec: Path) -> None:
    with pytest.raises(PaperkitError, match="no such experiment folder; create it with: paperkit"):
        import_wrangler_tail(CAPTURE, spec, "other")


def test_a_capture_that_is_not_utf8_is_refused(spec: Path, tmp_path: Path) -> None:
    capture = tmp_path / "tail.json"
    capture.write_bytes(b'{"logs": []}\n{"x": "\xff"}\n')
    with pytest.raises(PaperkitError) as caught:
        import_wrangler_tail(capture, spec, NAME)
    assert str(caught.value) == f"{capture}:2: not UTF-8 text"
