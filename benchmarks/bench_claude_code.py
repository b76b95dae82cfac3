#!/usr/bin/env python3
"""Time `paperkit import claude-code` on a large synthetic transcript folder.

Generates, in a temporary directory, a Claude Code project folder of about --megabytes MB
(default 200): sessions of user prompts, assistant responses written as several streaming
records per API request (the partial ones first), tool results carrying file contents, progress
and snapshot records, and a subagent file per few sessions replaying a main-thread record.
The shapes follow real transcripts (docs/claude-code.md); the text is filler. It then runs
`python -m paperkit import claude-code bench --project-dir <folder>` as a subprocess, each time
into a fresh experiment (one warm-up, then --repeat timed runs), and reports the median, min and
max wall time against --target. A report, not a test: it exits 0 whether or not the target is
met, and 1 only if the import fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = "bench"
SPEC = "version: 1\nroot: .claude/experiments\nexperiments:\n  bench: {}\n"
START = datetime(2026, 2, 1, 9, tzinfo=UTC)
MODELS = ("claude-opus-4-6", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")
TOOLS = ("Bash", "Read", "Edit", "Grep", "Glob", "Write")
WORDS = "the cache worker returns a summary of each document and logs its tokens".split()


def _text(rng: random.Random, size: int) -> str:
    words = []
    length = 0
    while length < size:
        word = WORDS[rng.randrange(len(WORDS))]
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def _line(record: dict) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


class _Session:
    """Writes one session's records, keeping the envelope fields and the clock."""

    def __init__(self, rng: random.Random, session: str, when: datetime, sidechain: bool) -> None:
        self.rng, self.session, self.when, self.sidechain = rng, session, when, sidechain
        self.count = 0

    def envelope(self, kind: str) -> dict:
        self.count += 1
        self.when += timedelta(seconds=self.rng.randint(1, 40))
        return {
            "parentUuid": f"{self.session}-{self.count - 1}",
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": "/home/dev/bench",
            "sessionId": self.session,
            "version": "2.1.38",
            "gitBranch": "main",
            "type": kind,
            "uuid": f"{self.session}-{self.count}",
            "timestamp": self.when.strftime("%Y-%m-%dT%H:%M:%S.") + "000Z",
        }

    def prompt(self) -> str:
        record = self.envelope("user")
        record["message"] = {"role": "user", "content": _text(self.rng, 200)}
        return _line(record)

    def request(self, number: int) -> list[str]:
        """The records of one API response: one per content block, output growing."""
        rng = self.rng
        model = MODELS[number % len(MODELS)]
        usage = {
            "input_tokens": rng.randint(1, 10),
            "cache_creation_input_tokens": rng.randint(0, 20_000),
            "cache_read_input_tokens": rng.randint(10_000, 150_000),
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 0,
            "service_tier": "standard",
        }
        usage["cache_creation"]["ephemeral_1h_input_tokens"] = usage["cache_creation_input_tokens"]
        blocks = [{"type": "text", "text": _text(rng, rng.randint(200, 2000))}]
        blocks += [
            {
                "type": "tool_use",
                "id": f"toolu_{self.session}_{number}_{i}",
                "name": TOOLS[rng.randrange(len(TOOLS))],
                "input": {"command": _text(rng, 80)},
            }
            for i in range(rng.randint(0, 3))
        ]
        lines = []
        final = rng.randint(50, 2000)
        for index, block in enumerate(blocks):
            record = self.envelope("assistant")
            partial = dict(usage, output_tokens=final if index == len(blocks) - 1 else 8)
            record["message"] = {
                "model": model,
                "id": f"msg_{self.session}_{number}",
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": None,
                "usage": partial,
            }
            record["requestId"] = f"req_{self.session}_{number}"
            lines.append(_line(record))
            if block["type"] == "tool_use":
                result = self.envelope("user")
                result["message"] = {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": block["id"],
                            "content": _text(rng, rng.randint(500, 8000)),
                        }
                    ],
                }
                lines.append(_line(result))
        if rng.random() < 0.3:
            progress = self.envelope("progress")
            progress["data"] = {"type": "hook_progress", "hookName": "PostToolUse"}
            lines.append(_line(progress))
        return lines


def generate(folder: Path, megabytes: float, seed: int = 11) -> tuple[int, int]:
    """Write the project folder; return (files, bytes). The same bytes on every run."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written = files = 0
    number = 0
    while written < target:
        session = f"{number:08d}-0000-4000-8000-000000000000"
        when = START + timedelta(hours=number * 3)
        main = _Session(rng, session, when, sidechain=False)
        lines = []
        for turn in range(rng.randint(20, 60)):
            lines.append(main.prompt())
            for step in range(rng.randint(2, 8)):
                lines.extend(main.request(turn * 10 + step))
        data = "".join(lines).encode()
        (folder / f"{session}.jsonl").write_bytes(data)
        written += len(data)
        files += 1
        if number % 4 == 0:
            sub = _Session(rng, session, main.when, sidechain=True)
            agent = [line for step in range(40) for line in sub.request(10_000 + step)]
            agent += main.request(0)[:1]  # a main-thread record replayed by the subagent
            data = "".join(agent).encode()
            subagents = folder / session / "subagents"
            subagents.mkdir(parents=True)
            (subagents / f"agent-{number:04d}.jsonl").write_bytes(data)
            written += len(data)
            files += 1
        number += 1
    return files, written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=200.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = root / "transcripts"
        project.mkdir()
        started = time.perf_counter()
        files, size = generate(project, args.megabytes)
        print(
            f"generated {files} transcripts, {size / 1e6:.1f} MB, in "
            f"{time.perf_counter() - started:.1f} s"
        )
        (root / "experiments.yaml").write_text(SPEC, encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "paperkit",
            "import",
            "claude-code",
            NAME,
            "--project-dir",
            str(project),
            "--spec",
            str(root / "experiments.yaml"),
        ]
        times = []
        for run in range(args.repeat + 1):
            folder = root / ".claude" / "experiments" / NAME
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            if run == 0:
                print(done.stderr.strip().splitlines()[-1])
            else:
                times.append(elapsed)
        median = statistics.median(times)
        print(
            f"paperkit import claude-code: median {median:.2f} s, min {min(times):.2f} s, "
            f"max {max(times):.2f} s over {len(times)} runs (after 1 warm-up) "
            f"on {platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs"
        )
        print(f"target {args.target:.0f} s: {'PASS' if median <= args.target else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
