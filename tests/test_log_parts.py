"""A log kept as several files (``worker-ai.jsonl`` plus ``worker-ai/*.jsonl``) or as Parquet
reads as one log, each problem located at the file and line it came from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from paperkit.errors import PaperkitError
from paperkit.logs.load import load_logs, log_parts

MODEL = "@cf/meta/llama-3.1-8b-instruct"


def call(day: int, latency: int, **extra) -> str:
    record = {
        "timestamp": f"2025-03-{day:02d}T10:00:00Z",
        "model": MODEL,
        "input_tokens": 1000,
        "output_tokens": 100,
        "latency_ms": latency,
        "success": True,
        "cost_estimate": "$0.01",
    }
    return json.dumps(record | extra) + "\n"


def test_a_log_split_by_day_reads_in_order_with_each_line_located(tmp_path) -> None:
    (tmp_path / "worker-ai.jsonl").write_text(call(1, 100))
    split = tmp_path / "worker-ai"
    split.mkdir()
    (split / "2025-03-03.jsonl").write_text(call(3, 300) + "{not json\n" + call(3, 310))
    (split / "2025-03-02.jsonl").write_text("\n" + call(2, 200))
    (split / "notes.txt").write_text("not a log part")
    assert [p.name for p in log_parts(tmp_path, "worker-ai.jsonl")] == [
        "worker-ai.jsonl",
        "2025-03-02.jsonl",
        "2025-03-03.jsonl",
    ]
    logs = load_logs(tmp_path, display_path=str)
    assert logs.worker_ai["latency_ms"].tolist() == [100, 200, 300, 310]
    assert logs.worker_ai["line"].tolist() == [1, 2, 1, 3]  # each file's own line numbers
    (warning,) = logs.warnings
    assert (warning.path, warning.line) == (str(split / "2025-03-03.jsonl"), 2)
    stats = logs.files["worker-ai.jsonl"]
    assert (stats.lines, stats.records, stats.skipped) == (5, 4, 1)
    # The log's hash is that of `sha256sum worker-ai.jsonl worker-ai/*.jsonl` (the listing).
    listing = "".join(
        f"{hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()}  {name}\n"
        for name in ("worker-ai.jsonl", "worker-ai/2025-03-02.jsonl", "worker-ai/2025-03-03.jsonl")
    )
    assert stats.sha256 == hashlib.sha256(listing.encode()).hexdigest()


def test_a_single_part_keeps_its_own_path_and_hash(tmp_path) -> None:
    (tmp_path / "worker-ai").mkdir()
    part = tmp_path / "worker-ai" / "day1.jsonl"
    part.write_text("oops\n" + call(1, 100))
    logs = load_logs(tmp_path, display_path=str)
    assert [(w.path, w.line) for w in logs.warnings] == [(str(part), 1)]
    assert logs.files["worker-ai.jsonl"].sha256 == hashlib.sha256(part.read_bytes()).hexdigest()


def test_an_execution_id_repeated_in_a_later_file_keeps_the_later_record(tmp_path) -> None:
    def run(day: int, ok: bool) -> str:
        return json.dumps(
            {"timestamp": f"2025-03-0{day}T10:00:00Z", "execution_id": "e1", "success": ok}
        )

    (tmp_path / "workflows.jsonl").write_text(run(1, False) + "\n")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "b.jsonl").write_text("\n" + run(2, True) + "\n")
    logs = load_logs(tmp_path, display_path=lambda p: p.relative_to(tmp_path).as_posix())
    assert logs.workflows["success"].tolist() == [True]
    (warning,) = logs.warnings
    assert str(warning) == (
        "workflows.jsonl:1: execution_id 'e1' appears again at workflows/b.jsonl:2;"
        " the later record is kept"
    )


def test_parquet_reads_as_the_same_records_as_jsonl(tmp_path) -> None:
    jsonl, parquet = tmp_path / "a", tmp_path / "b"
    jsonl.mkdir()
    parquet.mkdir()
    lines = [
        call(1, 100, cost_estimate="$0.01"),
        call(2, 200, cost_estimate="0.02", output_tokens=None),
        call(3, 300, success=False, error="rate_limited"),
    ]
    (jsonl / "worker-ai.jsonl").write_text("".join(lines))
    utc = dt.UTC
    table = pa.table(
        {
            "timestamp": pa.array(
                [dt.datetime(2025, 3, day, 10, tzinfo=utc) for day in (1, 2, 3)],
                pa.timestamp("us", tz="UTC"),
            ),
            "model": [MODEL] * 3,
            "input_tokens": pa.array([1000, 1000, 1000], pa.int64()),
            "output_tokens": pa.array([100, None, 100], pa.int64()),
            "latency_ms": pa.array([100, 200, 300], pa.int32()),
            "success": [True, True, False],
            "cost_estimate": ["$0.01", "0.02", "$0.01"],
            "error": [None, None, "rate_limited"],
        }
    )
    pq.write_table(table, parquet / "worker-ai.parquet")
    want, got = load_logs(jsonl).worker_ai, load_logs(parquet).worker_ai
    assert got.columns.tolist() == want.columns.tolist()
    for column in want.columns:
        assert got[column].tolist() == want[column].tolist() or (
            got[column].isna().tolist() == want[column].isna().tolist()
            and got[column].dropna().tolist() == want[column].dropna().tolist()
        ), column
    stats = load_logs(parquet).files["worker-ai.jsonl"]
    assert (stats.lines, stats.records) == (3, 3)


def test_parquet_rows_are_numbered_for_warnings(tmp_path) -> None:
    table = pa.table({"timestamp": ["2025-03-01T10:00:00Z", "yesterday"], "model": [MODEL, MODEL]})
    pq.write_table(table, tmp_path / "worker-ai.parquet")
    logs = load_logs(tmp_path, display_path=lambda p: p.name)
    assert [str(w) for w in logs.warnings] == [
        "worker-ai.parquet:2: unparseable timestamp 'yesterday'"
    ]


def test_a_broken_parquet_file_is_an_error(tmp_path) -> None:
    (tmp_path / "worker-ai.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(PaperkitError, match="cannot read worker-ai.jsonl: not a readable Parquet"):
        load_logs(tmp_path)


def test_parts_read_as_the_same_records_as_one_file(tmp_path) -> None:
    # Each file of a log is converted and checked on its own; the records, their types and
    # the warnings' reasons must be those of the same lines kept in one file. The parts
    # differ in their fields: an extra field in one only, a text field written as a number
    # in one, an unreadable value, a warning and a skipped line in each.
    first = [
        call(1, 100, context="doc"),
        call(1, 110, iteration=1, error="rate_limited"),
        call(1, 120, latency_ms="fast"),
    ]
    second = [
        call(2, 200, iteration="2"),
        call(2, 210, cost_estimate=0.5, operation="embedding", output_tokens=3),
        "{cut off\n",
        call(2, 220, success="maybe"),
    ]
    whole, split = tmp_path / "whole", tmp_path / "split"
    whole.mkdir()
    (whole / "worker-ai.jsonl").write_text("".join(first + second))
    (split / "worker-ai").mkdir(parents=True)
    (split / "worker-ai" / "1.jsonl").write_text("".join(first))
    (split / "worker-ai" / "2.jsonl").write_text("".join(second))
    one, parts = load_logs(whole), load_logs(split)
    pd.testing.assert_frame_equal(
        one.worker_ai.drop(columns="line"), parts.worker_ai.drop(columns="line")
    )
    assert [w.message for w in one.warnings] == [w.message for w in parts.warnings]
    # By hand: "fast" skips its record and the cut line is skipped; five records are left,
    # the last with success unknown; "context" is missing (None) past the first record.
    assert parts.worker_ai["latency_ms"].tolist() == [100, 110, 200, 210, 220]
    assert parts.worker_ai["success"].tolist()[-1] is pd.NA
    assert parts.worker_ai["context"].tolist() == ["doc", None, None, None, None]
