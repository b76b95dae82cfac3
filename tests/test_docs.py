"""The docs tell the truth: --help in docs/cli.md, the spec, the template context and filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import paperkit.paper.context
from paperkit.build import render_experiment
from paperkit.cli import cli
from paperkit.errors import PaperkitError
from paperkit.paper.render import FILTERS
from paperkit.spec.load import load_spec
from paperkit.spec.schema import spec_schema
from tests.helpers import command_paths

CLI_DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", command_paths(cli), ids=" ".join)
def test_help_is_quoted_verbatim_in_docs(command: list[str]) -> None:
    # Wrapped as click wraps for a real terminal (80 columns less its 2-column margin).
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=78)
    assert result.exit_code == 0
    usage = result.output.replace("Usage: cli", "Usage: paperkit")
    assert usage in CLI_DOC, f"docs/cli.md does not quote `paperkit {' '.join(command)} --help`"


# --- docs/spec.md: the full example loads, its errors are real, every key is documented -------

DOCS = Path(__file__).resolve().parent.parent / "docs"
SPEC_DOC = (DOCS / "spec.md").read_text(encoding="utf-8")


def _section(doc: str, heading: str) -> str:
    """Return the text under ``heading`` (a whole line) up to the next heading of its level."""
    level = heading.split(" ", 1)[0]
    start = doc.index(f"\n{heading}\n") + len(heading) + 2
    end = doc.find(f"\n{level} ", start)
    return doc[start:] if end == -1 else doc[start:end]


def _full_example() -> str:
    found = re.search(r"```yaml\n(.*?)```", _section(SPEC_DOC, "## A full example"), re.S)
    assert found, "docs/spec.md has no ```yaml block under 'A full example'"
    return found.group(1)


def test_the_full_spec_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(_full_example(), encoding="utf-8")
    spec = load_spec(path)
    exp = spec.experiment("ai-content-pipeline")
    assert exp is not None
    # The example shows the newer keys, so a change to them breaks this test, not a reader.
    assert spec.billing.apply_allowances is True
    assert exp.start is not None and exp.end is not None and exp.outcome is not None
    assert exp.comparison is not None and exp.comparison.reprice
    assert any(c.where is not None for c in exp.criteria)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("metric: workflows.success_rate", "metric: workflow.success_rate"),
        ("    title:", "    titel:"),
    ],
)
def test_the_spec_error_examples_are_what_paperkit_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    (tmp_path / "experiments.yaml").write_text(_full_example().replace(old, new, 1), "utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PaperkitError) as caught:
        load_spec(Path("experiments.yaml"))
    assert f"\n{caught.value}\n" in _section(SPEC_DOC, "## Errors")


def _schema_keys(node: object) -> set[str]:
    """Return every property name anywhere in a JSON Schema."""
    keys: set[str] = set()
    if isinstance(node, dict):
        keys.update(node.get("properties", {}))
        for value in node.values():
            keys |= _schema_keys(value)
    elif isinstance(node, list):
        for value in node:
            keys |= _schema_keys(value)
    return keys


def test_every_spec_key_has_a_row_in_docs() -> None:
    rows = set(re.findall(r"^\| `([a-z_0-9]+)` \|", SPEC_DOC, re.M))
    missing = _schema_keys(spec_schema()) - rows
    assert not missing, f"docs/spec.md has no table row for {sorted(missing)}"


# --- docs/templates.md: the context and the filters as the code has them ----------------------

TEMPLATES_DOC = (DOCS / "templates.md").read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parent.parent


def _table_names(text: str, header: str) -> set[str]:
    """Return the backticked first cells of the tables in ``text`` whose first column is
    ``header``; a cell such as `usd(digits=4)` gives ``usd``."""
    names: set[str] = set()
    inside = False
    for line in text.splitlines():
        if not line.startswith("|"):
            inside = False
            continue
        first = line.split("|")[1].strip()
        if first == header:
            inside = True
        elif inside and (found := re.fullmatch(r"`([a-z_0-9]+)(\(.*\))?`", first)):
            names.add(found.group(1))
    return names


@pytest.fixture(scope="module")
def example_context() -> dict[str, Any]:
    """The template context of the repository's example experiment, as a build makes it."""
    captured: dict[str, Any] = {}
    real = paperkit.paper.context.context

    def spy(inputs: paperkit.paper.context.PaperInputs) -> dict[str, Any]:
        captured.update(real(inputs))
        return captured

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paperkit.paper.context, "context", spy)
        render_experiment(load_spec(REPO / "experiments.yaml"), "ai-content-pipeline")
    return captured


def test_every_context_variable_is_documented(example_context: dict[str, Any]) -> None:
    documented = _table_names(_section(TEMPLATES_DOC, "## The context"), "variable")
    assert documented == set(example_context), (
        f"undocumented: {sorted(set(example_context) - documented)}; "
        f"documented but gone: {sorted(documented - set(example_context))}"
    )


@pytest.mark.parametrize(
    ("heading", "keys"),
    [
        ("### Criterion rows", lambda c: c["criteria"][0]),
        ("### Comparison rows", lambda c: c["comparison_rows"][0]),
        ("### Reconciliation", lambda c: c["reconciliation"]),
        ("### Sources", lambda c: c["sources"][0]),
    ],
)
def test_the_keys_of_each_context_row_are_documented(
    example_context: dict[str, Any], heading: str, keys: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    documented = _table_names(_section(TEMPLATES_DOC, heading), "key")
    assert documented == set(keys(example_context))


def test_every_filter_is_documented() -> None:
    assert _table_names(_section(TEMPLATES_DOC, "## Filters"), "filter") == set(FILTERS)


def test_every_template_file_is_listed() -> None:
    folder = REPO / "templates"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*.j2")}
    listed = set(
        re.findall(r"`((?:sections/)?[a-z_]+\.md\.j2)`", _section(TEMPLATES_DOC, "## The files"))
    )
    assert listed == on_disk


# --- docs/index.md links every page ---------------------------------------------------------


def test_the_index_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    pages = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    linked = set(re.findall(r"\]\(([a-z_-]+\.md)\)", _section(index, "## Documentation")))
    assert linked == pages
