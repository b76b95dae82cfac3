"""The records paperkit writes: kinds, checks, canonical values, and appends under a lock."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from paperkit.errors import PaperkitError
from paperkit.logs import load as logs
from paperkit.tracking.append import append_records
from paperkit.tracking.records import (
    KINDS,
    build_record,
    encode,
    field_type,
    format_time,
    kind_named,
)

NOW = datetime(2025, 1, 14, 9, 30, tzinfo=UTC)
L8B = "@cf/meta/llama-3.1-8b-instruct"

# One record of every kind with every field set, as a user would give them.
FULL = {
    "worker-ai": {
        "iteration": 5,
        "model": L8B,
        "operation": "summarization",
        "input_tokens": "1200",
        "output_tokens": 150,
        "latency_ms": 850.0,
        "success": "TRUE",
        "cost_estimate": "$0.0135",
        "error": "",
        "context": "summarizing blog post",
    },
    "workflow": {
        "iteration": 12,
        "workflow_name": "content_pipeline",
        "execution_id": "exec_def456",
        "duration_ms": 120000,
        "steps": 15,
        "steps_succeeded": 13,
        "steps_failed": 2,
        "cpu_ms": 2400,
        "success": False,
        "error": "step_timeout on embedding_generation",
        "cost_estimate": 0.05,
        "context": "large document",
    },
    "cloudflare": {
        "resource": "d1",
        "operation": "query",
        "rows_read": 414,
        "rows_written": 90,
        "reads": 1,
        "writes": 2,
        "deletes": 3,
        "lists": 4,
        "class_a_ops": 5,
        "class_b_ops": 6,
        "cost_estimate": "0.0001",
    },
    "cost": {
        "period": "day_1",
        "worker_ai_cost": 1.45,
        "workflows_cost": "$0.82",
        "d1_cost": 0.03,
        "kv_cost": 0.01,
        "r2_cost": 0.05,
        "claude_code_cost": "3.20",
        "total_cost": 5.56,
    },
    "prompt": {"iteration": 1, "prompt": "Build a scraper", "time_spent": "20min"},
    "error": {
        "iteration": 5,
        "error_type": "timeout",
        "error_message": "Browser automation timeout",
        "context": "scraping",
        "my_action": "changed the selector",
        "fix_time": "2 min",
        "fix_prompts": 1,
        "learning": "need fallback selectors",
    },
    "intervention": {
        "iteration": 12,
        "reason": "needed cookies",
        "what_user_did": "exported them with DevTools",
        "why_needed": "no programmatic auth",
        "could_ai_have_done_this": "no - security sensitive",
        "time_spent": 5,
        "learning": "auth needs a human",
    },
}


def test_the_kinds_hold_the_fields_the_reader_reads() -> None:
    # The reader's columns, mapped back to the fields they come from (cost_logged is
    # cost_estimate, ...), must all be fields the writer offers, with nothing else but extras.
    sources = {**logs.MONEY, **logs.DURATIONS}
    extras = {"worker-ai": {"context"}, "workflow": {"context"}}  # documented, read as text
    for kind in KINDS.values():
        layout = logs._LAYOUTS[kind.file]
        read = {sources.get(column, column) for column in layout.columns} - {"line"}
        assert read <= set(kind.fields), kind.name
        assert set(kind.fields) - read == extras.get(kind.name, set()), kind.name
        assert kind.required == ((layout.required,) if layout.required else ())
    assert {kind.file for kind in KINDS.values()} == set(logs._LAYOUTS) - {"metrics.jsonl"}


@pytest.mark.parametrize("kind", list(FULL))
def test_every_kind_writes_records_the_reader_reads_without_a_warning(
    tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "exp"
    folder.mkdir()
    tiny = {field: 1e-05 for field in KINDS[kind].fields if field_type(field) == "money"}
    records = [
        build_record(KINDS[kind], FULL[kind], now=NOW),
        build_record(KINDS[kind], {**_least(kind, 2), "timestamp": "2025-01-14T10:30:00+02:00"}),
        build_record(KINDS[kind], {**_least(kind, 3), **tiny}, now=NOW),  # written as 1e-05
    ]
    append_records(folder / KINDS[kind].file, records)
    read = logs.load_logs(folder)
    assert read.warnings == ()
    frame = getattr(read, logs._LAYOUTS[KINDS[kind].file].attr)
    assert len(frame) == 3
    assert str(frame["timestamp"][1]) == "2025-01-14 08:30:00+00:00"


def _least(kind: str, number: int) -> dict[str, object]:
    """The required fields of ``kind`` only (a workflow's id made unique by ``number``)."""
    values = {name: FULL[kind][name] for name in KINDS[kind].required}
    return values | ({"execution_id": f"exec_{number}"} if kind == "workflow" else {})


def test_values_are_written_in_one_canonical_form() -> None:
    record = build_record(KINDS["worker-ai"], FULL["worker-ai"], now=NOW)
    assert encode(record).decode() == (
        '{"timestamp":"2025-01-14T09:30:00Z","iteration":5,"model":"@cf/meta/llama-3.1-8b-instruct",'
        '"operation":"summarization","input_tokens":1200,"output_tokens":150,"latency_ms":850,'
        '"success":true,"cost_estimate":0.0135,"error":"","context":"summarizing blog post"}\n'
    )


def test_fields_the_kind_does_not_know_are_kept_after_the_known_ones() -> None:
    values = {"files_created": ["src/a.ts"], "prompt": "p", "response": "ok"}
    record = build_record(KINDS["prompt"], values, now=NOW)
    assert list(record) == ["timestamp", "prompt", "files_created", "response"]


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2025, 1, 14, 9, 30), "2025-01-14T09:30:00Z"),
        (
            datetime(2025, 1, 14, 11, 30, tzinfo=timezone(timedelta(hours=2))),
            "2025-01-14T09:30:00Z",
        ),
        (datetime(2025, 1, 14, 9, 30, 0, 123000, tzinfo=UTC), "2025-01-14T09:30:00.123Z"),
        (datetime(2025, 1, 14, 9, 30, 0, 123456, tzinfo=UTC), "2025-01-14T09:30:00.123456Z"),
    ],
)
def test_times_are_written_in_utc(moment: datetime, written: str) -> None:
    assert format_time(moment) == written


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("2025-01-14T10:30:00Z", "2025-01-14T10:30:00Z"),
        ("2025-01-14T10:30:00+02:00", "2025-01-14T08:30:00Z"),
        ("2025-01-14T10:30:00.5Z", "2025-01-14T10:30:00.500Z"),
        ("2025-01-14 10:30:00", "2025-01-14T10:30:00Z"),
        ("2025-01-14", "2025-01-14T00:00:00Z"),
    ],
)
def test_timestamps_are_read_as_the_reader_reads_them(given: str, written: str) -> None:
    record = build_record(KINDS["prompt"], {"timestamp": given})
    assert record["timestamp"] == written


N = "a whole number, 0 or more, such as 1200"
USD = "US dollars, 0 or more, such as 0.0135 or $0.0135"
TIME = "an ISO 8601 time such as 2025-01-14T09:30:00Z"


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("worker-ai", {}, "model: missing; write the model's name, such as " + L8B),
        ("worker-ai", {"model": "  "}, "model: missing; write the model's name, such as " + L8B),
        (
            "workflow",
            {},
            "execution_id: missing; write the Workflow instance's id, such as exec_def456",
        ),
        (
            "worker-ai",
            {"model": L8B, "input_tokens": "lots"},
            f"input_tokens: expected {N}; got 'lots'",
        ),
        ("worker-ai", {"model": L8B, "latency_ms": -5}, f"latency_ms: expected {N}; got -5"),
        ("worker-ai", {"model": L8B, "latency_ms": 850.5}, f"latency_ms: expected {N}; got 850.5"),
        (
            "worker-ai",
            {"model": L8B, "output_tokens": True},
            f"output_tokens: expected {N}; got true",
        ),
        ("cloudflare", {"rows_read": "1e3"}, f"rows_read: expected {N}; got '1e3'"),
        (
            "worker-ai",
            {"model": L8B, "cost_estimate": "five cents"},
            f"cost_estimate: expected {USD}; got 'five cents'",
        ),
        ("cost", {"claude_code_cost": -1}, f"claude_code_cost: expected {USD}; got -1"),
        ("cost", {"total_cost": "€2"}, f"total_cost: expected {USD}; got '€2'"),
        (
            "worker-ai",
            {"model": L8B, "success": "yes"},
            "success: expected true or false; got 'yes'",
        ),
        ("worker-ai", {"model": L8B, "success": 1}, "success: expected true or false; got 1"),
        ("prompt", {"timestamp": "14/01/2025"}, f"timestamp: expected {TIME}; got '14/01/2025'"),
        ("prompt", {"timestamp": "2025-02-30"}, f"timestamp: expected {TIME}; got '2025-02-30'"),
        ("prompt", {"timestamp": 1736850600}, f"timestamp: expected {TIME}; got 1736850600"),
        (
            "prompt",
            {"timestamp": "2025-01-14t10:30:00z"},
            f"timestamp: expected {TIME}; got '2025-01-14t10:30:00z'",
        ),
        (
            "prompt",
            {"time_spent": "1-2 hours"},
            "time_spent: expected a duration such as 20min, 1h30m or 45 (minutes); got '1-2 hours'",
        ),
        (
            "error",
            {"fix_time": "a while"},
            "fix_time: expected a duration such as 20min, 1h30m or 45 (minutes); got 'a while'",
        ),
        ("prompt", {"prompt": 5}, "prompt: expected text; got 5"),
        ("prompt", {"iteration": "x" * 80}, f"iteration: expected {N}; got '{'x' * 56}..."),
        (
            "worker-ai",
            {"model": L8B, "input_token": 5},
            "input_token: unknown field; did you mean 'input_tokens'?",
        ),
        (
            "worker-ai",
            {"model": L8B, "inputTokens": 5},
            "inputTokens: unknown field; did you mean 'input_tokens'?",
        ),
        ("prompt", {"notes": {1, 2}}, "notes: expected a JSON value; got {1, 2}"),
        ("prompt", {"score": float("nan")}, "score: expected a JSON value; got NaN"),
    ],
)
def test_each_bad_value_is_refused_with_what_to_write(
    kind: str, values: dict[str, object], message: str
) -> None:
    with pytest.raises(PaperkitError) as caught:
        build_record(KINDS[kind], values, now=NOW)
    assert str(caught.value) == message


def test_the_label_names_the_field_as_the_caller_shows_it() -> None:
    with pytest.raises(PaperkitError) as caught:
        build_record(KINDS["worker-ai"], {"model": L8B, "input_tokens": "x"}, label=str.upper)
    assert str(caught.value) == f"INPUT_TOKENS: expected {N}; got 'x'"


def test_an_unknown_kind_suggests_the_close_one() -> None:
    with pytest.raises(PaperkitError) as caught:
        kind_named("workflows")
    assert str(caught.value) == "unknown kind 'workflows'; did you mean 'workflow'?"


# --- appending ------------------------------------------------------------------------------


def test_appends_say_the_line_of_the_new_record(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    first = append_records(path, [{"a": 1}], number=True)
    second = append_records(path, [{"b": 2}, {"c": 3}], number=True)
    assert (first.line, second.line, second.written) == (1, 2, 2)
    assert path.read_text() == '{"a":1}\n{"b":2}\n{"c":3}\n'


def test_a_truncated_last_line_gets_its_newline_first(tmp_path: Path) -> None:
    path = tmp_path / "worker-ai.jsonl"
    path.write_bytes(b'{"ok":1}\n{"timestamp":"2025-01-14T1')
    appended = append_records(path, [{"b": 2}], number=True)
    assert path.read_bytes() == b'{"ok":1}\n{"timestamp":"2025-01-14T1\n{"b":2}\n'
    assert appended.line == 3


def test_dedupe_leaves_out_ids_already_in_the_file_or_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "worker-ai.jsonl"
    path.write_text('{"x": 1, "paperkit_id": "aaaa"}\n', encoding="utf-8")
    batch = [{"paperkit_id": "aaaa"}, {"paperkit_id": "bbbb"}, {"paperkit_id": "bbbb"}, {"y": 1}]
    appended = append_records(path, batch, dedupe=True, number=True)
    assert (appended.written, appended.already, appended.line) == (2, 2, 2)
    assert path.read_text().splitlines()[1:] == ['{"paperkit_id":"bbbb"}', '{"y":1}']


_WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from paperkit.tracking.append import append_records
    path, writer = Path(sys.argv[1]), int(sys.argv[2])
    lines = []
    for n in range(200):
        record = {"writer": writer, "n": n, "pad": "x" * (1000 + 37 * n)}
        lines.append(append_records(path, [record], number=True).line)
    print(json.dumps(lines))
    """
)


def test_parallel_writers_never_tear_or_lose_a_line(tmp_path: Path) -> None:
    path = tmp_path / "worker-ai.jsonl"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(w)], stdout=subprocess.PIPE, text=True
        )
        for w in range(4)
    ]
    numbers = [json.loads(writer.communicate(timeout=120)[0]) for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    lines = path.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted((r["writer"], r["n"]) for r in records) == [
        (w, n) for w in range(4) for n in range(200)
    ]
    for writer, seen in enumerate(numbers):  # each append was told its own line
        assert [records[line - 1]["writer"] for line in seen] == [writer] * 200
        assert [records[line - 1]["n"] for line in seen] == list(range(200))
