"""The click commands ``paperkit import cloudflare`` and ``paperkit import cloudflare-workflows``.

Glue only: credentials come from the environment (never from an option, so they stay out of
shell history and CI logs), each command calls one importer and prints one summary line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperkit.errors import PaperkitError, shown
from paperkit.options import CONTEXT, SPEC_OPTION

if TYPE_CHECKING:
    from paperkit.importers.cloudflare_api import CloudflareAPI

# The importers load pandas; each command imports its own when it runs, so `paperkit --help`
# and the light commands start without it (tests/test_startup.py).

_FOLDER = click.Path(path_type=Path, file_okay=False)


def _import_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options both imports share: the window, saved responses, the spec (in this order)."""
    for option in reversed(
        (
            click.option(
                "--since",
                metavar="DATE",
                help="First day (or ISO time); default: the spec's start.",
            ),
            click.option(
                "--until", metavar="DATE", help="Last day, inclusive (or ISO time); default: end."
            ),
            click.option(
                "--save-responses", "save", type=_FOLDER, help="Also keep every raw response here."
            ),
            click.option(
                "--from-responses",
                "replay",
                type=_FOLDER,
                help="Read saved responses; use no network.",
            ),
            SPEC_OPTION,
        )
    ):
        command = option(command)
    return command


def _api(save: Path | None, replay: Path | None, permission: str) -> CloudflareAPI:
    """Return the API session the environment describes (docs/cloudflare.md)."""
    from paperkit.importers.cloudflare_api import ACCOUNT, DEFAULT_BASE, CloudflareAPI

    if replay is not None and not replay.is_dir():
        raise PaperkitError("no such folder of saved responses", shown(replay))
    return CloudflareAPI(
        base=os.environ.get("CLOUDFLARE_API_BASE") or DEFAULT_BASE,
        token=os.environ.get("CLOUDFLARE_API_TOKEN") or None,
        # A replay needs no account: saved requests stand the account id for a placeholder.
        account=os.environ.get("CLOUDFLARE_ACCOUNT_ID") or (ACCOUNT if replay else None),
        save=save,
        replay=replay,
        permission=permission,
    )


@click.command(
    "cloudflare",
    context_settings=CONTEXT,
    short_help="Import Cloudflare's GraphQL Analytics for an experiment's window.",
)
@click.argument("name")
@_import_options
def cloudflare(
    name: str,
    since: str | None,
    until: str | None,
    save: Path | None,
    replay: Path | None,
    spec_path: Path,
) -> None:
    """Write NAME's cloudflare-analytics.jsonl from Cloudflare's GraphQL Analytics.

    Workers AI, Workflows, D1, R2 and KV usage, per hour or day, for the experiment's window.
    Reads CLOUDFLARE_API_TOKEN (permission Account Analytics: Read) and CLOUDFLARE_ACCOUNT_ID.
    Nothing is written unless every query succeeds. See: paperkit docs cloudflare.
    """
    from paperkit.importers.cloudflare import import_cloudflare

    api = _api(save, replay, "Account Analytics: Read")
    try:
        result = import_cloudflare(spec_path, name, api, since=since, until=until)
    finally:
        api.close()
    groups = ", ".join(f"{dataset} {n}" for dataset, n in result.groups.items())
    missing = sorted({f for fields in result.missing.values() for f in fields})
    action = "wrote" if result.changed else "unchanged:"
    line = f"{name}: {action} {shown(result.path)} ({groups} groups, sampled)"
    if missing:
        line += f"; not in Cloudflare's schema: {', '.join(missing)}"
    click.echo(line, err=True)


@click.command(
    "cloudflare-workflows",
    context_settings=CONTEXT,
    short_help="Import a Workflow's instances into workflows.jsonl.",
)
@click.argument("name")
@click.option("--workflow", required=True, help="The Workflow's name, as in wrangler.toml.")
@_import_options
def cloudflare_workflows(
    name: str,
    workflow: str,
    since: str | None,
    until: str | None,
    save: Path | None,
    replay: Path | None,
    spec_path: Path,
) -> None:
    """Upsert NAME's workflows.jsonl from the instances of a Cloudflare Workflow.

    One record per finished instance that started in the window (the spec's start
    to end by default), by execution_id: success, duration_ms, steps, error.
    Reads CLOUDFLARE_API_TOKEN (permission Workers Scripts: Read) and CLOUDFLARE_ACCOUNT_ID.
    See: paperkit docs cloudflare.
    """
    from paperkit.importers.cloudflare_workflows import (
        WORKFLOW_PERMISSION,
        import_workflow_instances,
    )

    api = _api(save, replay, WORKFLOW_PERMISSION)
    try:
        result = import_workflow_instances(spec_path, name, api, workflow, since=since, until=until)
    finally:
        api.close()
    click.echo(
        f"{name}: {shown(result.path)}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.unfinished} still running, "
        f"{result.outside} outside the window (of {result.listed} instances of {workflow})",
        err=True,
    )
