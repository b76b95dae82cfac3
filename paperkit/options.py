"""What every ``paperkit`` command shares: the ``--spec`` option and how errors leave.

A PaperkitError becomes one ``path:line: message`` line on stderr and its exit code, in one
place, for the group and for a command invoked on its own (as the tests do).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from paperkit.errors import PaperkitError

# -h as well as --help, on every command. Set on each command, not only on the group: click
# keeps a command's help option once made, so one invoked alone first would lose -h.
CONTEXT = {"help_option_names": ["-h", "--help"]}

DEFAULT_SPEC = Path("experiments.yaml")


def _nearest_spec(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """Without --spec, use the nearest experiments.yaml here or in a parent folder, as git
    finds its repository, and say which one when it is not in the working directory."""
    from paperkit.spec.load import find_spec

    if ctx.get_parameter_source(param.name or "") != click.core.ParameterSource.DEFAULT:
        return value
    found = find_spec(Path.cwd(), value.name)
    if found is None or found == value:
        return value  # none anywhere: experiments.yaml here (init creates it; others say so)
    click.echo(f"paperkit: using {found}", err=True)
    return found


SPEC_OPTION = click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_SPEC,
    callback=_nearest_spec,
    help="The experiments spec; relative paths in it resolve against its folder. Default: "
    "the nearest experiments.yaml here or in a parent folder.",
)


# click wraps help text with textwrap, which breaks lines at hyphens: "--cost-estimate" came
# out as "--cost-" and "estimate" on two lines. Hyphens inside words and option names become
# non-breaking hyphens while the text is wrapped, and ordinary ones again in the output.
_NO_BREAK = "\u2011"
_HYPHENATED = re.compile(r"(?<![\w-])-*\w+(?:-\w+)+")


def _glued(text: str) -> str:
    return _HYPHENATED.sub(lambda m: m.group().replace("-", _NO_BREAK), text)


class HelpFormatter(click.HelpFormatter):
    """click's help formatter, which never breaks a line inside a hyphenated word."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _glued(args), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(_glued(text))

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        super().write_dl([(term, _glued(text)) for term, text in rows], col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_NO_BREAK, "-")


class Context(click.Context):
    """A context whose help never breaks a line inside a hyphenated word."""

    formatter_class = HelpFormatter


def _use_our_context(command: click.Command) -> None:
    """Give ``command`` (and, for a group, every command under it) paperkit's context."""
    command.context_class = Context
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _use_our_context(sub)


class Failure(click.ClickException):
    """A PaperkitError on its way out: printed as its own ``path:line: message`` line."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def failure(error: PaperkitError) -> Failure:
    """Return the click exception that prints ``error`` and exits with its code."""
    found = Failure(str(error))
    found.exit_code = error.exit_code
    return found


class _ErrorsAsLines:
    """Turns a PaperkitError raised while invoking into one stderr line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except PaperkitError as e:
            raise failure(e) from e


class Command(_ErrorsAsLines, click.Command):
    """A command, for use on its own as well as under the group."""

    context_class = Context


class Group(_ErrorsAsLines, click.Group):
    """The ``paperkit`` group: every command under it gets the same error handling.

    ``lazy`` maps a command's name to ``("module:attribute", help)``: the command is imported
    only when it runs (or its own --help is asked for), so a command whose module loads
    pandas does not slow down ``paperkit --help`` or ``paperkit log``. The group's --help
    lists it by ``help``, the first paragraph of its docstring (a test keeps them equal).
    """

    context_class = Context

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.lazy = dict(lazy or {})

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _use_our_context(cmd)
        super().add_command(cmd, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # List the commands not imported yet by their declared help, without importing them.
        stand_ins = {
            name: click.Command(name, help=text)
            for name, (_, text) in self.lazy.items()
            if name not in self.commands
        }
        self.commands.update(stand_ins)
        try:
            super().format_commands(ctx, formatter)
        finally:
            for name in stand_ins:
                del self.commands[name]
