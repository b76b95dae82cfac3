"""The ``paperkit`` command: parse options, call the library, echo; errors become exit codes here.

Exit codes: 0 ok, 1 bad input (spec, logs with --strict, templates), 2 usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import paperkit
from paperkit.errors import shown
from paperkit.options import CONTEXT, SPEC_OPTION, Group
from paperkit.paper.wording import count
from paperkit.progress import progress_line
from paperkit.rebuild import report as _report
from paperkit.rebuild import warn as _warn
from paperkit.spec.load import load_spec
from paperkit.tracking.commands import COMMANDS

# Commands whose modules load pandas, pyarrow and scipy (through paperkit.build) import them in
# their own bodies, and `costs` is imported only when it runs: `paperkit --help`, `--version`,
# `log` and `init` start without them (tests/test_startup.py).
LAZY = {
    "costs": (
        "paperkit.tracking.costs_command:costs",
        "Print one experiment's cost per day and resource, computed from its logs.",
    ),
}


def _print_version(ctx: click.Context) -> None:
    """``--version``: as click's own option prints it, with the version looked up only now."""
    click.echo(f"paperkit, version {paperkit.__version__}")
    ctx.exit()


@click.group(cls=Group, context_settings=CONTEXT, lazy=LAZY)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    help="Show the version and exit.",
)
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
    help="Overwrite generated blocks edited by hand, saving the old file as PAPER.md.bak "
    "(or PAPER.md.bak.2, .3... when that exists; a backup is never replaced).",
)
@click.option(
    "--fail-on-criteria",
    is_flag=True,
    help="Exit 4 when any success criterion fails.",
)
@click.option(
    "--html",
    is_flag=True,
    help="Also write PAPER.html: the paper as one page with its charts as SVG, which opens "
    "offline (with --check, check it too).",
)
@click.option(
    "--stdout",
    "to_stdout",
    is_flag=True,
    help="Print the generated paper instead of writing PAPER.md and results.json.",
)
@click.option(
    "--index",
    "refresh_index",
    is_flag=True,
    help="With --all, also write the index of every experiment (EXPERIMENTS.md beside the "
    "spec; see paperkit index).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every input again even when the rebuild cache says nothing changed.",
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
    html: bool,
    to_stdout: bool,
    refresh_index: bool,
    no_cache: bool,
) -> None:
    """Write PAPER.md and results.json into each experiment's folder.

    NAMES are experiment names (folders under the spec's root); --all builds every one.
    A rebuild replaces only the generated blocks of an existing PAPER.md; text outside
    them is never touched. A failing experiment does not stop the others. An experiment
    whose inputs (logs, spec, templates, prices, paperkit) are unchanged since its last build
    is served from the rebuild cache (paperkit docs performance).

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
    if to_stdout and html:
        raise click.UsageError("--stdout prints the Markdown paper; drop --html or --stdout")
    if refresh_index and (not build_every or check or to_stdout):
        raise click.UsageError(
            "--index needs --all, and not --check or --stdout (paperkit index --check "
            "checks the index)"
        )
    from paperkit import index_file
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
    every = []
    with progress_line(sys.stderr) as progress:
        todo = build_each(
            spec,
            list(names),
            strict=strict,
            force=force,
            write=not check,
            cache=not no_cache,
            html=html,
            progress=progress,
        )
        for built in todo:
            codes.append(built.exit_code(check=check, fail_on_criteria=fail_on_criteria))
            if progress is not None:
                progress.clear()
            _report(built, spec_path, check=check, show_diff=show_diff)
            every.append(built)
    if refresh_index:
        target = index_file.default_path(spec)
        found = index_file.entries(spec, every, target, written=True)
        update = index_file.plan_index(target, found)
        index_file.write_index(update)
        click.echo(
            f"index: {'wrote' if update.changed else 'up to date'} {shown(target)}", err=True
        )
    code = worst(codes)
    if code:
        raise click.exceptions.Exit(code)


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


@cli.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1)
@click.option(
    "--against",
    "rev",
    metavar="REV",
    help="Compare with the same experiment at this git revision (a branch, tag or commit).",
)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="With --against: compare every experiment in the spec and under its root.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="With --against: build the revision's logs and spec even where its results.json "
    "is committed (one from an older paperkit lacks the counts the tests need).",
)
@SPEC_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option(
    "--fail-on-flip",
    is_flag=True,
    help="Exit 4 when a criterion went from pass to fail or the outcome got worse.",
)
def diff(
    names: tuple[str, ...],
    rev: str | None,
    every: bool,
    rebuild: bool,
    spec_path: Path,
    as_json: bool,
    fail_on_flip: bool,
) -> None:
    """Say what changed between two results, and which changes are larger than their noise.

    paperkit diff NAME --against REV compares an experiment with itself at a git revision
    (its committed results.json there, or a build of that revision's logs and spec);
    paperkit diff --all --against REV does so for every experiment; paperkit diff A B
    compares experiment A (before) with experiment B (after). The new side is built in
    memory from the working tree. The methods: paperkit docs diff.

    Exit codes: 0 ok, 1 bad input or an unknown revision, 2 usage, 4 a verdict went from
    pass to fail or the outcome got worse (--fail-on-flip).
    """
    if rev is not None and names and every:
        raise click.UsageError("pass experiment names or --all, not both")
    if rev is not None and not names and not every:
        raise click.UsageError("name an experiment to compare, or pass --all")
    if rev is None and (every or rebuild):
        raise click.UsageError("--all and --rebuild need --against REV")
    if rev is None and len(names) != 2:
        raise click.UsageError(
            "compare two experiments (paperkit diff A B), or one with a revision "
            "(paperkit diff NAME --against REV)"
        )
    from paperkit.build import CRITERIA_FAILED, worst
    from paperkit.diffs import against as diff_against
    from paperkit.diffs import overview as diff_overview
    from paperkit.diffs import pair as diff_pair

    spec = load_spec(spec_path)
    if rev is not None:
        compared = diff_against(spec, list(names), rev, rebuild=rebuild)
    else:
        compared = [diff_pair(spec, names[0], names[1])]
    for one in compared:
        _warn(one.warnings, spec_path)
        if one.error is not None:
            click.echo(str(one.error), err=True)
            click.echo(f"{one.title}: not compared", err=True)
    if as_json:
        doc = {"experiments": [one.to_json() for one in compared]}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        parts = [one.markdown() for one in compared]
        if rev is not None and len(compared) > 1:
            parts.insert(0, diff_overview(compared, rev))
        click.echo("\n".join(parts), nl=False)
    flipped = fail_on_flip and any(one.failed for one in compared)
    code = worst(
        [1 if any(one.error for one in compared) else 0, CRITERIA_FAILED if flipped else 0]
    )
    if code:
        raise click.exceptions.Exit(code)


@cli.command(name="index", context_settings=CONTEXT)
@SPEC_OPTION
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the index.  [default: EXPERIMENTS.md beside the spec]",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 3 when the index would change.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite an index block edited by hand, keeping the old file as .bak (or .bak.2...).",
)
def index_command(spec_path: Path, output: Path | None, check: bool, force: bool) -> None:
    """Write the index of every experiment: EXPERIMENTS.md beside the spec.

    One row per experiment: number, title linked to its paper, period, outcome,
    criteria passed / failed / inconclusive, cost per unit and running cost per
    unit, records, and whether its paper is current. The table sits between
    paperkit's markers; text you write around it is kept. Every experiment is built
    in memory; nothing but the index is written.

    Exit codes: 0 ok, 1 bad input, an edited index block or an experiment that
    does not build (its row says so), 2 usage, 3 the index would change (--check).
    """
    from paperkit import index_file
    from paperkit.build import STALE, worst

    spec = load_spec(spec_path)
    update = index_file.index(spec, output, force=force, write=not check)
    where = shown(update.path)
    for problem in update.failed:
        click.echo(f"build failed: {problem}", err=True)
    if check:
        click.echo(f"{where}: {'stale' if update.changed else 'up to date'}", err=True)
    else:
        click.echo(f"wrote {where}" if update.changed else f"{where}: up to date", err=True)
    code = worst([1 if update.failed else 0, STALE if check and update.changed else 0])
    if code:
        raise click.exceptions.Exit(code)


for _command in COMMANDS:
    cli.add_command(_command)
