"""read_jsonl with bad lines: pyarrow reads the rest, only the bad lines are read one by one.

Each result is compared with the reference, every line read with json.loads (``_RETRIES`` below
zero), and checked against values worked out by hand.
"""

import json

import numpy as np
import pandas as pd
import pytest

import paperkit.logs.jsonl
from paperkit.errors import DataWarning
from paperkit.logs.jsonl import read_jsonl

TEXT = ["timestamp", "model", "cost_estimate"]
# Line 2,501 (i = 2500) cut off after its iteration's first two digits.
CUT = '{"timestamp": "2025-01-14T00:41:40Z", "iteration": 25'
CUT_REASON = "not valid JSON: Expecting ',' delimiter at column 54"


def record(i):
    """Line i + 1 of a worker-ai.jsonl: one record a second from 2025-01-14T00:00:00Z."""
    return {
        "timestamp": f"2025-01-14T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "iteration": i // 10,
        "model": "@cf/meta/llama-3.1-8b-instruct",
        "input_tokens": 1000 + i,
        "cost_estimate": f"${i / 10000:.4f}",
        "success": i % 7 != 0,
    }


def worker_ai(rows=5_000, **replaced):
    """The file's lines, with line ``i + 1`` replaced by ``replaced[f"line{i + 1}"]``."""
    lines = [json.dumps(record(i)) for i in range(rows)]
    for name, text in replaced.items():
        lines[int(name.removeprefix("line")) - 1] = text
    return lines


def write(tmp_path, lines):
    path = tmp_path / "worker-ai.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_same_as_line_by_line(raw, path, text_columns=TEXT):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paperkit.logs.jsonl, "_RETRIES", -1)
        reference = read_jsonl(path, text_columns=text_columns)
    pd.testing.assert_frame_equal(raw.frame, reference.frame)
    assert raw.skipped == reference.skipped
    assert raw.lines == reference.lines


def test_the_line_in_the_middle_was_cut_off(tmp_path, one_by_one):
    path = write(tmp_path, worker_ai(line2501=CUT))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [2500]
    assert raw.skipped == (DataWarning(str(path), 2501, CUT_REASON),)
    assert raw.lines == 5_000
    assert raw.frame["line"].tolist() == [*range(1, 2501), *range(2502, 5001)]
    # 5,000 × 1,000 + (0 + … + 4,999) - (1,000 + 2,500)
    assert raw.frame["input_tokens"].sum() == 17_494_000
    assert raw.frame["timestamp"].iat[2500] == "2025-01-14T00:41:41Z"  # line 2,502
    assert_same_as_line_by_line(raw, path)


def test_a_value_changes_type_in_the_middle(tmp_path, one_by_one):
    changed = dict(record(2500), iteration="250")
    path = write(tmp_path, worker_ai(line2501=json.dumps(changed)))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [2500]
    assert (raw.lines, raw.skipped) == (5_000, ())
    iteration = raw.frame["iteration"]
    assert iteration.dtype == object
    assert iteration.iloc[2499:2502].tolist() == [249, "250", 250]
    assert type(iteration.iat[0]) is int  # as json.loads gives it
    assert raw.frame["input_tokens"].dtype == np.float64
    assert_same_as_line_by_line(raw, path)


def test_more_bad_lines_than_retries(tmp_path, one_by_one):
    # Each bad line differs from the others, or all but the first would be repeats.
    bad = {f"line{125 * k + 63}": f'{{"model": "m{k:02}",' for k in range(40)}
    path = write(tmp_path, worker_ai(**bad))
    raw = read_jsonl(path, text_columns=TEXT)
    lines = [125 * k + 63 for k in range(40)]
    reason = "not valid JSON: Expecting property name enclosed in double quotes at column 17"
    assert raw.skipped == tuple(DataWarning(str(path), line, reason) for line in lines)
    assert (raw.lines, len(raw.frame)) == (5_000, 4_960)
    # 32 bad lines found one at a time, then the rest of the file read line by line.
    assert one_by_one == [line - 1 for line in lines[:32]] + list(range(lines[31], 5_000))
    assert_same_as_line_by_line(raw, path)


def test_bad_first_and_last_lines(tmp_path, one_by_one):
    path = write(tmp_path, worker_ai(line1="[1, 2]", line5000='{"model": "m",'))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [0, 4999]
    assert [(w.line, w.message) for w in raw.skipped] == [
        (1, "not a JSON object (got list)"),
        (5000, "not valid JSON: Expecting property name enclosed in double quotes at column 15"),
    ]
    assert raw.frame["line"].tolist() == list(range(2, 5000))
    assert_same_as_line_by_line(raw, path)


def test_two_bad_lines_together(tmp_path, one_by_one):
    path = write(tmp_path, worker_ai(line2501=CUT, line2502="42"))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [2500, 2501]
    assert [(w.line, w.message) for w in raw.skipped] == [
        (2501, CUT_REASON),
        (2502, "not a JSON object (got number)"),
    ]
    assert raw.frame["line"].iloc[2499:2501].tolist() == [2500, 2503]
    assert_same_as_line_by_line(raw, path)


def test_line_numbers_count_blank_lines(tmp_path, one_by_one):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n\n{bad\n  \n\n{"a": "x"}\n{"a": 3}\n')
    raw = read_jsonl(path, text_columns=[])
    # By index among non-blank lines: {bad, then {"a": 3}, where pyarrow, having read "x",
    # sees a change of type.
    assert one_by_one == [1, 3]
    assert raw.frame["line"].tolist() == [1, 6, 7]
    assert raw.frame["a"].tolist() == [1, "x", 3]
    assert [w.line for w in raw.skipped] == [3]
    assert raw.lines == 4
    assert_same_as_line_by_line(raw, path, [])


def test_two_objects_on_a_line_found_by_halving(tmp_path, one_by_one):
    # pyarrow reads this line as two rows and names no line: halves are read until one is left.
    path = write(tmp_path, worker_ai(line2501='{"a": 1} {"a": 2}'))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [2500]
    assert raw.skipped == (DataWarning(str(path), 2501, "not valid JSON: Extra data at column 10"),)
    assert len(raw.frame) == 4_999
    assert_same_as_line_by_line(raw, path)


def test_invalid_utf8_in_the_middle(tmp_path, one_by_one):
    lines = [line.encode() for line in worker_ai()]
    lines[2500] = b'{"model": "caf\xe9"}'
    path = tmp_path / "worker-ai.jsonl"
    path.write_bytes(b"\n".join(lines))
    raw = read_jsonl(path, text_columns=TEXT)
    assert one_by_one == [2500]
    assert [w.line for w in raw.skipped] == [2501]
    assert raw.skipped[0].message.startswith("not valid JSON:")
    assert_same_as_line_by_line(raw, path)


def test_a_field_first_seen_on_a_line_read_by_itself(tmp_path, one_by_one):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{"a": "x", "b": 2}\n{"c": 3, "a": 4}\n{"b": 5}\n')
    raw = read_jsonl(path, text_columns=[])
    assert one_by_one == [1]
    assert list(raw.frame.columns) == ["line", "a", "b", "c"]
    expected = pd.Series([np.nan, 2.0, np.nan, 5.0], name="b")
    pd.testing.assert_series_equal(raw.frame["b"], expected)
    assert_same_as_line_by_line(raw, path, [])


def test_a_text_column_written_as_numbers_then_as_text(tmp_path, one_by_one):
    lines = worker_ai(200)
    for i in range(100):
        lines[i] = json.dumps(dict(record(i), cost_estimate=i / 10000))
    path = write(tmp_path, lines)
    raw = read_jsonl(path, text_columns=TEXT)
    # Numbers in a text column are read as the text written, so no line is refused.
    assert one_by_one == []
    assert raw.frame["cost_estimate"].iloc[99:101].tolist() == ["0.0099", "$0.0100"]
    assert_same_as_line_by_line(raw, path)


def test_null_line_is_skipped(tmp_path):
    # pyarrow alone reads a null line as a record of nulls.
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\nnull\n{"a": 2}\n')
    raw = read_jsonl(path, text_columns=[])
    assert raw.frame["a"].tolist() == [1.0, 2.0]
    assert raw.frame["line"].tolist() == [1, 3]
    assert raw.skipped == (DataWarning(str(path), 2, "not a JSON object (got null)"),)


def test_integers_past_2_to_the_53(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"n": 9007199254740993}\n{"n": 1}\n')
    raw = read_jsonl(path, text_columns=[])
    # 2**53 + 1 lies halfway between two floats and rounds to the even one, 2**53.
    assert raw.frame["n"].tolist() == [9007199254740992.0, 1.0]


def test_nested_objects_are_kept_as_written(tmp_path):
    lines = worker_ai(line2501=json.dumps(dict(record(2500), meta={"k": 1})))
    path = write(tmp_path, lines)
    raw = read_jsonl(path, text_columns=TEXT)
    assert raw.frame["meta"].iat[2500] == {"k": 1}
    assert raw.frame["meta"].iat[0] is None
    assert_same_as_line_by_line(raw, path)


def test_columns_in_first_appearance_order_across_pyarrow_blocks(tmp_path):
    # The lines past pyarrow's 1 MiB block list their fields in another order; blocks read in
    # parallel would give that order about half the time.
    lines = [json.dumps({"a": i, "b": 1, "c": 2, "pad": "x" * 100}) for i in range(7_000)]
    lines += [json.dumps({"d": 1, "c": 2, "b": 1, "a": 3}) for _ in range(3_000)]
    path = write(tmp_path, lines)
    for _ in range(10):
        raw = read_jsonl(path, text_columns=[])
        assert list(raw.frame.columns) == ["line", "a", "b", "c", "pad", "d"]
