"""The example's PAPER.html in a real browser: headless Chromium, driven with Playwright.

The page must open offline with no console error, draw every chart with a non-empty plot whose
numbers are the Mermaid block's, and render its tables. A screenshot is saved (its path is
printed) for a person to look at. The system's Chromium is used, never a downloaded one:
``.ci/run`` installs Debian's package; without it the test skips locally and fails in CI.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkit.cli import cli
from paperkit.paper.svg import parse
from tests.helpers import L8B, build, jsonl

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = ".claude/experiments/ai-content-pipeline"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """Return the system Chromium, or skip (fail in CI, where .ci/run installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "no chromium on PATH (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_the_example_page_opens_offline_with_its_charts_and_tables(tmp_path: Path) -> None:
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    shutil.copy(REPO / "experiments.yaml", tmp_path / "experiments.yaml")
    shutil.copytree(REPO / EXAMPLE, tmp_path / EXAMPLE)
    spec = str(tmp_path / "experiments.yaml")
    built = CliRunner().invoke(cli, ["build", "ai-content-pipeline", "--html", "--spec", spec])
    assert built.exit_code == 0, built.stderr
    page_path = tmp_path / EXAMPLE / "PAPER.html"
    markdown = (tmp_path / EXAMPLE / "PAPER.md").read_text(encoding="utf-8")
    charts = [parse(m) for m in re.findall(r"```mermaid\n(.*?)```", markdown, re.DOTALL)]
    assert charts and all(c is not None for c in charts)

    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh profile for this run
            executable_path=executable,
            headless=True,
            args=ARGS,
            viewport={"width": 1000, "height": 900},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")

            # Every chart is there, in order, with a plot of non-zero size.
            svgs = page.locator("svg.chart")
            assert svgs.count() == len(charts)
            boxes = page.eval_on_selector_all(
                "svg.chart .plot",
                "gs => gs.map(g => { const b = g.getBBox(); return [b.width, b.height,"
                " g.querySelectorAll('polyline, rect').length]; })",
            )
            assert len(boxes) == len(charts)
            for width, height, marks in boxes:
                assert width > 0 and height > 0 and marks > 0

            # The numbers drawn are the Mermaid block's: each point's tooltip, chart by chart.
            tips = page.eval_on_selector_all(
                "svg.chart",
                "ss => ss.map(s => Array.from(s.querySelectorAll('.plot title'),"
                " t => t.textContent))",
            )
            for chart, drawn in zip(charts, tips, strict=True):
                assert chart is not None
                expected = [
                    f"{chart.categories[i]}: {_shown(v)}" + (f" ({name})" if name else "")
                    for _, name, values in chart.series
                    for i, v in enumerate(values)
                ]
                assert drawn == expected

            # Tables render as tables: open every <details>, then each has rows and a size.
            page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
            tables = page.eval_on_selector_all(
                "table",
                "ts => ts.map(t => [t.rows.length, t.getBoundingClientRect().height])",
            )
            assert len(tables) >= 20
            assert all(rows >= 2 and height > 0 for rows, height in tables)
            assert page.locator("h1").first.inner_text().startswith("Experiment #7")

            shot = tmp_path / "PAPER.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            print(f"screenshot: {shot}")
        finally:
            context.close()
    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests


def mermaid_js() -> Path:
    """Return Mermaid's bundled script (``.ci/run`` installs it with npm), or skip (fail in CI)."""
    found = os.environ.get("PAPERKIT_MERMAID_JS")
    if not found or not Path(found).is_file():
        reason = (
            "PAPERKIT_MERMAID_JS does not name mermaid.min.js (npm install mermaid@11, then "
            "point it at node_modules/mermaid/dist/mermaid.min.js; .ci/run does)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(found)


def test_mermaid_itself_draws_every_chart(tmp_path: Path) -> None:
    """The charts are valid ``xychart-beta`` as Mermaid (GitHub's renderer) reads it: each one
    renders, in Chromium, to an SVG with its lines or bars, with no error."""
    executable = chromium()
    script = mermaid_js().read_text(encoding="utf-8")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    paper = (REPO / EXAMPLE / "PAPER.md").read_text(encoding="utf-8")
    awkward = 'm"o<d>e`l #1; %%'  # text from a log that must not break a chart
    calls = [
        {"timestamp": f"2025-03-{d:02d}T10:00:00Z", "model": m, "input_tokens": 5, "success": True}
        for d in range(1, 32)
        for m in (L8B, awkward)
    ]
    paper += build(tmp_path, {"worker-ai.jsonl": jsonl(*calls)}).paper
    sources = re.findall(r"```mermaid\n(.*?)```", paper, re.DOTALL)
    assert len(sources) >= 9
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=executable, headless=True, args=ARGS
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_content("<!DOCTYPE html><html><body><div id=out></div></body></html>")
            page.add_script_tag(content=script)
            page.evaluate("mermaid.initialize({startOnLoad: false})")
            for i, source in enumerate(sources):
                drawn = page.evaluate(
                    """async ([id, source]) => {
                        try {
                            const {svg} = await mermaid.render(id, source);
                            const out = document.getElementById('out');
                            out.innerHTML = svg;
                            const s = out.querySelector('svg');
                            return {ok: true, marks: s.querySelectorAll('path, rect').length,
                                    width: s.getBBox().width, text: s.textContent};
                        } catch (e) { return {ok: false, error: String(e)}; }
                    }""",
                    [f"chart{i}", source],
                )
                assert drawn["ok"], (drawn.get("error"), source)
                assert drawn["marks"] > 2 and drawn["width"] > 0, source
                title = re.search(r'title "([^"]*)"', source)
                assert title and title[1] in drawn["text"]
        finally:
            context.close()
    assert errors == []


def _shown(value: float) -> str:
    """Write a number as the SVG tooltip does (an independent copy of the rule)."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.6f}".rstrip("0").rstrip(".")
