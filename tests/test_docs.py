"""The docs tell the truth about the command line: each command's --help is in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkit.cli import cli

CLI_DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [[], ["build"], ["metrics"], ["validate"]])
def test_help_is_quoted_verbatim_in_docs(command: list[str]) -> None:
    # Wrapped as click wraps for a real terminal (80 columns less its 2-column margin).
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=78)
    assert result.exit_code == 0
    usage = result.output.replace("Usage: cli", "Usage: paperkit")
    assert usage in CLI_DOC, f"docs/cli.md does not quote `paperkit {' '.join(command)} --help`"
