"""The ``paperkit`` command: parse options, call the library, echo; errors become exit codes here.

Exit codes: 0 ok, 1 bad input (spec, logs with --strict, templates), 2 usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from . import __version__
from .build import check_strict, experiment_names, render_all, render_experiment, write_all
from .errors import DataWarning, PaperkitError, shown
from .spec import load_spec
from .wording import count

SPEC_OPTION = click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("experiments.yaml"),
    show_default=True,
    help="The experiments spec; relative paths in it resolve against its folder.",
)


class _Failure(click.ClickException):
    """A PaperkitError on its way out: printed as its own ``path:line: message`` line."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class _Cli(click.Group):
    """Turns every PaperkitError into one line on stderr and its exit code (1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaperkitError as e:
            failure = _Failure(str(e))
            failure.exit_code = e.exit_code
            raise failure from e


def _warn(warnings: Any, spec_path: Path) -> None:
    """Print each data warning, located relative to the working directory (clickable there)."""
    base = spec_path.absolute().parent
    for w in warnings:
        where = DataWarning(shown(base / w.path), w.line, w.message)
        click.echo(f"warning: {where}", err=True)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paperkit")
def cli() -> None:
    """Turn an AI experiment's logs and experiments.yaml into an honest, reproducible PAPER.md."""


@cli.command()
@click.argument("names", nargs=-1)
@click.option(
    "--all",
    "build_every",
    is_flag=True,
    help="Build every experiment in the spec and under its root.",
)
@SPEC_OPTION
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1, writing nothing, when any log line is skipped or unreadable.",
)
@click.option(
    "--stdout",
    "to_stdout",
    is_flag=True,
    help="Print the paper instead of writing PAPER.md and results.json.",
)
def build(
    names: tuple[str, ...], build_every: bool, spec_path: Path, strict: bool, to_stdout: bool
) -> None:
    """Write PAPER.md and results.json into each experiment's folder.

    NAMES are experiment names (folders under the spec's root); --all builds every one.
    """
    if not names and not build_every:
        raise click.UsageError("name at least one experiment, or pass --all")
    if names and build_every:
        raise click.UsageError("pass experiment names or --all, not both")
    results = render_all(load_spec(spec_path), list(names))
    for result in results:
        _warn(result.warnings, spec_path)
    if to_stdout:
        if strict:
            check_strict(results)
        for result in results:
            click.echo(result.paper, nl=False)
        return
    write_all(results, strict=strict)
    for result in results:
        problems = f", {count(len(result.warnings), 'log problem')}" if result.warnings else ""
        click.echo(
            f"{result.name}: wrote {shown(result.paper_path)} ({result.outcome}{problems})",
            err=True,
        )


@cli.command()
@click.argument("name")
@SPEC_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as a JSON object.")
def metrics(name: str, spec_path: Path, as_json: bool) -> None:
    """Print every metric of one experiment.

    The names and their meanings are in docs/metrics.md.
    """
    result = render_experiment(load_spec(spec_path), name)
    _warn(result.warnings, spec_path)
    values = json.loads(result.results)["metrics"]
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    width = max(len(k) for k in values)
    for key, value in values.items():
        click.echo(f"{key:<{width}}  {'null' if value is None else value}")


@cli.command()
@click.argument("names", nargs=-1)
@SPEC_OPTION
@click.option("--strict", is_flag=True, help="Exit 1 when any log line is skipped or unreadable.")
def validate(names: tuple[str, ...], spec_path: Path, strict: bool) -> None:
    """Check the spec and every log without writing anything.

    NAMES limit the check to those experiments (default: all of them).
    """
    spec = load_spec(spec_path)
    # Everything a build does but the writing, so validate reports exactly what build would.
    results = [render_experiment(spec, name) for name in names or experiment_names(spec)]
    for result in results:
        _warn(result.warnings, spec_path)
        click.echo(f"{result.name}: {count(len(result.warnings), 'log problem')}", err=True)
    if strict:
        check_strict(results)
    click.echo(f"{spec_path}: ok", err=True)
