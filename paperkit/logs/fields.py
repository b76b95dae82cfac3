"""Which log fields hold numbers, money and durations, and the name of the session log.

Plain data, with nothing heavy imported: the reader (``paperkit.logs.load``) types its columns
with these tables, and ``paperkit log`` checks a value with the same ones without loading
pandas, so ``paperkit log`` and ``paperkit init`` start quickly.
"""

from __future__ import annotations

LOG_MD = "log.md"
NUMBERS = frozenset(
    "iteration input_tokens output_tokens latency_ms duration_ms steps steps_succeeded"
    " steps_failed cpu_ms rows_read rows_written reads writes deletes lists class_a_ops"
    " class_b_ops fix_prompts".split()
)
# Numbers that may be negative: a score and its scale (-2 to 2 is a scale).
SIGNED = frozenset({"score", "min", "max"})
FLAGS = frozenset({"success", "blind"})
# quality.jsonl: what a pairwise judgement may prefer, and how an LLM judge's rater id starts.
PREFERENCES = ("model", "baseline", "tie")
LLM_PREFIX = "llm:"
MONEY = {"cost_logged": "cost_estimate"} | {
    name: name
    for name in (
        "worker_ai_cost workflows_cost d1_cost kv_cost r2_cost claude_code_cost total_cost"
    ).split()
}
DURATIONS = {"time_spent_min": "time_spent", "fix_time_min": "fix_time"}
