"""The docs tell the truth about the command line: each command's --help is in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from paperkit.cli import cli

CLI_DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: click.Command, path: list[str]) -> list[list[str]]:
    """Return the path of every command under ``group``, itself included."""
    found = [path]
    if isinstance(group, click.Group):
        for name in sorted(group.commands):
            found += _commands(group.commands[name], [*path, name])
    return found


@pytest.mark.parametrize("command", _commands(cli, []), ids=" ".join)
def test_help_is_quoted_verbatim_in_docs(command: list[str]) -> None:
    # Wrapped as click wraps for a real terminal (80 columns less its 2-column margin).
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=78)
    assert result.exit_code == 0
    usage = result.output.replace("Usage: cli", "Usage: paperkit")
    assert usage in CLI_DOC, f"docs/cli.md does not quote `paperkit {' '.join(command)} --help`"
