"""paperkit's Claude Code totals against an independent tool, ccusage, on real transcripts.

The transcripts are the shared fixtures (``../shared/fixtures/claude-code/``, real sessions
committed by three public projects; see their NOTICE.md). They are not in this repository, so
the test skips when the folder is absent.

The expected numbers were produced by ccusage 20.0.24 (npm ``ccusage``; its native binary for
linux-x64 was not published for 20.0.26), in a temporary folder outside the repository::

    mkdir -p cfg/projects && cp -r fixtures/claude-code/SET cfg/projects/SET
    CLAUDE_CONFIG_DIR=cfg npx ccusage claude daily --json --offline --timezone UTC

(``--mode calculate`` gives the same numbers: no transcript carries ``costUSD``). Each tuple is
one day of its ``daily`` array: date, inputTokens, outputTokens, cacheCreationTokens,
cacheReadTokens, totalCost. ccusage prices from its embedded LiteLLM table and genai-prices
from its own data; on these transcripts the rules agree (no request passes 200,000 input
tokens, so no long-context tier applies; no web search; 1-hour writes at twice the input
price in both), so the costs must agree too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from paperkit.importers import claude_code
from paperkit.logs.claude_code import load_claude_code
from paperkit.prices.claude_code import price_requests
from paperkit.spec.load import load_spec
from paperkit.tracking.init import init_experiment

FIXTURES = Path(
    os.environ.get(
        "PAPERKIT_CLAUDE_FIXTURES",
        Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "claude-code",
    )
)
if not FIXTURES.is_dir():  # also where the helpers' shared folder lives on this machine
    FIXTURES = Path("/work/shared/fixtures/claude-code")

CCUSAGE = {
    "sniffly": [
        ("2025-06-08", 205, 19035, 190624, 4257841, 2.2783322999999998),
        ("2025-06-10", 88, 278, 16000, 44544, 0.0777972),
    ],
    "spotter": [
        ("2026-02-10", 57, 225, 31531, 99746, 0.371093),
        ("2026-02-12", 2650, 49474, 255935, 16582902, 5.402879550000004),
    ],
    "claude-code-viewer": [
        ("2025-09-03", 93, 953, 12698, 103219, 0.09315720000000001),
    ],
}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="the shared Claude Code fixtures are absent")
@pytest.mark.parametrize("name", sorted(CCUSAGE))
def test_daily_totals_equal_ccusage(name: str, tmp_path: Path) -> None:
    spec_path = tmp_path / "experiments.yaml"
    init_experiment("dev", spec_path)
    claude_code.import_claude_code(spec_path, "dev", project_dir=FIXTURES / name)
    log = load_claude_code(tmp_path / ".claude" / "experiments" / "dev")
    assert log is not None and not log.warnings
    priced, _ = price_requests(log.requests, load_spec(spec_path))
    priced["date"] = priced["timestamp"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d")
    fields = ["input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"]
    days = priced.groupby("date")[[*fields, "cost_usd"]].sum()
    found = [
        (str(day), *(int(row[f]) for f in fields), float(row["cost_usd"]))
        for day, row in days.iterrows()
    ]
    assert [f[:5] for f in found] == [e[:5] for e in CCUSAGE[name]]
    for ours, theirs in zip(found, CCUSAGE[name], strict=True):
        assert ours[5] == pytest.approx(theirs[5], abs=1e-6)
    assert not pd.isna(priced["cost_usd"]).any()  # every model of these sets is known
