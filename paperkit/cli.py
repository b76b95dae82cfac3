"""The ``paperkit`` command: parse options, call the library, echo; errors become exit codes here.

Exit codes: 0 ok, 1 bad input (spec, logs with --strict, templates), 2 usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from paperkit import __version__
from paperkit.errors import DataWarning, shown
from paperkit.options import CONTEXT, SPEC_OPTION, Group
from paperkit.paper.wording import count
from paperkit.spec.load import load_spec
from paperkit.tracking.commands import COMMANDS

if TYPE_CHECKING:
    from paperkit.build import Built

# Commands whose modules load pandas, pyarrow and scipy (through paperkit.build) import them in
# their own bodies, and `costs` is imported only when it runs: `paperkit --help`, `--version`,
# `log` and `init` start without them (tests/test_startup.py).
LAZY = {
    "costs": (
        "paperkit.tracking.costs_command:costs",
        "Print one experiment's cost per day and resource, computed from its logs.",
    ),
}


def _warn(warnings: Any, spec_path: Path) -> None:
    """Print each data warning, located relative to the working directory (clickable there)."""
    base = spec_path.absolute().parent
    for w in warnings:
        where = DataWarning(shown(base / w.path), w.line, w.message)
        click.echo(f"warning: {where}", err=True)


@click.group(cls=Group, context_settings=CONTEXT, lazy=LAZY)
@click.version_option(__version__, prog_name="paperkit")
def cli() -> None:
    """Turn an AI experiment's logs and experiments.yaml into an honest, reproducible PAPER.md."""


@cli.command(context_settings=CONTEXT)
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
    help="Fail an experiment, writing nothing for it, when any log line is skipped or "
    "unreadable or its declared outcome differs from the computed one.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 3 when any PAPER.md or results.json would change.",
)
@click.option("--diff", "show_diff", is_flag=True, help="With --check, print a unified diff.")
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite generated blocks edited by hand, saving the old file as PAPER.md.bak.",
)
@click.option(
    "--fail-on-criteria",
    is_flag=True,
    help="Exit 4 when any success criterion fails.",
)
@click.option(
    "--stdout",
    "to_stdout",
    is_flag=True,
    help="Print the generated paper instead of writing PAPER.md and results.json.",
)
def build(
    names: tuple[str, ...],
    build_every: bool,
    spec_path: Path,
    strict: bool,
    check: bool,
    show_diff: bool,
    force: bool,
    fail_on_criteria: bool,
    to_stdout: bool,
) -> None:
    """Write PAPER.md and results.json into each experiment's folder.

    NAMES are experiment names (folders under the spec's root); --all builds every one.
    A rebuild replaces only the generated blocks of an existing PAPER.md; text outside
    them is never touched. A failing experiment does not stop the others.

    Exit codes: 0 ok, 1 bad input or hand-edited blocks, 2 usage, 3 stale (--check),
    4 a criterion failed (--fail-on-criteria); the worst one wins, in that order.
    """
    if not names and not build_every:
        raise click.UsageError("name at least one experiment, or pass --all")
    if names and build_every:
        raise click.UsageError("pass experiment names or --all, not both")
    if show_diff and not check:
        raise click.UsageError("--diff needs --check")
    if to_stdout and (check or force):
        raise click.UsageError("--stdout cannot be combined with --check or --force")
    from paperkit.build import build_each, check_strict, render_all, worst

    spec = load_spec(spec_path)
    if to_stdout:
        results = render_all(spec, list(names))
        for result in results:
            _warn(result.warnings, spec_path)
        if strict:
            check_strict(results)
        for result in results:
            click.echo(result.paper, nl=False)
        return
    codes = []
    for built in build_each(spec, list(names), strict=strict, force=force, write=not check):
        codes.append(built.exit_code(check=check, fail_on_criteria=fail_on_criteria))
        _report(built, spec_path, check=check, show_diff=show_diff)
    code = worst(codes)
    if code:
        raise click.exceptions.Exit(code)


def _report(built: Built, spec_path: Path, *, check: bool, show_diff: bool) -> None:
    """Echo what building one experiment did: warnings, then one line (or its error)."""
    if built.result is not None:
        _warn(built.result.warnings, spec_path)
    if built.error is not None:
        click.echo(str(built.error), err=True)
        click.echo(f"{built.name}: failed; nothing written for it", err=True)
        return
    assert built.result is not None and built.update is not None
    result, update = built.result, built.update
    for w in update.warnings():
        click.echo(f"warning: {w}", err=True)
    problems = f", {count(len(result.warnings), 'problem')}" if result.warnings else ""
    failed = ", a criterion failed" if result.criteria_failed else ""
    state = f"({result.outcome}{failed}{problems})"
    changed = [
        path.name
        for path, changes in (
            (update.paper_path, update.paper_changed),
            (update.results_path, update.results_changed),
        )
        if changes
    ]
    where = f"{' and '.join(changed)} in {shown(update.paper_path.parent)}"
    if check:
        if changed:
            click.echo(f"{result.name}: stale: {where} would change {state}", err=True)
            if show_diff:
                click.echo(update.diff(), nl=False)
        else:
            click.echo(f"{result.name}: up to date {state}", err=True)
        return
    backup = " (old file kept as PAPER.md.bak)" if update.backup else ""
    if changed:
        click.echo(f"{result.name}: wrote {where}{backup} {state}", err=True)
    else:
        click.echo(f"{result.name}: up to date {state}", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("name")
@SPEC_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as a JSON object.")
def metrics(name: str, spec_path: Path, as_json: bool) -> None:
    """Print every metric of one experiment.

    The names and their meanings: paperkit docs metrics.
    """
    from paperkit.build import render_experiment

    result = render_experiment(load_spec(spec_path), name)
    _warn(result.warnings, spec_path)
    values = json.loads(result.results)["metrics"]
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    width = max(len(k) for k in values)
    for key, value in values.items():
        click.echo(f"{key:<{width}}  {'null' if value is None else value}")


@cli.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1)
@SPEC_OPTION
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when any log line is skipped or unreadable, or a declared outcome differs.",
)
def validate(names: tuple[str, ...], spec_path: Path, strict: bool) -> None:
    """Check the spec, the logs and each PAPER.md; write nothing.

    NAMES limit the check to those experiments (default: all of them). The checks and
    messages are a build's: a hand-edited block or a broken marker in PAPER.md is reported
    as build would report it.
    """
    from paperkit.build import build_each, worst

    spec = load_spec(spec_path)
    codes = []
    for built in build_each(spec, list(names), write=False):
        if built.result is not None:
            _warn(built.result.warnings, spec_path)
        if built.error is not None:
            click.echo(str(built.error), err=True)
            click.echo(f"{built.name}: failed", err=True)
            codes.append(built.error.exit_code)
            continue
        assert built.result is not None and built.update is not None
        for w in built.update.warnings():
            click.echo(f"warning: {w}", err=True)
        problems = len(built.result.warnings) + len(built.update.warnings())
        click.echo(f"{built.name}: {count(problems, 'problem')}", err=True)
        if strict and problems:
            codes.append(1)
    if codes:
        if strict:
            click.echo("--strict accepts no problem (see the lines above)", err=True)
        raise click.exceptions.Exit(worst(codes))
    click.echo(f"{spec_path}: ok", err=True)


@cli.command(context_settings=CONTEXT)
def schema() -> None:
    """Print the JSON Schema of experiments.yaml.

    Editors use it to check the spec as you type; see paperkit docs ci.
    """
    from paperkit.spec.schema import schema_text

    click.echo(schema_text(), nl=False)


@cli.command(context_settings=CONTEXT)
@click.argument("page", required=False)
def docs(page: str | None) -> None:
    """Print a page of paperkit's documentation, or list the pages.

    The pages ship with paperkit, so help texts and papers cite them as
    "paperkit docs PAGE" (for example: paperkit docs metrics).
    """
    from paperkit import manual

    if page is None:
        width = max(len(name) for name, _ in manual.pages())
        for name, title in manual.pages():
            click.echo(f"{name:<{width}}  {title}")
        return
    click.echo(manual.page(page), nl=False)


@cli.command(context_settings=CONTEXT)
@click.argument("name")
@SPEC_OPTION
def summary(name: str, spec_path: Path) -> None:
    """Print a short Markdown summary of one experiment.

    For CI: paperkit summary NAME >> "$GITHUB_STEP_SUMMARY". It builds the experiment in
    memory, so it is current even when results.json is not.
    """
    from paperkit.build import find_experiment, render_experiment
    from paperkit.paper.summary import summary as summarize

    spec = load_spec(spec_path)
    result = render_experiment(spec, name)
    _warn(result.warnings, spec_path)
    unit = find_experiment(spec, name).unit.name
    click.echo(summarize(json.loads(result.results), name, unit=unit), nl=False)


for _command in COMMANDS:
    cli.add_command(_command)
