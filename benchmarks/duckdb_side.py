#!/usr/bin/env python3
"""DuckDB's side of bench_scale.py: paperkit's per-model and workflow aggregates, as JSON.

Usage: ``python duckdb_side.py FOLDER`` where FOLDER holds worker-ai.jsonl and workflows.jsonl
(or the folders worker-ai/ and workflows/ of JSONL files, as paperkit reads them).
A line DuckDB cannot read (the generator writes one truncated and one blank line) is skipped,
as paperkit skips it. Quantiles are ``quantile_cont``: linear interpolation, as pandas' default
and paperkit's. Prints one JSON object: ``{"metrics": {...}, "models": {model: {...}}}`` named
as in results.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

AI_COLUMNS = (
    "{'model': 'VARCHAR', 'input_tokens': 'DOUBLE', 'output_tokens': 'DOUBLE',"
    " 'latency_ms': 'DOUBLE', 'success': 'BOOLEAN'}"
)
WF_COLUMNS = (
    "{'execution_id': 'VARCHAR', 'duration_ms': 'DOUBLE', 'steps': 'DOUBLE', 'success': 'BOOLEAN'}"
)
RATE = "count(*) FILTER (success) / count(success)"
MODEL_KEYS = (
    "calls input_tokens_mean output_tokens_mean latency_ms_mean latency_ms_p50 latency_ms_p95"
    " success_rate"
).split()
MODEL_SQL = f"""
SELECT model, count(*), avg(input_tokens), avg(output_tokens), avg(latency_ms),
       quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95), {RATE}
FROM ai GROUP BY model ORDER BY model"""
AI_KEYS = (
    "ai.calls ai.succeeded ai.input_tokens ai.output_tokens ai.latency_ms.mean ai.latency_ms.p50"
    " ai.latency_ms.p95 ai.latency_ms.p99 ai.success_rate"
).split()
AI_SQL = f"""
SELECT count(*), count(*) FILTER (success), sum(input_tokens), sum(output_tokens),
       avg(latency_ms), quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95),
       quantile_cont(latency_ms, 0.99), {RATE}
FROM ai"""
WF_KEYS = (
    "workflows.executions workflows.succeeded workflows.success_rate workflows.duration_s.mean"
    " workflows.duration_s.p50 workflows.duration_s.p95 workflows.steps.mean"
).split()
WF_SQL = f"""
SELECT count(*), count(*) FILTER (success), {RATE}, avg(duration_ms / 1000),
       quantile_cont(duration_ms / 1000, 0.5), quantile_cont(duration_ms / 1000, 0.95),
       avg(steps)
FROM wf"""


def source(folder: Path, log: str, columns: str) -> str:
    """DuckDB's reader of one log: ``LOG.jsonl`` and the files of the folder ``LOG/``, the
    files paperkit reads."""
    paths = [folder / f"{log}.jsonl"] if (folder / f"{log}.jsonl").exists() else []
    paths += sorted((folder / log).glob("*.jsonl")) if (folder / log).is_dir() else []
    listed = ", ".join(f"'{path}'" for path in paths)
    return (
        f"read_json([{listed}], format='newline_delimited', ignore_errors=true, columns={columns})"
    )


def main(folder: str) -> dict:
    con = duckdb.connect()
    ai = source(Path(folder), "worker-ai", AI_COLUMNS)
    wf = source(Path(folder), "workflows", WF_COLUMNS)
    # paperkit skips a record without its model or execution id (and a line that is no record).
    con.execute(f"CREATE TEMP TABLE ai AS SELECT * FROM {ai} WHERE model IS NOT NULL")
    con.execute(f"CREATE TEMP TABLE wf AS SELECT * FROM {wf} WHERE execution_id IS NOT NULL")
    models = {
        row[0]: dict(zip(MODEL_KEYS, row[1:], strict=True))
        for row in con.execute(MODEL_SQL).fetchall()
    }
    metrics = dict(zip(AI_KEYS, con.execute(AI_SQL).fetchone(), strict=True))
    metrics |= dict(zip(WF_KEYS, con.execute(WF_SQL).fetchone(), strict=True))
    return {"metrics": metrics, "models": models}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
