"""Shared test options: ``--update-golden`` rewrites the golden papers instead of comparing."""

from __future__ import annotations

import pytest

import paperkit.logs.jsonl


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden PAPER.md/results.json files from the current build.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def one_by_one(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The indices (among non-blank lines) of the JSONL lines read with json.loads, in order."""
    read: list[int] = []
    real = paperkit.logs.jsonl._by_line

    def spy(lines, span, skipped):  # type: ignore[no-untyped-def]
        read.extend(span)
        return real(lines, span, skipped)

    monkeypatch.setattr(paperkit.logs.jsonl, "_by_line", spy)
    return read
