"""Repeated lines, repeated execution ids and records whose fields contradict each other.

paperkit reports each one on its line and never merges silently: a repeated line is read once,
of a repeated execution_id the later record is kept, and a record that fails a sanity check is
kept as logged. Every expected message, line and count is written out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import BGE, L8B, build, jsonl

from paperkit.logs.load import FILE_NAMES, FileStats, load_logs

TS = "2025-01-14T10:00:00Z"
# One valid record for each JSONL file (each file's required fields and a little more).
RECORDS = {
    "worker-ai.jsonl": {"timestamp": TS, "model": L8B, "input_tokens": 10, "success": True},
    "workflows.jsonl": {"timestamp": TS, "execution_id": "exec_1", "steps": 4, "success": True},
    "cloudflare.jsonl": {"timestamp": TS, "resource": "d1", "rows_read": 10},
    "cost-breakdown.jsonl": {"timestamp": TS, "period": "day_1", "claude_code_cost": "$3.20"},
    "prompts.jsonl": {"timestamp": TS, "iteration": 1, "prompt": "p", "time_spent": "20min"},
    "errors.log": {"timestamp": TS, "error_type": "timeout", "fix_time": "2 min"},
    "interventions.log": {"timestamp": TS, "reason": "cookies", "time_spent": "5 min"},
    "metrics.jsonl": {"timestamp": TS, "tool_name": "Edit"},
}
JSONL_FILES = [name for name in FILE_NAMES if name != "log.md"]
FRAMES = dict(
    zip(
        JSONL_FILES,
        "worker_ai workflows cloudflare cost_breakdown prompts errors"
        " interventions metrics".split(),
        strict=True,
    )
)


def write(folder: Path, name: str, *lines: str, newline: str = "\n") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes("".join(line + newline for line in lines).encode())


def by_name(path: Path) -> str:
    return path.name


def messages(folder: Path) -> list[str]:
    return [str(w) for w in load_logs(folder, display_path=by_name).warnings]


def other(record: dict, **changes: object) -> str:
    return json.dumps(record | changes)


# Repeated lines


@pytest.mark.parametrize("name", JSONL_FILES)
def test_a_repeated_line_is_read_once_in_every_jsonl_file(tmp_path: Path, name: str) -> None:
    first = json.dumps(RECORDS[name])
    changes = {"timestamp": "2025-01-14T11:00:00Z"}
    if name == "workflows.jsonl":
        changes["execution_id"] = "exec_2"  # the same id would be a retry (below)
    second = other(RECORDS[name], **changes)
    write(tmp_path, name, first, second, first)
    logs = load_logs(tmp_path, display_path=by_name)
    assert [str(w) for w in logs.warnings] == [
        f"{name}:3: repeats line 1 byte for byte; counted once"
    ]
    assert logs.files[name] == FileStats(name, True, 3, 2, 0, repeated=1, duplicates=0)
    assert getattr(logs, FRAMES[name])["line"].tolist() == [1, 2]


def test_every_copy_names_the_first_line(tmp_path: Path) -> None:
    a = json.dumps(RECORDS["prompts.jsonl"])
    b = other(RECORDS["prompts.jsonl"], iteration=2)
    write(tmp_path, "prompts.jsonl", a, a, b, "", a, b)
    assert messages(tmp_path) == [
        "prompts.jsonl:2: repeats line 1 byte for byte; counted once",
        "prompts.jsonl:5: repeats line 1 byte for byte; counted once",
        "prompts.jsonl:6: repeats line 3 byte for byte; counted once",
    ]
    logs = load_logs(tmp_path)
    assert logs.prompts["line"].tolist() == [1, 3]
    assert logs.files["prompts.jsonl"] == FileStats("prompts.jsonl", True, 5, 2, 0, 3, 0)


def test_crlf_line_endings_and_surrounding_spaces_do_not_hide_a_repeat(tmp_path: Path) -> None:
    a = json.dumps(RECORDS["worker-ai.jsonl"])
    b = other(RECORDS["worker-ai.jsonl"], input_tokens=20)
    write(tmp_path, "worker-ai.jsonl", a, b, "  " + a + "\t", newline="\r\n")
    path = tmp_path / "worker-ai.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + a.encode())  # a BOM; no last newline
    logs = load_logs(tmp_path, display_path=by_name)
    assert [str(w) for w in logs.warnings] == [
        "worker-ai.jsonl:3: repeats line 1 byte for byte; counted once",
        "worker-ai.jsonl:4: repeats line 1 byte for byte; counted once",
    ]
    assert logs.worker_ai["input_tokens"].tolist() == [10.0, 20.0]
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 4, 2, 0, 2, 0)


def test_a_repeated_bad_line_is_skipped_once_and_repeated_once(tmp_path: Path) -> None:
    a = json.dumps(RECORDS["errors.log"])
    write(tmp_path, "errors.log", a, '{"timestamp": "2025-01-14', "", '{"timestamp": "2025-01-14')
    assert messages(tmp_path) == [
        "errors.log:2: not valid JSON: Unterminated string starting at column 15",
        "errors.log:4: repeats line 2 byte for byte; counted once",
    ]
    stats = load_logs(tmp_path).files["errors.log"]
    assert stats == FileStats("errors.log", True, 3, 1, 1, repeated=1)


def test_the_same_record_in_other_bytes_is_not_a_repeat(tmp_path: Path) -> None:
    # 0.5 and "0.5" read as the same cost, and key order or spacing differ: not byte for byte.
    base = {"timestamp": TS, "resource": "kv", "cost_estimate": 0.5}
    lines = [
        json.dumps(base),
        json.dumps(base | {"cost_estimate": "0.5"}),
        json.dumps(base, separators=(",", ":")),
        json.dumps(dict(reversed(base.items()))),
        json.dumps(base),
    ]
    write(tmp_path, "cloudflare.jsonl", *lines)
    logs = load_logs(tmp_path, display_path=by_name)
    assert [str(w) for w in logs.warnings] == [
        "cloudflare.jsonl:5: repeats line 1 byte for byte; counted once"
    ]
    assert logs.cloudflare["line"].tolist() == [1, 2, 3, 4]
    assert logs.cloudflare["cost_logged"].tolist() == [0.5] * 4


def test_repeats_in_a_big_file_need_no_line_by_line_reading(
    tmp_path: Path, one_by_one: list[int]
) -> None:
    lines = [
        json.dumps({"timestamp": TS, "model": L8B, "input_tokens": i, "pad": "x" * 80})
        for i in range(12_000)
    ]
    lines[5_000] = lines[10]
    lines[11_999] = lines[10]
    write(tmp_path, "worker-ai.jsonl", *lines)
    logs = load_logs(tmp_path, display_path=by_name)
    assert one_by_one == []
    assert [str(w) for w in logs.warnings] == [
        "worker-ai.jsonl:5001: repeats line 11 byte for byte; counted once",
        "worker-ai.jsonl:12000: repeats line 11 byte for byte; counted once",
    ]
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 12_000, 11_998, 0, 2)
    # 0 + 1 + ... + 11,999, less the two tokens counts overwritten (5,000 and 11,999)
    assert logs.worker_ai["input_tokens"].sum() == 71_994_000 - 5_000 - 11_999


# Repeated execution ids


def execution(execution_id: str, **fields: object) -> dict:
    return {"timestamp": TS, "execution_id": execution_id, "steps": 4} | fields


def test_a_retried_workflow_keeps_the_later_record(tmp_path: Path) -> None:
    logs = {
        "workflows.jsonl": jsonl(
            execution("exec_1", success=False, error="step_timeout"),
            execution("exec_2", success=True),
            execution("exec_1", success=True, timestamp="2025-01-14T10:05:00Z"),
        )
    }
    result = build(tmp_path, logs)
    assert [w.message for w in result.warnings] == [
        "execution_id 'exec_1' appears again at line 3; the later record is kept"
    ]
    assert [w.line for w in result.warnings] == [1]
    values = result.metrics.values
    assert values["workflows.executions"] == 2
    assert values["workflows.succeeded"] == 2
    assert values["workflows.failed"] == 0


def test_a_workflow_logged_twice_counts_one_execution(tmp_path: Path) -> None:
    logs = {
        "workflows.jsonl": jsonl(
            execution("exec_1", success=False, cpu_ms=40),
            execution("exec_1", success=True, cpu_ms=50),
        )
    }
    result = build(tmp_path, logs)
    assert result.metrics.values["workflows.executions"] == 1
    assert result.metrics.values["workflows.succeeded"] == 1


def test_every_earlier_record_names_the_kept_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "workflows.jsonl",
        json.dumps(execution("e", cost_estimate="five cents")),  # its warning goes with it
        json.dumps(execution("e", steps=5)),
        json.dumps(execution("f")),
        json.dumps(execution("e", steps=6)),
        json.dumps(execution("e", timestamp="nope")),  # skipped: it does not count
    )
    logs = load_logs(tmp_path, display_path=by_name)
    assert [str(w) for w in logs.warnings] == [
        "workflows.jsonl:1: execution_id 'e' appears again at line 4; the later record is kept",
        "workflows.jsonl:2: execution_id 'e' appears again at line 4; the later record is kept",
        "workflows.jsonl:5: unparseable timestamp 'nope'",
    ]
    assert logs.workflows["line"].tolist() == [3, 4]
    assert logs.workflows["steps"].tolist() == [4.0, 6.0]
    assert logs.files["workflows.jsonl"] == FileStats(
        "workflows.jsonl", True, 5, 2, 1, repeated=0, duplicates=2
    )


def test_a_byte_for_byte_copy_is_a_repeat_not_a_duplicate(tmp_path: Path) -> None:
    line = json.dumps(execution("exec_1"))
    write(tmp_path, "workflows.jsonl", line, json.dumps(execution("exec_1", steps=5)), line)
    assert messages(tmp_path) == [
        "workflows.jsonl:1: execution_id 'exec_1' appears again at line 2;"
        " the later record is kept",
        "workflows.jsonl:3: repeats line 1 byte for byte; counted once",
    ]
    stats = load_logs(tmp_path).files["workflows.jsonl"]
    assert stats == FileStats("workflows.jsonl", True, 3, 1, 0, repeated=1, duplicates=1)


def test_ids_are_compared_as_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "workflows.jsonl",
        '{"timestamp": "2025-01-14T10:00:00Z", "execution_id": 123}',
        '{"timestamp": "2025-01-14T10:00:00Z", "execution_id": "123", "steps": 4}',
        '{"timestamp": "2025-01-14T10:00:00Z", "execution_id": "123 "}',
    )
    assert messages(tmp_path) == [
        "workflows.jsonl:1: execution_id '123' appears again at line 2; the later record is kept"
    ]


# Sanity checks


def call(model: str, **fields: object) -> dict:
    return {"timestamp": TS, "model": model} | fields


def test_output_tokens_on_an_embedding_call(tmp_path: Path) -> None:
    write(
        tmp_path,
        "worker-ai.jsonl",
        json.dumps(call(BGE, operation="embedding", output_tokens=3)),
        json.dumps(call(L8B, operation=" Embeddings ", output_tokens=5)),
        json.dumps(call(L8B, operation="EMBED", output_tokens="7")),
        json.dumps(call("@cf/openai/Text-Embedding-3", output_tokens=1.5)),
        json.dumps(call(BGE, operation="embedding", output_tokens=0)),  # fine: zero
        json.dumps(call(BGE, operation="embedding")),  # fine: none logged
        json.dumps(call(L8B, operation="summarization", output_tokens=150)),  # fine
        json.dumps(call(L8B, operation="embedder", output_tokens=150)),  # fine: not the word
    )
    tail = "embedding models produce no output tokens"
    assert messages(tmp_path) == [
        f"worker-ai.jsonl:1: output_tokens 3 on an embedding model ({BGE}); {tail}",
        f"worker-ai.jsonl:2: output_tokens 5 on an embedding model ({L8B}); {tail}",
        f"worker-ai.jsonl:3: output_tokens 7 on an embedding model ({L8B}); {tail}",
        "worker-ai.jsonl:4: output_tokens 1.5 on an embedding model"
        f" (@cf/openai/Text-Embedding-3); {tail}",
    ]
    logs = load_logs(tmp_path)
    assert logs.worker_ai["output_tokens"].iloc[:4].tolist() == [3.0, 5.0, 7.0, 1.5]  # kept
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 8, 8, 0)


def test_more_steps_succeeded_and_failed_than_steps(tmp_path: Path) -> None:
    write(
        tmp_path,
        "workflows.jsonl",
        json.dumps(execution("a", steps=5, steps_succeeded=4, steps_failed=2)),
        json.dumps(execution("b", steps=5, steps_succeeded=4, steps_failed=1)),  # fine: equal
        json.dumps(execution("c", steps=5, steps_succeeded=6)),  # fine: failed not logged
        json.dumps(execution("d", steps=2.0, steps_succeeded="2", steps_failed=1)),
    )
    assert messages(tmp_path) == [
        "workflows.jsonl:1: steps_succeeded (4) + steps_failed (2) > steps (5)",
        "workflows.jsonl:4: steps_succeeded (2) + steps_failed (1) > steps (2)",
    ]
    assert load_logs(tmp_path).workflows["line"].tolist() == [1, 2, 3, 4]


def test_success_with_an_error(tmp_path: Path) -> None:
    long = "upstream timeout after three retries on the embedding step of the pipeline"
    write(
        tmp_path,
        "worker-ai.jsonl",
        json.dumps(call(L8B, success=True, error="rate_limited")),
        json.dumps(call(L8B, success=False, error="rate_limited")),  # fine
        json.dumps(call(L8B, success=True, error="  ")),  # fine: blank
        json.dumps(call(L8B, success=True, error=None)),  # fine
        json.dumps(call(L8B, success=" TRUE ", error=long)),
        json.dumps(call(L8B, error="rate_limited")),  # fine: outcome unknown
    )
    write(
        tmp_path,
        "workflows.jsonl",
        json.dumps(execution("a", success=True, error="step_timeout on embedding_generation")),
    )
    tail = "counted as a success"
    assert messages(tmp_path) == [
        f"worker-ai.jsonl:1: success is true but error is set ('rate_limited'); {tail}",
        "worker-ai.jsonl:5: success is true but error is set ('upstream timeout after three"
        f" retries on the embedding ste...'); {tail}",
        "workflows.jsonl:1: success is true but error is set"
        f" ('step_timeout on embedding_generation'); {tail}",
    ]
    logs = load_logs(tmp_path)
    assert logs.worker_ai["success"].tolist()[:2] == [True, False]
    assert logs.workflows["success"].tolist() == [True]


def test_warnings_stay_in_line_order_and_counts_add_up(tmp_path: Path) -> None:
    write(
        tmp_path,
        "workflows.jsonl",
        json.dumps(execution("a", steps=1, steps_succeeded=2, steps_failed=0)),
        json.dumps(execution("b", success=True, error="x", cost_estimate="lots")),
        "{",
        json.dumps(execution("a")),
        json.dumps(execution("b", success=True, error="x", cost_estimate="lots")),
        json.dumps(execution("a", steps=1, steps_succeeded=2, steps_failed=0)),
    )
    assert messages(tmp_path) == [
        "workflows.jsonl:1: execution_id 'a' appears again at line 4; the later record is kept",
        "workflows.jsonl:2: cost_estimate: cannot read 'lots' as US dollars; treated as missing",
        "workflows.jsonl:2: success is true but error is set ('x'); counted as a success",
        "workflows.jsonl:3: not valid JSON: Expecting property name enclosed in double quotes"
        " at column 2",
        "workflows.jsonl:5: repeats line 2 byte for byte; counted once",
        "workflows.jsonl:6: repeats line 1 byte for byte; counted once",
    ]
    stats = load_logs(tmp_path).files["workflows.jsonl"]
    assert stats == FileStats("workflows.jsonl", True, 6, 2, 1, repeated=2, duplicates=1)
    assert stats.lines == stats.records + stats.skipped + stats.repeated + stats.duplicates


def test_a_clean_file_gives_no_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "worker-ai.jsonl",
        json.dumps(call(L8B, operation="summarization", output_tokens=150, success=True)),
        json.dumps(call(BGE, operation="embedding", input_tokens=500, success=True)),
        json.dumps(call(BGE, operation="embedding", output_tokens=0, success=True, error="")),
        json.dumps(call(L8B, operation="summarization", success=False, error="rate_limited")),
        json.dumps(call(L8B, operation="summarization", output_tokens=160, success=True)),
    )
    write(
        tmp_path,
        "workflows.jsonl",
        json.dumps(execution("a", steps=5, steps_succeeded=5, steps_failed=0, success=True)),
        json.dumps(
            execution("b", steps=5, steps_succeeded=3, steps_failed=2, success=False, error="t")
        ),
        json.dumps(execution("A", steps=5, success=True)),  # another id: case counts
    )
    logs = load_logs(tmp_path)
    assert logs.warnings == ()
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 5, 5, 0, 0, 0)
    assert logs.files["workflows.jsonl"] == FileStats("workflows.jsonl", True, 3, 3, 0, 0, 0)


def test_the_example_holds_only_its_truncated_line() -> None:
    folder = Path(__file__).resolve().parent.parent / ".claude/experiments/ai-content-pipeline"
    logs = load_logs(folder, display_path=by_name)
    assert [str(w) for w in logs.warnings] == [
        "worker-ai.jsonl:175: not valid JSON: Expecting ',' delimiter at column 140"
    ]
    assert all(s.repeated == 0 and s.duplicates == 0 for s in logs.files.values())
