import json
import math

import numpy as np
import pandas as pd
import pytest

import paperkit.logs.jsonl
from paperkit.errors import PaperkitError
from paperkit.logs.jsonl import read_jsonl
from paperkit.logs.load import FILE_NAMES, FileStats, load_logs

CONTRACT = {
    "worker_ai": "line timestamp iteration model operation input_tokens output_tokens latency_ms"
    " success cost_logged error",
    "workflows": "line timestamp iteration workflow_name execution_id duration_ms steps"
    " steps_succeeded steps_failed cpu_ms success error cost_logged",
    "cloudflare": "line timestamp resource operation rows_read rows_written reads writes deletes"
    " lists class_a_ops class_b_ops cost_logged",
    "cost_breakdown": "line timestamp period worker_ai_cost workflows_cost d1_cost kv_cost r2_cost"
    " claude_code_cost total_cost",
    "prompts": "line timestamp iteration prompt time_spent_min",
    "errors": "line timestamp iteration error_type error_message context my_action fix_time_min"
    " fix_prompts learning",
    "interventions": "line timestamp iteration reason what_user_did why_needed"
    " could_ai_have_done_this time_spent time_spent_min learning",
    "metrics": "line timestamp",
}
UTC = "datetime64[ns, UTC]"
# The example lines of tracking-worker-ai-workflows.md.
AI_1 = (
    '{"timestamp":"2025-01-14T10:30:00Z","iteration":5,"model":"@cf/meta/llama-3.1-8b-instruct",'
    '"operation":"summarization","input_tokens":1200,"output_tokens":150,"cost_estimate":"$0.0135",'
    '"latency_ms":850,"success":true,"context":"summarizing blog post"}'
)
AI_2 = (
    '{"timestamp":"2025-01-14T10:31:00Z","iteration":5,"model":"@cf/baai/bge-base-en-v1.5",'
    '"operation":"embedding","input_tokens":500,"dimensions":768,"cost_estimate":"$0.0005",'
    '"latency_ms":120,"success":true,"context":"generating embedding for semantic search"}'
)


def write(folder, name, *lines, newline="\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(newline.join(lines).encode() + newline.encode())


def messages(logs):
    return [str(w) for w in logs.warnings]


def by_name(path):
    return path.name


def test_missing_folder_gives_empty_frames_with_contract_columns(tmp_path):
    logs = load_logs(tmp_path / "nowhere")
    for attr, names in CONTRACT.items():
        frame = getattr(logs, attr)
        assert list(frame.columns) == names.split()
        assert frame.empty
        assert frame["line"].dtype == np.int64
        assert frame["timestamp"].dtype == UTC
    assert logs.worker_ai["input_tokens"].dtype == np.float64
    assert logs.worker_ai["cost_logged"].dtype == np.float64
    assert logs.worker_ai["success"].dtype == "boolean"
    assert logs.worker_ai["model"].dtype == object
    assert logs.interventions["time_spent_min"].dtype == np.float64
    assert list(logs.files) == list(FILE_NAMES)
    assert list(FILE_NAMES) == [
        "worker-ai.jsonl",
        "workflows.jsonl",
        "cloudflare.jsonl",
        "cost-breakdown.jsonl",
        "prompts.jsonl",
        "errors.log",
        "interventions.log",
        "metrics.jsonl",
        "log.md",
    ]
    assert all(s == FileStats(s.name, False, 0, 0, 0) for s in logs.files.values())
    assert logs.sessions == () and logs.warnings == ()


def test_worker_ai_example_lines(tmp_path):
    write(tmp_path, "worker-ai.jsonl", AI_1, AI_2)
    logs = load_logs(tmp_path)
    ai = logs.worker_ai
    assert list(ai.columns) == CONTRACT["worker_ai"].split() + ["context", "dimensions"]
    assert ai["line"].tolist() == [1, 2]
    assert ai["timestamp"].tolist() == [
        pd.Timestamp("2025-01-14 10:30:00", tz="UTC"),
        pd.Timestamp("2025-01-14 10:31:00", tz="UTC"),
    ]
    assert ai["model"].tolist() == ["@cf/meta/llama-3.1-8b-instruct", "@cf/baai/bge-base-en-v1.5"]
    assert ai["input_tokens"].tolist() == [1200.0, 500.0]
    assert ai["output_tokens"].iloc[0] == 150.0 and math.isnan(ai["output_tokens"].iloc[1])
    assert ai["cost_logged"].tolist() == [0.0135, 0.0005]
    assert ai["success"].tolist() == [True, True]
    assert ai["error"].tolist() == [None, None]
    assert ai["dimensions"].iloc[1] == 768.0
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 2, 2, 0)
    assert logs.warnings == ()


def test_each_skip_reason_with_its_location(tmp_path):
    write(
        tmp_path,
        "worker-ai.jsonl",
        AI_1,
        '{"timestamp":"2025-01-14T10:30:00Z", "model": }',
        "[1, 2]",
        '{"model":"m"}',
        '{"timestamp":"  ","model":"m"}',
        '{"timestamp":"14/01/2025","model":"m"}',
        '{"timestamp":"2025-01-14T10:30:00Z"}',
        '{"timestamp":"2025-01-14T10:30:00Z","model":""}',
        '{"timestamp":"2025-01-14T10:30:00Z","model":"m","input_tokens":"lots"}',
        '{"timestamp":"2025-01-14T10:30:00Z","model":"m","latency_ms":-5}',
        '{"timestamp":"2025-01-14T10:30:00Z","model":"m","output_tokens":true}',
        # Several problems: only the first (timestamp, then model, then numbers) is reported.
        '{"timestamp":"nope","iteration":"x"}',
        '{"timestamp":"2025-01-14T10:30:00Z","iteration":-1,"input_tokens":"x"}',
        '"just a string"',
    )
    write(tmp_path, "workflows.jsonl", '{"timestamp":"2025-01-14T11:15:00Z","steps":15}')
    logs = load_logs(tmp_path)
    ai, wf = tmp_path / "worker-ai.jsonl", tmp_path / "workflows.jsonl"
    assert messages(logs) == [
        f"{ai}:2: not valid JSON: Expecting value at column 47",
        f"{ai}:3: not a JSON object (got list)",
        f"{ai}:4: missing timestamp",
        f"{ai}:5: missing timestamp",
        f"{ai}:6: unparseable timestamp '14/01/2025'",
        f"{ai}:7: missing model",
        f"{ai}:8: missing model",
        f"{ai}:9: input_tokens: not a number: 'lots'",
        f"{ai}:10: latency_ms: negative value -5",
        f"{ai}:11: output_tokens: not a number: 'true'",
        f"{ai}:12: unparseable timestamp 'nope'",
        f"{ai}:13: missing model",
        f"{ai}:14: not a JSON object (got string)",
        f"{wf}:1: missing execution_id",
    ]
    assert logs.worker_ai["line"].tolist() == [1]
    assert logs.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 14, 1, 13)
    assert logs.files["workflows.jsonl"] == FileStats("workflows.jsonl", True, 1, 0, 1)


def test_number_problems_in_field_order(tmp_path):
    write(
        tmp_path,
        "workflows.jsonl",
        '{"timestamp":"2025-01-14T11:15:00Z","execution_id":"e","steps":-2,"cpu_ms":"slow"}',
        '{"timestamp":"2025-01-14T11:15:00Z","execution_id":"e","iteration":"7","steps":"15"}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    assert messages(logs) == ["workflows.jsonl:1: steps: negative value -2"]
    assert logs.workflows["iteration"].tolist() == [7.0]
    assert logs.workflows["steps"].tolist() == [15.0]


def test_blank_lines_keep_their_numbers(tmp_path):
    write(
        tmp_path,
        "prompts.jsonl",
        '{"timestamp":"2025-01-14T10:00:00Z","iteration":1,"prompt":"a"}',
        "",
        '{"iteration":2,"prompt":"b"}',
        "   \t",
        '{"timestamp":"2025-01-14T10:20:00Z","iteration":3,"prompt":"c"}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    assert messages(logs) == ["prompts.jsonl:3: missing timestamp"]
    assert logs.prompts["line"].tolist() == [1, 5]
    assert logs.files["prompts.jsonl"] == FileStats("prompts.jsonl", True, 3, 2, 1)


def test_bom_and_crlf(tmp_path):
    write(tmp_path, "worker-ai.jsonl", AI_1, "", "{bad", AI_2, newline="\r\n")
    path = tmp_path / "worker-ai.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    write(tmp_path, "log.md", "### Session 1: 2025-01-14", "**Duration:** 20min", newline="\r\n")
    (tmp_path / "log.md").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "log.md").read_bytes())
    logs = load_logs(tmp_path, display_path=by_name)
    assert logs.worker_ai["line"].tolist() == [1, 4]
    assert logs.worker_ai["model"].iloc[0] == "@cf/meta/llama-3.1-8b-instruct"
    assert logs.worker_ai["context"].iloc[1] == "generating embedding for semantic search"
    expected = "worker-ai.jsonl:3: not valid JSON: Expecting property name enclosed in double"
    assert messages(logs) == [expected + " quotes at column 2"]
    assert [(s.number, s.duration_min, s.line) for s in logs.sessions] == [(1, 20.0, 1)]
    assert logs.files["log.md"] == FileStats("log.md", True, 2, 1, 0)


def test_timestamps(tmp_path):
    stamps = [
        "2025-01-14T10:30:00Z",
        "2025-01-14T10:30:00+02:00",
        "2025-01-14T10:30:00.123456Z",
        "2025-01-14T10:30:00",  # naive means UTC
        "2025-01-14",
    ]
    write(tmp_path, "metrics.jsonl", *(json.dumps({"timestamp": s}) for s in stamps))
    frame = load_logs(tmp_path).metrics
    assert frame["timestamp"].dtype == UTC
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2025-01-14 10:30:00", tz="UTC"),
        pd.Timestamp("2025-01-14 08:30:00", tz="UTC"),
        pd.Timestamp("2025-01-14 10:30:00.123456", tz="UTC"),
        pd.Timestamp("2025-01-14 10:30:00", tz="UTC"),
        pd.Timestamp("2025-01-14 00:00:00", tz="UTC"),
    ]


def test_metrics_timestamp_is_optional_and_fields_are_kept(tmp_path):
    write(
        tmp_path,
        "metrics.jsonl",
        '{"experiment":"pipeline","started":"2025-01-14T09:00:00Z","hypothesis":"h"}',
        '{"timestamp":"2025-01-14T10:00:00Z","tool_name":"Edit","tool_input":{"file":"a.ts"}}',
        '{"timestamp":"yesterday","tool_name":"Bash"}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    metrics = logs.metrics
    assert list(metrics.columns) == [
        "line",
        "timestamp",
        "experiment",
        "started",
        "hypothesis",
        "tool_name",
        "tool_input",
    ]
    assert metrics["line"].tolist() == [1, 2]
    assert metrics["timestamp"].isna().tolist() == [True, False]
    assert metrics["started"].tolist() == ["2025-01-14T09:00:00Z", None]
    assert metrics["tool_input"].tolist() == [None, {"file": "a.ts"}]
    assert messages(logs) == ["metrics.jsonl:3: unparseable timestamp 'yesterday'"]


@pytest.mark.parametrize(
    ("logged", "dollars"),
    [
        ('"$0.0135"', 0.0135),
        ('"0.013500"', 0.0135),
        ('" $1,234.50 "', 1234.5),
        ('"USD 0.5"', 0.5),
        ('"0.5 USD"', 0.5),
        ('"$.5"', 0.5),
        ("0.08", 0.08),
        ("2", 2.0),
        ('"$0"', 0.0),
    ],
)
def test_money_forms(tmp_path, logged, dollars):
    write(
        tmp_path,
        "cloudflare.jsonl",
        f'{{"timestamp":"2025-01-14T10:00:00Z","cost_estimate":{logged}}}',
    )
    logs = load_logs(tmp_path)
    assert logs.cloudflare["cost_logged"].tolist() == [dollars]
    assert logs.warnings == ()


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        ('"five cents"', "five cents"),
        ('"-$1"', "-$1"),
        ("-0.5", "-0.5"),
        ('"$1,23"', "$1,23"),
        ("true", "true"),
        ('"€2"', "€2"),
    ],
)
def test_unreadable_money_is_a_warning_not_a_skip(tmp_path, logged, shown):
    write(
        tmp_path,
        "cloudflare.jsonl",
        f'{{"timestamp":"2025-01-14T10:00:00Z","cost_estimate":{logged}}}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    assert messages(logs) == [
        f"cloudflare.jsonl:1: cost_estimate: cannot read '{shown}' as US dollars;"
        " treated as missing"
    ]
    assert logs.cloudflare["line"].tolist() == [1]
    assert math.isnan(logs.cloudflare["cost_logged"].iloc[0])


def test_cost_breakdown_and_mixed_cost_types(tmp_path):
    write(
        tmp_path,
        "cost-breakdown.jsonl",
        '{"timestamp":"2025-01-14T23:59:59Z","period":"day_1","worker_ai_cost":"$1.45",'
        '"workflows_cost":"$0.82","d1_cost":"$0.03","kv_cost":"$0.01","r2_cost":"$0.05",'
        '"claude_code_cost":"$3.20","total_cost":"$5.56"}',
        '{"timestamp":"2025-01-15T23:59:59Z","period":"day_2","worker_ai_cost":1.5,'
        '"total_cost":"lots"}',
    )
    write(
        tmp_path,
        "worker-ai.jsonl",
        '{"timestamp":"2025-01-14T10:30:00Z","model":"m","cost_estimate":"$0.0135"}',
        '{"timestamp":"2025-01-14T10:31:00Z","model":"m","cost_estimate":0.000513}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    day = logs.cost_breakdown
    assert day["period"].tolist() == ["day_1", "day_2"]
    assert day["worker_ai_cost"].tolist() == [1.45, 1.5]
    assert day["claude_code_cost"].iloc[0] == 3.2 and math.isnan(day["claude_code_cost"].iloc[1])
    assert day["total_cost"].iloc[0] == 5.56 and math.isnan(day["total_cost"].iloc[1])
    assert logs.worker_ai["cost_logged"].tolist() == [0.0135, 0.000513]
    assert messages(logs) == [
        "cost-breakdown.jsonl:2: total_cost: cannot read 'lots' as US dollars; treated as missing"
    ]


def test_success_values(tmp_path):
    write(
        tmp_path,
        "workflows.jsonl",
        *(
            f'{{"timestamp":"2025-01-14T10:00:00Z","execution_id":"e{i}","success":{value}}}'
            for i, value in enumerate(['"TRUE"', '" false "', "true", "null", '"yes"', "1"], 1)
        ),
        '{"timestamp":"2025-01-14T10:00:00Z","execution_id":"e7"}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    success = logs.workflows["success"]
    assert success.dtype == "boolean"
    assert success.tolist() == [True, False, True, pd.NA, pd.NA, pd.NA, pd.NA]
    assert messages(logs) == [
        "workflows.jsonl:5: success: expected true or false, got 'yes'; treated as unknown",
        "workflows.jsonl:6: success: expected true or false, got '1'; treated as unknown",
    ]


def test_text_fields(tmp_path):
    write(
        tmp_path,
        "workflows.jsonl",
        '{"timestamp":"2025-01-14T10:00:00Z","execution_id":123,"workflow_name":"pipe"}',
        '{"timestamp":"2025-01-14T10:00:00Z","execution_id":"exec_def456","error":"step_timeout"}',
    )
    write(tmp_path, "cloudflare.jsonl", '{"timestamp":"2025-01-14T10:00:00Z","resource":" D1 "}')
    logs = load_logs(tmp_path)
    assert logs.workflows["execution_id"].tolist() == ["123", "exec_def456"]
    assert logs.workflows["workflow_name"].tolist() == ["pipe", None]
    assert logs.workflows["error"].tolist() == [None, "step_timeout"]
    assert logs.cloudflare["resource"].tolist() == ["d1"]


def test_free_text_durations(tmp_path):
    write(
        tmp_path,
        "prompts.jsonl",
        '{"iteration":1,"timestamp":"2025-01-14T10:00:00Z","prompt":"p","time_spent":"20min"}',
        '{"iteration":2,"timestamp":"2025-01-14T10:30:00Z","prompt":"q","time_spent":"a while"}',
    )
    write(
        tmp_path,
        "errors.log",
        '{"iteration":5,"timestamp":"2025-01-14T11:00:00Z","error_type":"timeout",'
        '"fix_time":"2 min","fix_prompts":1,"learning":"fallback selectors"}',
    )
    write(
        tmp_path,
        "interventions.log",
        '{"iteration":12,"timestamp":"2025-01-14T12:00:00Z","reason":"cookies",'
        '"could_ai_have_done_this":"no - security sensitive","time_spent":"5 min"}',
        '{"iteration":13,"timestamp":"2025-01-14T12:30:00Z","reason":"models",'
        '"time_spent":"1-2 hours"}',
    )
    logs = load_logs(tmp_path, display_path=by_name)
    assert logs.prompts["time_spent_min"].iloc[0] == 20.0
    assert math.isnan(logs.prompts["time_spent_min"].iloc[1])
    assert logs.errors["fix_time_min"].tolist() == [2.0]
    assert logs.errors["fix_prompts"].tolist() == [1.0]
    assert logs.interventions["time_spent"].tolist() == ["5 min", "1-2 hours"]
    assert logs.interventions["time_spent_min"].iloc[0] == 5.0
    assert math.isnan(logs.interventions["time_spent_min"].iloc[1])
    assert messages(logs) == [
        "prompts.jsonl:2: time_spent: cannot read 'a while' as a duration; treated as missing",
        "interventions.log:2: time_spent: cannot read '1-2 hours' as a duration;"
        " treated as missing",
    ]


def test_warnings_follow_file_order_then_line(tmp_path):
    write(tmp_path, "metrics.jsonl", '{"timestamp":"x"}')
    write(tmp_path, "worker-ai.jsonl", '{"model":"m"}', "{", AI_1)
    write(tmp_path, "cloudflare.jsonl", '{"resource":"d1"}')
    logs = load_logs(tmp_path, display_path=by_name)
    assert [(w.path, w.line) for w in logs.warnings] == [
        ("worker-ai.jsonl", 1),
        ("worker-ai.jsonl", 2),
        ("cloudflare.jsonl", 1),
        ("metrics.jsonl", 1),
    ]


def test_unreadable_file_is_an_error(tmp_path):
    (tmp_path / "errors.log").mkdir()
    with pytest.raises(PaperkitError, match="cannot read errors.log"):
        load_logs(tmp_path)


def every_line_one_by_one(monkeypatch):
    """Make read_jsonl read every line with json.loads, the reference for the normal path."""
    monkeypatch.setattr(paperkit.logs.jsonl, "_RETRIES", -1)


def big_worker_ai(rows):
    """Lines of a worker-ai.jsonl past pyarrow's 1 MB block, with fields that come and go."""
    lines = []
    for i in range(rows):
        record = {
            "timestamp": f"2025-01-14T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "iteration": i // 10,
            "model": "@cf/meta/llama-3.1-8b-instruct",
            "input_tokens": 1000 + i,
            "cost_estimate": f"${i / 10000:.4f}",
            "success": i % 7 != 0,
            "context": "summarizing blog post " * 3,
        }
        if i % 5 == 0:
            record["files"] = ["a.ts", "b.ts"]
        if i == rows - 1:
            record["late_field"] = 1.5  # first appears in the last block
        lines.append(json.dumps(record))
    return lines


def test_fast_and_slow_paths_give_equal_frames(tmp_path, monkeypatch, one_by_one):
    slow = one_by_one
    lines = big_worker_ai(12_000)
    write(tmp_path / "good", "worker-ai.jsonl", *lines)
    write(tmp_path / "bad", "worker-ai.jsonl", *lines, '{"not json')
    good = load_logs(tmp_path / "good")
    assert slow == []
    bad = load_logs(tmp_path / "bad")
    assert slow == [12_000]  # only the bad line
    every_line_one_by_one(monkeypatch)
    rare = load_logs(tmp_path / "bad")
    pd.testing.assert_frame_equal(good.worker_ai, bad.worker_ai)
    pd.testing.assert_frame_equal(good.worker_ai, rare.worker_ai)
    assert list(good.worker_ai.columns)[-3:] == ["context", "files", "late_field"]
    assert good.worker_ai["files"].iloc[0] == ["a.ts", "b.ts"]
    assert good.files["worker-ai.jsonl"].lines == 12_000
    assert bad.files["worker-ai.jsonl"] == FileStats("worker-ai.jsonl", True, 12_001, 12_000, 1)


@pytest.mark.parametrize(
    "extra",
    [
        '{"cost_estimate": 0.5, "n": 1}',  # a text column written as a number
        '{"started": "2025-01-14T09:00:00Z"}',  # a timestamp-looking extra field
        '{"flag": true, "tags": []}',
        "{}",
    ],
)
def test_read_jsonl_paths_agree(tmp_path, monkeypatch, extra, one_by_one):
    slow = one_by_one
    text_columns = ["timestamp", "cost_estimate", "model"]
    path = tmp_path / "a.jsonl"
    # The same record written twice, with other bytes (a space), so neither is a repeat.
    again = extra.replace("{", "{ ", 1)
    path.write_text(f"{extra}\n{again}\n")
    fast = read_jsonl(path, text_columns=text_columns)
    path.write_text(f"{extra}\n{again}\n[]\n")
    mixed = read_jsonl(path, text_columns=text_columns)
    assert slow == [2]
    every_line_one_by_one(monkeypatch)
    rare = read_jsonl(path, text_columns=text_columns)
    assert slow == [2, 0, 1, 2]
    pd.testing.assert_frame_equal(fast.frame, mixed.frame)
    pd.testing.assert_frame_equal(fast.frame, rare.frame)
    assert mixed.skipped == rare.skipped
    assert [str(w) for w in rare.skipped] == [f"{path}:3: not a JSON object (got list)"]


def test_read_jsonl_keeps_numbers_as_float_and_text_as_objects(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"timestamp":"2025-01-14T10:30:00Z","n":1,"s":"x","b":true}\n'
        '{"timestamp":"2025-01-14T10:31:00Z","n":2.5,"b":null}\n'
    )
    raw = read_jsonl(path, text_columns=["timestamp", "model"])
    assert list(raw.frame.columns) == ["line", "timestamp", "model", "n", "s", "b"]
    assert raw.frame["n"].dtype == np.float64 and raw.frame["n"].tolist() == [1.0, 2.5]
    assert raw.frame["timestamp"].dtype == object
    assert raw.frame["timestamp"].tolist() == ["2025-01-14T10:30:00Z", "2025-01-14T10:31:00Z"]
    assert raw.frame["model"].tolist() == [None, None]
    assert raw.frame["s"].dtype == object and raw.frame["s"].tolist() == ["x", None]
    assert raw.frame["b"].tolist() == [True, None]
    assert (raw.lines, raw.skipped) == (2, ())


def test_read_jsonl_two_objects_on_one_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a":1}\n{"a":2} {"a":3}\n')
    raw = read_jsonl(path, text_columns=[])
    assert raw.frame["a"].tolist() == [1.0]
    assert [w.message for w in raw.skipped] == ["not valid JSON: Extra data at column 9"]


def test_read_jsonl_invalid_utf8(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a":"ok"}\n{"a":"caf\xe9"}\n')
    raw = read_jsonl(path, text_columns=[])
    assert raw.frame["a"].tolist() == ["ok"]
    assert [w.line for w in raw.skipped] == [2]
    assert raw.skipped[0].message.startswith("not valid JSON:")


def test_read_jsonl_empty_file(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n  \n")
    raw = read_jsonl(path, text_columns=["timestamp"])
    assert list(raw.frame.columns) == ["line", "timestamp"]
    assert (len(raw.frame), raw.lines, raw.skipped) == (0, 0, ())
