"""``paperkit import cloudflare NAME && paperkit build NAME`` against the fake API: the paper's
"Logs against Cloudflare's analytics" section and the ``analytics.*`` metrics, by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_cloudflare import ACCOUNT, TOKEN, FakeCloudflare
from helpers import BGE, L8B, jsonl, write_tree
from test_cloudflare_import import serve_usage

import paperkit.importers.cloudflare
import paperkit.measure.neurons
from paperkit.cli import cli

SPEC = f"""\
version: 1
root: runs
billing: {{plan: paid, apply_allowances: true}}
pricing:
  models:
    "{L8B}": {{input_per_mtok: 1.0, output_per_mtok: 2.0, source: test}}
    "{BGE}": {{input_per_mtok: 0.2, output_per_mtok: 0.0, source: test}}
experiments:
  exp:
    start: 2026-11-20
    end: 2026-11-21
"""


def call(model: str, day: int, minute: int, tokens_in: int, tokens_out: int | None) -> dict:
    record = {"timestamp": f"2026-11-{day}T10:{minute:02d}:00Z", "model": model}
    record.update(input_tokens=tokens_in, success=True, latency_ms=500)
    if tokens_out is not None:
        record["output_tokens"] = tokens_out
    return record


# The logs: 8b 5 calls on the 20th and 3 on the 21st (1,000 in, 100 out each); bge 5 calls of
# 100 tokens on the 20th. Workflows: 4 executions on the 20th (one failed; 3, 3, 3 and 5 s),
# 2 on the 21st (2 and 2.5 s).
AI_LOG = (
    [call(L8B, 20, m, 1000, 100) for m in range(5)]
    + [call(L8B, 21, m, 1000, 100) for m in range(3)]
    + [call(BGE, 20, m, 100, None) for m in range(5)]
)
RUNS = [(20, 3000, True), (20, 3000, True), (20, 3000, True), (20, 5000, False)]
RUNS += [(21, 2000, True), (21, 2500, True)]
WF_LOG = [
    {"timestamp": f"2026-11-{day}T10:0{n}:00Z", "workflow_name": "doc-pipeline"}
    | {"execution_id": f"e{n}", "duration_ms": ms, "success": ok}
    for n, (day, ms, ok) in enumerate(RUNS)
]


@pytest.fixture
def fake() -> Iterator[FakeCloudflare]:
    server = FakeCloudflare().start()
    serve_usage(server)
    yield server
    server.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeCloudflare) -> Path:
    write_tree(
        tmp_path,
        {
            "experiments.yaml": SPEC,
            "runs/exp/worker-ai.jsonl": jsonl(*AI_LOG),
            "runs/exp/workflows.jsonl": jsonl(*WF_LOG),
        },
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLOUDFLARE_API_BASE", fake.base)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    monkeypatch.setattr(paperkit.importers.cloudflare, "_now", lambda: now)
    return tmp_path


def section(paper: str) -> str:
    start = paper.index("### Logs against Cloudflare's analytics")
    return paper[start : paper.index("<!-- paperkit:end", start)]


EXPECTED = f"""\
**Workers AI, per model and day** (logged / Cloudflare):

| Model | Day | Calls | Input tokens | Output tokens | Neurons | |
|---|---|---:|---:|---:|---:|---|
| {BGE} | 2026-11-20 | 5 / 5 | 500 / 500 | n/a / 0 | 3 |  |
| {L8B} | 2026-11-20 | 5 / 5 | 5,000 / 5,000 | 500 / 500 | 160 |  |
| {L8B} | 2026-11-21 | 3 / 4 | 3,000 / 4,000 | 300 / 400 | 12,000 | ⚠️ gap |
"""
# 8b on the 21st: 3 against 4 calls is a gap of 1/4 = 25% > 5%. Neurons: 100 + 60 on the 20th.

COST = (
    # 100 + 60 + 12,000 + 3 = 12,163 neurons x $0.011/1,000 = $0.133793; tokens: 8b
    # 8,000 x $1/M + 800 x $2/M = $0.0096, bge 500 x $0.2/M = $0.0001, together $0.0097.
    "12,163 neurons at $0.011 per 1,000 neurons come to $0.1338, against $0.0097 for the "
    "logged calls priced by their tokens. "
    # UTC days: the 20th has 163 neurons (free); the 21st 12,000 - 10,000 = 2,000 x $0.011/1,000.
    "After the 10,000 free neurons of each UTC day: $0.0220."
)
# bge's 3 neurons cost 3 x $0.011 / 1,000 = $0.000033: a cost, too small for four places.
COST_ROWS = f"""\
| {BGE} | 3 | <$0.0001 | $0.0001 |
| {L8B} | 12,160 | $0.1338 | $0.0096 |
"""
WORKFLOWS = """\
| doc-pipeline | 2026-11-20 | 4 / 4 | 1 / 1 | 3.50 s / 3.50 s |  |
| doc-pipeline | 2026-11-21 | 2 / 2 | 0 / 0 | 2.25 s / 2.00 s | ⚠️ gap |
"""
# The 20th: (3+3+3+5)/4 = 3.5 s logged; wallTime (9,000 + 5,000) ms / (3 + 1) ends = 3.5 s.
# The 21st: (2 + 2.5)/2 = 2.25 s against 4,000 ms / 2 = 2.0 s, a gap of 0.25/2.25 = 11%.


def test_import_then_build_gives_the_section_by_hand(project: Path) -> None:
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", "cloudflare", "exp"])
    assert imported.exit_code == 0, imported.output
    assert imported.stderr == (
        "exp: wrote runs/exp/cloudflare-analytics.jsonl (aiInferenceAdaptiveGroups 4, "
        "workflowsAdaptiveGroups 5, d1AnalyticsAdaptiveGroups 1, r2OperationsAdaptiveGroups 2, "
        "kvOperationsAdaptiveGroups 1 groups, sampled); not in Cloudflare's schema: "
        "dimensions.errorCode\n"
    )
    built = runner.invoke(cli, ["build", "exp"])
    assert built.exit_code == 0, built.output
    text = section((project / "runs/exp/PAPER.md").read_text(encoding="utf-8"))
    assert "from 2026-11-20T00:00:00Z to 2026-11-22T00:00:00Z" in text
    assert "(`reconcile_tolerance`); 2 rows flagged." in text
    assert EXPECTED in text
    assert COST in text
    assert COST_ROWS in text
    assert WORKFLOWS in text
    assert "not available: error code (errorCode)" in text
    paper = (project / "runs/exp/PAPER.md").read_text(encoding="utf-8")
    assert (
        "❌ That the logs hold everything Cloudflare ran: 1 Workers AI model-day and 1 "
        "workflow-day differ from Cloudflare's (sampled) analytics by more than 5% (see Logs "
        "against Cloudflare's analytics)\n" in paper
    )

    results = json.loads((project / "runs/exp/results.json").read_text(encoding="utf-8"))
    metrics = {k: v for k, v in results["metrics"].items() if k.startswith("analytics.")}
    assert metrics == {
        "analytics.ai.calls": 3 + 2 + 4 + 5,
        "analytics.ai.input_tokens": 3000 + 2000 + 4000 + 500,
        "analytics.ai.output_tokens": 300 + 200 + 400,
        "analytics.ai.neurons": 12163,
        "analytics.ai.cost_usd": pytest.approx(12163 * 0.011 / 1000),
        "analytics.workflows.executions": 4 + 2,
        "analytics.workflows.failed": 1,
    }
    assert results["analytics"]["cost_after_allowance_usd"] == pytest.approx(0.022)
    assert results["analytics"]["ai_by_model_day"][2]["calls"] == {
        "logged": 3,
        "cloudflare": 4,
        "flagged": True,
    }
    provenance = results["provenance"]["files"]["cloudflare-analytics.jsonl"]
    assert provenance["records"] == 5 + 13  # a dataset record each, and 13 groups


def test_without_neurons_the_cost_is_not_available(project: Path, fake: FakeCloudflare) -> None:
    fake.schema["AccountAiInferenceAdaptiveGroupsSum"].remove("totalNeurons")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "cloudflare", "exp"]).exit_code == 0
    assert runner.invoke(cli, ["build", "exp"]).exit_code == 0
    text = section((project / "runs/exp/PAPER.md").read_text(encoding="utf-8"))
    assert (
        "**Workers AI cost from Cloudflare's neurons:** not available: Cloudflare's schema has "
        "no totalNeurons, so Workers AI is not priced from neurons." in text
    )
    assert "not available: error code (errorCode), neurons (totalNeurons)." in text
    results = json.loads((project / "runs/exp/results.json").read_text(encoding="utf-8"))
    assert results["metrics"]["analytics.ai.neurons"] is None
    assert results["metrics"]["analytics.ai.cost_usd"] is None
    assert results["metrics"]["analytics.ai.calls"] == 14


def test_a_criterion_can_use_an_analytics_metric(project: Path) -> None:
    spec = SPEC + (
        "    criteria:\n"
        '      - {text: "Cloudflare saw the calls", metric: analytics.ai.calls, '
        'op: ">=", target: 14}\n'
    )
    (project / "experiments.yaml").write_text(spec, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "cloudflare", "exp"]).exit_code == 0
    built = runner.invoke(cli, ["build", "exp"])
    assert built.exit_code == 0, built.output
    paper = (project / "runs/exp/PAPER.md").read_text(encoding="utf-8")
    assert "| Cloudflare saw the calls | >= 14 | 14 | exact | n/a | ✅ pass |" in paper


def test_a_failed_import_prints_one_line_and_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "not-the-token")
    result = CliRunner().invoke(cli, ["import", "cloudflare", "exp"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Cloudflare refused the token (HTTP 401) (Authentication error): "
        "CLOUDFLARE_API_TOKEN needs the permission 'Account Analytics: Read' on account "
        "CLOUDFLARE_ACCOUNT_ID\n"
    )
    assert not (project / "runs/exp/cloudflare-analytics.jsonl").exists()


def test_free_neurons_are_taken_off_per_utc_day() -> None:
    import pandas as pd

    from paperkit.prices.allowances import load_plan

    # 6,000 + 6,000 neurons on 2026-11-20 (UTC), 3,000 on the 21st.
    stamps = ["2026-11-20T01:00:00Z", "2026-11-20T23:00:00Z", "2026-11-21T00:00:00Z"]
    cf = pd.DataFrame({"period": pd.to_datetime(stamps, utc=True), "neurons": [6e3, 6e3, 3e3]})
    paid = load_plan("paid")
    rate = paid.usd_per_neuron
    allowance = paid.get("workers_ai", "neurons")
    assert allowance is not None
    after, over = paperkit.measure.neurons.after_allowance(cf, allowance, rate)
    assert (after, over) == (pytest.approx(2000 * 0.011 / 1000), None)  # 12,000 - 10,000
    free = load_plan("free").get("workers_ai", "neurons")
    assert free is not None
    assert paperkit.measure.neurons.after_allowance(cf, free, rate) == (0.0, 2000.0)


def test_saved_responses_rebuild_the_file_offline_from_the_command_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    saved = runner.invoke(cli, ["import", "cloudflare", "exp", "--save-responses", "saved"])
    assert saved.exit_code == 0, saved.output
    path = project / "runs/exp/cloudflare-analytics.jsonl"
    online = path.read_bytes()
    path.unlink()
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLOUDFLARE_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    offline = runner.invoke(cli, ["import", "cloudflare", "exp", "--from-responses", "saved"])
    assert offline.exit_code == 0, offline.output
    assert path.read_bytes() == online
