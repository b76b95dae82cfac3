"""The tracking commands: ``paperkit init``, ``paperkit log KIND``, ``paperkit import``.

Glue only: each command parses its options, calls one library function and echoes the result
on stderr. ``COMMANDS`` is what ``paperkit.cli`` registers; its group turns a ``PaperkitError``
into one ``path:line: message`` line and exit code 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from paperkit.errors import shown
from paperkit.importers import claude_code
from paperkit.importers.quality_csv import import_quality_csv, parse_pairs
from paperkit.options import CONTEXT, SPEC_OPTION
from paperkit.tracking.append import log_record
from paperkit.tracking.cloudflare_commands import cloudflare, cloudflare_workflows
from paperkit.tracking.init import init_experiment
from paperkit.tracking.records import KINDS, Kind, field_type

if TYPE_CHECKING:
    from paperkit.importers.wrangler_tail import TailImport

# What each field holds, for --help; a field not listed is described by its name.
_HELP = {
    "timestamp": "When it happened, ISO 8601 (default: now, in UTC).",
    "iteration": "The development iteration (prompt number).",
    "model": "The model, such as @cf/meta/llama-3.1-8b-instruct.",
    "input_tokens": "Input (prompt) tokens.",
    "output_tokens": "Output (completion) tokens.",
    "latency_ms": "How long the call took, in milliseconds.",
    "success": "Whether it succeeded.",
    "cost_estimate": "Your own estimate of its cost, in US dollars.",
    "error": "What went wrong.",
    "context": "Free text on the circumstances.",
    "workflow_name": "The Workflow's name.",
    "execution_id": "The Workflow instance's id.",
    "duration_ms": "Wall time of the execution, in milliseconds.",
    "steps": "Steps run.",
    "steps_succeeded": "Steps that succeeded.",
    "steps_failed": "Steps that failed.",
    "cpu_ms": "CPU time, in milliseconds (prices the execution).",
    "resource": "d1, kv, r2, or another resource (costed at its own cost estimate).",
    "rows_read": "D1 rows read.",
    "rows_written": "D1 rows written.",
    "reads": "KV reads.",
    "writes": "KV writes.",
    "deletes": "KV deletes.",
    "lists": "KV lists.",
    "class_a_ops": "R2 Class A operations (writes, lists).",
    "class_b_ops": "R2 Class B operations (reads).",
    "period": "The period, a date such as 2025-01-14.",
    "worker_ai_cost": "Workers AI cost, in US dollars.",
    "workflows_cost": "Workflows cost, in US dollars.",
    "d1_cost": "D1 cost, in US dollars.",
    "kv_cost": "KV cost, in US dollars.",
    "r2_cost": "R2 cost, in US dollars.",
    "claude_code_cost": "Claude Code cost, in US dollars.",
    "total_cost": "Total cost, in US dollars.",
    "prompt": "The prompt.",
    "time_spent": "Time spent, such as 20min.",
    "error_type": "The kind of error, such as timeout.",
    "error_message": "The error's message.",
    "my_action": "What was done about it.",
    "fix_time": "Time to fix it, such as 2 min.",
    "fix_prompts": "Prompts it took to fix.",
    "learning": "What it taught.",
    "reason": "Why a person had to step in.",
    "what_user_did": "What the person did.",
    "why_needed": "Why the AI could not do it.",
    "could_ai_have_done_this": "Whether the AI could have done it, such as 'no - security'.",
    "item_id": "The item judged (a document, a prompt), such as doc-01.",
    "baseline": "The model compared with, such as openai:gpt-4o (pairwise judgements).",
    "preference": "Which output was better: model (the candidate), baseline or tie.",
    "score": "The candidate's score on the scale --min to --max.",
    "min": "The lowest score of the scale, such as 1.",
    "max": "The highest score of the scale, such as 5.",
    "rater": "Who judged: a person's id, or llm:MODEL for an LLM judge.",
    "rubric": "What was judged, such as accuracy.",
    "blind": "Whether the rater did not know which output was which.",
    "notes": "Free text on the judgement.",
}
_METAVARS = {
    "timestamp": "TIME",
    "number": "N",
    "money": "USD",
    "duration": "TEXT",
    "text": "TEXT",
    "score": "N",
    "preference": "model|baseline|tie",
}
# A field whose examples depend on the kind of record: what a D1 query does is no summarization.
_KIND_HELP = {
    ("cloudflare", "operation"): "What was done, such as query, get, put or list.",
    ("worker-ai", "operation"): "What the call was for, such as summarization or embedding.",
}


def _option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


@click.command("init", context_settings=CONTEXT)
@click.argument("name")
@SPEC_OPTION
@click.option("--title", help="The experiment's title (log.md and the spec).")
@click.option("--hypothesis", help="What the experiment sets out to show (log.md and the spec).")
def init(name: str, spec_path: Path, title: str | None, hypothesis: str | None) -> None:
    """Create an experiment's folder, log.md and empty logs, and add it to the spec.

    NAME is the folder's name under the spec's root. Nothing that exists is overwritten.
    """
    made = init_experiment(name, spec_path, title=title, hypothesis=hypothesis)
    files = len(made.files) - 1
    click.echo(f"created {shown(made.folder)}/ (log.md and {files} empty logs)", err=True)
    action = "created, with" if made.spec_created else "added"
    click.echo(f"{made.spec_path}:{made.spec_line}: {action} experiment '{name}'", err=True)


def _log_command(kind: Kind) -> click.Command:
    """Return ``paperkit log KIND``: one option per field of the kind."""

    def callback(name: str, spec_path: Path, **values: Any) -> None:
        appended = log_record(spec_path, kind, name, values, label=_option_name)
        click.echo(f"appended to {shown(appended.path)}:{appended.line}", err=True)

    summary = f"Append to {kind.file}: {kind.summary[0].lower()}{kind.summary[1:]}"
    params: list[click.Parameter] = [click.Argument(["name"])]
    for field in kind.fields:
        required = " Required." if field in kind.required else ""
        if field_type(field) in ("success", "flag"):
            switch = _option_name(field)
            option = click.Option(
                [f"{switch}/--no-{switch[2:]}", field], default=None, help=_HELP[field]
            )
        else:
            text = (
                _KIND_HELP.get((kind.name, field))
                or _HELP.get(field)
                or f"{field.replace('_', ' ').capitalize()}."
            )
            option = click.Option(
                [_option_name(field), field],
                metavar=_METAVARS[field_type(field)],
                help=text + required,
            )
        params.append(option)
    command = click.Command(
        kind.name,
        callback=callback,
        params=params,
        help=f"{summary}\n\nNAME is the experiment (a folder under the spec's root).",
        short_help=summary,
        context_settings=CONTEXT,
    )
    SPEC_OPTION(command)
    return command


@click.group("log", context_settings=CONTEXT)
def log() -> None:
    """Append one checked record to an experiment's log files.

    Options are the record's fields. A bad value exits 1 and writes nothing.
    """


for _kind in KINDS.values():
    log.add_command(_log_command(_kind))


@click.group("import", context_settings=CONTEXT)
def import_() -> None:
    """Import records from other tools' output into an experiment's logs."""


@import_.command(
    "wrangler-tail",
    context_settings=CONTEXT,
    short_help="Import a `wrangler tail --format json` capture.",
)
@click.argument("capture", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--experiment", "name", required=True, help="The experiment to import into.")
@SPEC_OPTION
def wrangler_tail(capture: Path, name: str, spec_path: Path) -> None:
    """Import the paperkit records of a `wrangler tail --format json` capture.

    CAPTURE is the saved output. Records imported before are skipped, so importing an
    overlapping capture again is safe.
    """
    from paperkit.importers.wrangler_tail import import_wrangler_tail  # loads pandas

    result = import_wrangler_tail(capture, spec_path, name)
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"{name}: {describe(result)}", err=True)


@import_.command(
    "claude-code",
    context_settings=CONTEXT,
    short_help="Import Claude Code's session transcripts.",
)
@click.argument("name")
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="The transcripts' folder (projects/<name>), or the working directory Claude Code ran "
    "in (default: the spec's folder).",
)
@click.option("--since", metavar="DATE", help="Leave out requests before DATE (or a time).")
@click.option("--until", metavar="DATE", help="Leave out requests after DATE (inclusive).")
@SPEC_OPTION
def claude_code_command(
    name: str, project_dir: Path | None, since: str | None, until: str | None, spec_path: Path
) -> None:
    """Write experiment NAME's claude-code.jsonl from Claude Code's session transcripts.

    One record per API request (deduplicated) and per prompt, with no prompt or response
    text. Transcripts are looked for under $CLAUDE_CONFIG_DIR, else ~/.config/claude and
    ~/.claude. The window is the spec's start/end, or --since/--until. Importing again adds
    new requests and keeps earlier ones.
    """
    result = claude_code.import_claude_code(
        spec_path,
        name,
        project_dir=project_dir,
        since=claude_code.parse_moment(since, "--since") if since else None,
        until=claude_code.parse_moment(until, "--until") if until else None,
    )
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"{shown(result.path)}: {claude_code.describe(result)}", err=True)


import_.add_command(cloudflare)
import_.add_command(cloudflare_workflows)


@import_.command(
    "quality-csv",
    context_settings=CONTEXT,
    short_help="Import quality judgements from a spreadsheet saved as CSV.",
)
@click.argument("name")
@click.argument("sheet", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD,...",
    help="Which column holds which field of quality.jsonl (a column named as the field needs "
    "none). Repeatable.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="FIELD=VALUE,...",
    help="A field for every row, such as model=@cf/meta/llama-3.1-8b-instruct. Repeatable.",
)
@SPEC_OPTION
def quality_csv(
    name: str, sheet: Path, maps: tuple[str, ...], sets: tuple[str, ...], spec_path: Path
) -> None:
    """Import the judgements of a CSV file into quality.jsonl.

    NAME is the experiment; SHEET the CSV, whose first row names the columns. Each row is
    checked as `paperkit log quality` checks its options; a bad row is reported and left out.
    Rows imported before are skipped, so importing the sheet again is safe.
    """
    result = import_quality_csv(
        sheet,
        spec_path,
        name,
        mapping=parse_pairs(maps, "--map"),
        constants=parse_pairs(sets, "--set"),
    )
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    parts = [
        f"imported {result.imported} judgement{'' if result.imported == 1 else 's'}",
        f"{result.already} already imported",
        f"{len(result.problems)} invalid",
    ]
    if result.ignored_columns:
        parts.append("columns ignored: " + ", ".join(result.ignored_columns))
    click.echo(f"{name}: {'; '.join(parts)} (from {result.rows} rows)", err=True)


def describe(result: TailImport) -> str:
    """Return the one-line summary of an import, as the command prints it."""
    total = sum(result.imported.values())
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.imported.items())
    parts = [
        f"imported {total} record{'' if total == 1 else 's'}" + (f" ({kinds})" if kinds else ""),
        f"{result.already} already imported",
        f"{len(result.problems)} invalid",
        f"{result.ignored} other log lines ignored",
    ]
    if result.other_experiment:
        parts.append(f"{result.other_experiment} for other experiments")
    if result.text_lines:
        parts.append(f"{result.text_lines} lines of other text skipped")
    return f"{'; '.join(parts)} (from {result.events} events)"


COMMANDS: list[click.Command] = [init, log, import_]
