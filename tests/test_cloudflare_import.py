"""``paperkit import cloudflare``: the GraphQL importer against a fake API on 127.0.0.1.

The usage served is written out here, so every expected record is worked out by hand from it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_cloudflare import ACCOUNT, TOKEN, FakeCloudflare
from helpers import BGE, L8B, write_tree

from paperkit.errors import PaperkitError
from paperkit.importers.cloudflare import ANALYTICS_FILE, import_cloudflare
from paperkit.importers.cloudflare_api import CloudflareAPI

AI = "aiInferenceAdaptiveGroups"
WF = "workflowsAdaptiveGroups"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SPEC = """\
version: 1
root: runs
experiments:
  exp:
    start: 2026-11-20
    end: 2026-11-21
"""


def serve_usage(fake: FakeCloudflare) -> None:
    """The usage of 2026-11-20 and 21 (UTC), and one hour after the window."""
    ai = {"totalInferenceTimeMs": 100, "totalRequestBytesIn": 1}
    fake.add(AI, "2026-11-20T10:05:00Z", 3, modelId=L8B, totalInputTokens=3000,
             totalOutputTokens=300, totalNeurons=100, **ai)  # fmt: skip
    fake.add(AI, "2026-11-20T11:10:00Z", 2, modelId=L8B, totalInputTokens=2000,
             totalOutputTokens=200, totalNeurons=60, **ai)  # fmt: skip
    fake.add(AI, "2026-11-21T09:00:00Z", 4, modelId=L8B, totalInputTokens=4000,
             totalOutputTokens=400, totalNeurons=12000, **ai)  # fmt: skip
    fake.add(AI, "2026-11-20T10:30:00Z", 5, modelId=BGE, totalInputTokens=500,
             totalOutputTokens=0, totalNeurons=3, **ai)  # fmt: skip
    fake.add(AI, "2026-11-22T00:00:00Z", 7, modelId=L8B, totalInputTokens=9,
             totalOutputTokens=9, totalNeurons=9, **ai)  # fmt: skip
    flow = {"workflowName": "doc-pipeline"}
    fake.add(WF, "2026-11-20T10:00:00Z", 4, eventType="WORKFLOW_START", wallTime=0, **flow)
    fake.add(WF, "2026-11-20T10:20:00Z", 3, eventType="WORKFLOW_SUCCESS", wallTime=9000, **flow)
    fake.add(WF, "2026-11-20T10:25:00Z", 1, eventType="WORKFLOW_FAILURE", wallTime=5000, **flow)
    fake.add(WF, "2026-11-21T09:00:00Z", 2, eventType="WORKFLOW_START", wallTime=0, **flow)
    fake.add(WF, "2026-11-21T09:30:00Z", 2, eventType="WORKFLOW_SUCCESS", wallTime=4000, **flow)
    d1 = {"databaseId": "db1", "readQueries": 10, "writeQueries": 2, "rowsWritten": 5}
    fake.add("d1AnalyticsAdaptiveGroups", "2026-11-20T08:00:00Z", rowsRead=100, **d1)
    fake.add("r2OperationsAdaptiveGroups", "2026-11-20T08:00:00Z", actionType="PutObject",
             requests=3)  # fmt: skip
    fake.add("r2OperationsAdaptiveGroups", "2026-11-21T08:00:00Z", actionType="GetObject",
             requests=7)  # fmt: skip
    fake.add("kvOperationsAdaptiveGroups", "2026-11-21T08:00:00Z", actionType="read",
             requests=40)  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeCloudflare]:
    server = FakeCloudflare().start()
    serve_usage(server)
    yield server
    server.stop()


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    (tmp_path / "runs" / "exp").mkdir(parents=True)
    return tmp_path / "experiments.yaml"


def api(fake: FakeCloudflare, **extra: object) -> CloudflareAPI:
    settings: dict[str, object] = {"base": fake.base, "token": TOKEN, "account": ACCOUNT}
    settings.update(backoff=0.001)
    settings.update(extra)
    return CloudflareAPI(**settings)  # type: ignore[arg-type]


def run(spec: Path, client: CloudflareAPI, **extra: object):  # type: ignore[no-untyped-def]
    return import_cloudflare(spec, "exp", client, now=NOW, **extra)  # type: ignore[arg-type]


def records(spec: Path) -> list[dict]:
    text = (spec.parent / "runs" / "exp" / ANALYTICS_FILE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def group(dataset: str, period: str, dims: dict, sums: dict, count: int | None = None) -> dict:
    record = {"record": "group", "dataset": dataset, "sampled": True, "period": period}
    record.update(dimensions=dims, sum=sums)
    if count is not None:
        record["count"] = count
    return record


def test_every_dataset_is_imported_over_several_pages(spec: Path, fake: FakeCloudflare) -> None:
    result = run(spec, api(fake), page_size=2)
    lines = records(spec)
    headers = [r for r in lines if r["record"] == "dataset"]
    assert [h["dataset"] for h in headers] == [
        AI,
        WF,
        "d1AnalyticsAdaptiveGroups",
        "r2OperationsAdaptiveGroups",
        "kvOperationsAdaptiveGroups",
    ]
    assert headers[0]["since"] == "2026-11-20T00:00:00Z"
    assert headers[0]["until"] == "2026-11-22T00:00:00Z"
    assert headers[0]["fields"] == [
        "count",
        "sum.totalInputTokens",
        "sum.totalOutputTokens",
        "sum.totalNeurons",
        "sum.totalInferenceTimeMs",
    ]
    assert headers[0]["missing"] == ["dimensions.errorCode"]  # not in the fake's schema
    ai = [r for r in lines if r["record"] == "group" and r["dataset"] == AI]
    time = {"totalInferenceTimeMs": 100}
    # The four groups inside the window, by hour then model; 2026-11-22 is left out.
    assert ai == [
        group(AI, "2026-11-20T10:00:00Z", {"modelId": BGE},
              {"totalInputTokens": 500, "totalOutputTokens": 0, "totalNeurons": 3, **time}, 5),
        group(AI, "2026-11-20T10:00:00Z", {"modelId": L8B},
              {"totalInputTokens": 3000, "totalOutputTokens": 300, "totalNeurons": 100, **time}, 3),
        group(AI, "2026-11-20T11:00:00Z", {"modelId": L8B},
              {"totalInputTokens": 2000, "totalOutputTokens": 200, "totalNeurons": 60, **time}, 2),
        group(AI, "2026-11-21T09:00:00Z", {"modelId": L8B},
              {"totalInputTokens": 4000, "totalOutputTokens": 400, "totalNeurons": 12000,
               **time}, 4),
    ]  # fmt: skip
    # 4 groups at 2 a page: full, full, empty.
    pages = [r for r in fake.requests if r["body"] and f"rows: {AI}(" in r["body"]["query"]]
    assert len(pages) == 3
    assert result.groups == {
        AI: 4,
        WF: 5,
        "d1AnalyticsAdaptiveGroups": 1,
        "r2OperationsAdaptiveGroups": 2,
        "kvOperationsAdaptiveGroups": 1,
    }
    r2 = [r for r in lines if r.get("dataset") == "r2OperationsAdaptiveGroups"][1:]
    assert [(r["period"], r["dimensions"]["actionType"], r["class"], r["sum"]) for r in r2] == [
        ("2026-11-20", "PutObject", "A", {"requests": 3}),
        ("2026-11-21", "GetObject", "B", {"requests": 7}),
    ]
    d1 = [r for r in lines if r.get("dataset") == "d1AnalyticsAdaptiveGroups"][1]
    assert d1["period"] == "2026-11-20" and "count" not in d1
    assert d1["sum"] == {"readQueries": 10, "writeQueries": 2, "rowsRead": 100, "rowsWritten": 5}


def test_a_schema_without_neurons_asks_only_for_what_exists(
    spec: Path, fake: FakeCloudflare
) -> None:
    fake.schema["AccountAiInferenceAdaptiveGroupsSum"].remove("totalNeurons")
    result = run(spec, api(fake))
    header = records(spec)[0]
    assert "sum.totalNeurons" not in header["fields"]
    assert header["missing"] == ["dimensions.errorCode", "sum.totalNeurons"]
    assert result.missing[AI] == ("dimensions.errorCode", "sum.totalNeurons")
    assert all("totalNeurons" not in r.get("sum", {}) for r in records(spec)[1:5])


def test_reimporting_the_same_window_gives_the_same_bytes(spec: Path, fake: FakeCloudflare) -> None:
    run(spec, api(fake))
    path = spec.parent / "runs" / "exp" / ANALYTICS_FILE
    first = path.read_bytes()
    again = run(spec, api(fake), page_size=3)
    assert path.read_bytes() == first
    assert again.changed is False


def test_errors_in_a_200_answer_are_cloudflare_s_message(spec: Path, fake: FakeCloudflare) -> None:
    error = {"message": "quota exceeded for this account", "path": ["viewer", "accounts"]}
    fake.script += [None, (200, {"data": None, "errors": [error]})]  # after the settings
    with pytest.raises(PaperkitError) as caught:
        run(spec, api(fake))
    assert str(caught.value) == (
        "Cloudflare's GraphQL API answered: quota exceeded for this account (at viewer.accounts)"
    )


def test_a_refused_token_names_the_permission(spec: Path, fake: FakeCloudflare) -> None:
    with pytest.raises(PaperkitError) as caught:
        run(spec, api(fake, token="wrong-token"))
    assert str(caught.value) == (
        "Cloudflare refused the token (HTTP 401) (Authentication error): CLOUDFLARE_API_TOKEN "
        "needs the permission 'Account Analytics: Read' on account CLOUDFLARE_ACCOUNT_ID"
    )


def test_403_names_the_permission_too(spec: Path, fake: FakeCloudflare) -> None:
    fake.script.append((403, {"success": False, "errors": [{"message": "forbidden"}]}))
    with pytest.raises(PaperkitError, match=r"HTTP 403.*'Account Analytics: Read'"):
        run(spec, api(fake))


def test_rate_limiting_is_retried_then_succeeds(spec: Path, fake: FakeCloudflare) -> None:
    slept: list[float] = []
    depleted = {"data": None, "errors": [{"message": "rate limiter budget depleted, try later"}]}
    fake.script += [(429, "Too Many Requests"), (200, depleted)]
    run(spec, api(fake, backoff=0.5, sleep=slept.append))
    assert slept == [0.5, 1.0]  # backoff doubles
    assert len([r for r in records(spec) if r["record"] == "group"]) == 13


def test_rate_limiting_gives_up_after_the_retries(spec: Path, fake: FakeCloudflare) -> None:
    fake.script += [(429, "Too Many Requests")] * 3
    with pytest.raises(PaperkitError, match="rate limited \\(HTTP 429\\) after 3 attempts"):
        run(spec, api(fake, retries=2, sleep=lambda _: None))


def test_a_refused_connection_says_so(spec: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = CloudflareAPI(base=f"http://127.0.0.1:{port}", token=TOKEN, account=ACCOUNT)
    with pytest.raises(PaperkitError, match=f"cannot reach Cloudflare at http://127.0.0.1:{port}"):
        run(spec, client)


def test_a_window_older_than_cloudflare_keeps_is_refused(spec: Path, fake: FakeCloudflare) -> None:
    with pytest.raises(PaperkitError) as caught:
        import_cloudflare(spec, "exp", api(fake), now=datetime(2026, 12, 25, tzinfo=UTC))
    assert str(caught.value) == (
        "the window starts 2026-11-20T00:00:00Z, but Cloudflare keeps analytics for 31 days "
        "(nothing before 2026-11-24T00:00:00Z); import with --since 2026-11-25 or later, or "
        "rebuild from saved responses with --from-responses"
    )
    assert all("rows:" not in r["body"]["query"] for r in fake.requests)  # only the settings


def test_cloudflare_s_own_too_old_error_gets_a_hint(spec: Path, fake: FakeCloudflare) -> None:
    old = {"message": "cannot request data older than 2678400s"}
    fake.script += [None, (200, {"data": None, "errors": [old]})]
    with pytest.raises(PaperkitError, match="older than 2678400s; Cloudflare keeps"):
        run(spec, api(fake))


def test_a_failure_midway_leaves_the_earlier_file_untouched(
    spec: Path, fake: FakeCloudflare
) -> None:
    run(spec, api(fake))
    path = spec.parent / "runs" / "exp" / ANALYTICS_FILE
    before = path.read_bytes()
    fake.add(AI, "2026-11-21T10:00:00Z", 1, modelId=L8B, totalInputTokens=1,
             totalOutputTokens=1, totalNeurons=1, totalInferenceTimeMs=1)  # fmt: skip
    # Introspection and the AI page succeed; the Workflows query then fails.
    original = fake.graphql

    def failing(body: dict) -> tuple[int, object]:
        if f"rows: {WF}(" in body["query"]:
            return 500, {"errors": [{"message": "internal error"}]}
        return original(body)

    fake.graphql = failing  # type: ignore[method-assign]
    with pytest.raises(PaperkitError, match="HTTP 500"):
        run(spec, api(fake))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [ANALYTICS_FILE]  # no temp file


def test_the_token_is_written_nowhere(spec: Path, fake: FakeCloudflare, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    run(spec, api(fake, save=saved))
    fake.script.append((401, {"success": False, "errors": [{"message": f"bad {TOKEN}"}]}))
    with pytest.raises(PaperkitError) as caught:
        run(spec, api(fake))
    messages = [str(caught.value)]
    with pytest.raises(PaperkitError) as refused:
        run(spec, CloudflareAPI(base="http://127.0.0.1:9", token=TOKEN, account=ACCOUNT))
    messages.append(str(refused.value))
    assert all(TOKEN not in m for m in messages)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 5
    assert all(TOKEN.encode() not in p.read_bytes() for p in files)
    # ...yet it was sent, as a bearer token.
    assert fake.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_saved_responses_replay_without_network(
    spec: Path, fake: FakeCloudflare, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    run(spec, api(fake, save=saved))
    path = spec.parent / "runs" / "exp" / ANALYTICS_FILE
    online = path.read_bytes()
    path.unlink()
    offline = CloudflareAPI(
        base="http://127.0.0.1:9", token=None, account="{account}", replay=saved
    )
    # Long after the data expired: a replay is not limited by Cloudflare's retention.
    import_cloudflare(spec, "exp", offline, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert path.read_bytes() == online


def test_a_replay_missing_a_response_says_which(spec: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    offline = CloudflareAPI(token=None, account="x", replay=tmp_path / "empty")
    with pytest.raises(PaperkitError, match="no saved response for POST /client/v4/graphql"):
        run(spec, offline)


def test_the_account_can_come_from_the_spec(spec: Path, fake: FakeCloudflare) -> None:
    with pytest.raises(PaperkitError) as caught:
        run(spec, api(fake, account=None))
    assert str(caught.value) == (
        "no Cloudflare account id: set CLOUDFLARE_ACCOUNT_ID (the id in your dashboard's URL) "
        "or cloudflare.account_id in experiments.yaml"
    )
    spec.write_text(SPEC + f"cloudflare: {{account_id: {ACCOUNT}}}\n", encoding="utf-8")
    assert run(spec, api(fake, account=None)).groups[AI] == 4


def test_a_damaged_line_of_the_analytics_file_is_skipped_and_reported(
    spec: Path, fake: FakeCloudflare
) -> None:
    from paperkit.build import render_experiment
    from paperkit.spec.load import load_spec

    run(spec, api(fake))
    path = spec.parent / "runs" / "exp" / ANALYTICS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2][:40] + "\n"  # the second Workers AI group, cut short
    path.write_text("".join(lines), encoding="utf-8")
    result = render_experiment(load_spec(spec), "exp")
    assert [str(w) for w in result.warnings] == [
        # '{"count":3,"dataset":' is 21 characters: the cut string opens at column 22.
        "runs/exp/cloudflare-analytics.jsonl:3: not valid JSON: Unterminated string starting at "
        "column 22"
    ]
    # The three other groups are still counted: 5 + 2 + 4 calls.
    assert result.metrics.values["analytics.ai.calls"] == 11


def test_the_account_s_own_limits_are_respected(spec: Path, fake: FakeCloudflare) -> None:
    fake.settings[AI] = {"maxPageSize": 2, "notOlderThan": 86_400 * 31}
    run(spec, api(fake))  # asks for 10,000 a page, but Cloudflare allows 2
    pages = [r for r in fake.requests if r["body"] and f"rows: {AI}(" in r["body"]["query"]]
    assert [f"{AI}(limit: 2," in p["body"]["query"] for p in pages] == [True, True, True]
    header = records(spec)[0]
    assert (header["max_page_size"], header["limits_from_settings"]) == (2, True)
    fake.settings[WF] = {"maxPageSize": 10_000, "notOlderThan": 86_400 * 7}
    with pytest.raises(PaperkitError) as caught:
        run(spec, api(fake))
    # 2026-11-30T12:00 less 7 days is 2026-11-23T12:00.
    assert str(caught.value).startswith(
        "the window starts 2026-11-20T00:00:00Z, but Cloudflare keeps analytics for 7 days "
        "(nothing before 2026-11-23T12:00:00Z); import with --since 2026-11-24 or later"
    )


def test_without_a_settings_node_the_documented_limits_stand_in(
    spec: Path, fake: FakeCloudflare
) -> None:
    fake.settings["kvOperationsAdaptiveGroups"] = None  # the whole settings query then fails
    run(spec, api(fake))
    header = records(spec)[0]
    assert header["max_page_size"] == 10_000
    assert header["retention_days"] == 31
    assert header["limits_from_settings"] is False
