"""Custom templates beside the spec: they replace built-in ones by name, errors point at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SPEC, build, jsonl, write_tree

from paperkit.errors import PaperkitError

CALL = {"timestamp": "2025-01-14T10:00:00Z", "model": "m", "input_tokens": 10}


def test_a_template_beside_the_spec_replaces_the_built_in_one(tmp_path: Path) -> None:
    write_tree(tmp_path, {"templates/sections/title.md.j2": "# Ours: {{ name }}\n"})
    result = build(tmp_path, {"worker-ai.jsonl": jsonl(CALL)})
    assert "<!-- paperkit:begin title -->\n# Ours: exp\n<!-- paperkit:end title" in result.paper
    # Every other section is still the built-in one.
    assert "## THE EXPERIMENT\n" in result.paper


def test_an_undefined_variable_is_an_error_at_its_template_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"templates/sections/prices.md.j2": "Prices\n\n{{ pricez }}\n"})
    with pytest.raises(PaperkitError) as caught:
        build(tmp_path, {"worker-ai.jsonl": jsonl(CALL)})
    assert str(caught.value) == (
        f"{(tmp_path / 'templates/sections/prices.md.j2').as_posix()}:3: "
        "template error: 'pricez' is undefined"
    )


def test_a_syntax_error_is_located_too(tmp_path: Path) -> None:
    write_tree(tmp_path, {"templates/paper.md.j2": "line one\n{% if %}\n"})
    with pytest.raises(PaperkitError) as caught:
        build(tmp_path, {}, SPEC)
    assert caught.value.line == 2
    assert str(caught.value.path).endswith("templates/paper.md.j2")
