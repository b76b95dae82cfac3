"""Pricing Claude Code's requests one by one (``paperkit.prices.claude_code``).

Expected costs are worked by hand from Anthropic's published per-million-token prices
(https://docs.anthropic.com/en/docs/about-claude/pricing): Claude Sonnet 4 input $3, output
$15, 5-minute cache write $3.75, 1-hour cache write $6, cache read $0.30, web search $10 per
1,000; Claude Sonnet 4.5 the same up to 200K input tokens and, above, input $6, output $22.50,
cache read $0.60 for the whole request.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from paperkit.importers import claude_code
from paperkit.logs.claude_code import load_claude_code
from paperkit.prices.claude_code import price_requests
from paperkit.spec.load import load_spec
from paperkit.tracking.init import init_experiment

PROJECT = Path(__file__).parent / "fixtures" / "claude-code" / "-home-dev-demo"


def fixture_requests(tmp_path: Path, spec_text: str | None = None) -> pd.DataFrame:
    spec_path = tmp_path / "experiments.yaml"
    init_experiment("demo", spec_path)
    if spec_text is not None:
        spec_path.write_text(spec_text, encoding="utf-8")
    claude_code.import_claude_code(spec_path, "demo", project_dir=PROJECT)
    log = load_claude_code(tmp_path / ".claude" / "experiments" / "demo")
    assert log is not None
    priced, _ = price_requests(log.requests, load_spec(spec_path))
    return priced.set_index("key")


def test_each_request_is_priced_with_its_cache_writes_and_searches(tmp_path: Path) -> None:
    priced = fixture_requests(tmp_path)
    cost = priced["cost_usd"]
    # msg_A: 3 x 3 + 1,000 (5m) x 3.75 + 2,000 x 0.30 + 120 x 15, per million = 0.006159
    assert cost["msg_A:req_A"] == pytest.approx(0.006159, abs=1e-12)
    # msg_B: 10 x 3 + 4,000 (1h) x 6 + 3,000 x 0.30 + 200 x 15 = 0.02793, + 1 search 0.01
    assert cost["msg_B:req_B"] == pytest.approx(0.03793, abs=1e-12)
    # msg_S: no 5m/1h split, so all 500 written tokens at the 5-minute rate:
    # 20 x 3 + 500 x 3.75 + 40 x 15 = 0.002535
    assert cost["msg_S:req_S"] == pytest.approx(0.002535, abs=1e-12)
    assert cost["msg_D"] == pytest.approx(0.000465, abs=1e-12)  # 5 x 3 + 1,000 x 0.3 + 10 x 15
    assert cost["msg_F:req_F"] == pytest.approx(0.000018, abs=1e-12)  # 1 x 3 + 1 x 15


def test_unknown_models_and_api_errors_are_unpriced_not_free(tmp_path: Path) -> None:
    priced = fixture_requests(tmp_path)
    for key in ("msg_E", "msg_C:req_C"):  # <synthetic> and claude-future-9
        assert math.isnan(priced.loc[key, "cost_usd"])
        assert priced.loc[key, "cost_source"] == "unpriced"
    assert (priced["cost_source"] == "price data").sum() == 5


def test_the_spec_prices_an_unknown_model_without_cache_tokens(tmp_path: Path) -> None:
    spec = (
        "version: 1\npricing:\n  models:\n    claude-future-9:\n      input_per_mtok: 2\n"
        "      output_per_mtok: 10\n      source: https://example.com/prices\n"
        "experiments:\n  demo: {}\n"
    )
    priced = fixture_requests(tmp_path, spec)
    # 100 x 2 + 50 x 10, per million
    assert priced.loc["msg_C:req_C", "cost_usd"] == pytest.approx(0.0007, abs=1e-12)
    assert priced.loc["msg_C:req_C", "cost_source"] == "spec"


def test_the_long_context_tier_applies_to_the_whole_request(tmp_path: Path) -> None:
    request = {
        "line": 1,
        "timestamp": pd.Timestamp("2025-10-01T12:00:00Z"),
        "key": "k",
        "model": "claude-sonnet-4-5-20250929",
        "input_tokens": 10.0,
        "output_tokens": 100.0,
        "cache_write_tokens": 0.0,
        "cache_write_1h_tokens": float("nan"),
        "cache_read_tokens": 250_000.0,
        "web_search_requests": 0.0,
    }
    (tmp_path / "experiments.yaml").write_text("version: 1\nexperiments: {}\n", encoding="utf-8")
    spec = load_spec(tmp_path / "experiments.yaml")
    priced, infos = price_requests(pd.DataFrame([request]), spec)
    # 250,010 input tokens pass 200K, so every token is at the higher rate:
    # 10 x 6 + 250,000 x 0.60 + 100 x 22.50, per million = 0.15231 (ccusage, which tiers
    # each field past its first 200K tokens, would give 0.09153).
    assert priced["cost_usd"].iat[0] == pytest.approx(0.15231, abs=1e-12)
    assert infos[0].source.endswith("matched to its entry claude-sonnet-4-5")


def test_a_fast_mode_request_is_unpriced(tmp_path: Path) -> None:
    # Fast mode bills a multiple of the standard price that genai-prices does not hold, so the
    # standard price would understate it: the request is unpriced instead.
    request = {
        "line": 1,
        "timestamp": pd.Timestamp("2026-02-12T12:00:00Z"),
        "key": "k",
        "model": "claude-opus-4-6",
        "input_tokens": 10.0,
        "output_tokens": 100.0,
        "cache_write_tokens": 0.0,
        "cache_write_1h_tokens": float("nan"),
        "cache_read_tokens": 0.0,
        "web_search_requests": 0.0,
        "speed": "fast",
    }
    (tmp_path / "experiments.yaml").write_text("version: 1\nexperiments: {}\n", encoding="utf-8")
    standard = dict(request, key="s", speed="standard")
    priced, infos = price_requests(
        pd.DataFrame([request, standard]), load_spec(tmp_path / "experiments.yaml")
    )
    assert math.isnan(priced["cost_usd"].iat[0]) and priced["cost_source"].iat[0] == "unpriced"
    assert priced["cost_usd"].iat[1] == pytest.approx(0.00255, abs=1e-12)  # 10 x 5 + 100 x 25
    assert infos[0].source.endswith("; 1 fast-mode requests unpriced (no fast-mode price)")
