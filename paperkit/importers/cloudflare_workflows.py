"""Import a Workflow's executions from Cloudflare's Workflows REST API into ``workflows.jsonl``.

``paperkit import cloudflare-workflows NAME --workflow WF`` lists the Workflow's instances
(``GET /accounts/{account_id}/workflows/{workflow_name}/instances``, paged by its ``cursor``),
reads each instance's status (``GET …/instances/{instance_id}``) and upserts one record per
instance by ``execution_id``: ``status`` gives ``success`` (``complete`` is a success,
``errored`` and ``terminated`` are failures), ``start``/``end`` give ``duration_ms``,
``step_count`` gives ``steps`` and ``error.message`` gives ``error``. Instances still running
(or queued, paused, waiting) are left out until they end. Shapes: docs/cloudflare.md.

A record already in the file for the same ``execution_id`` is updated in place (fields written
by hand, such as ``cpu_ms`` or ``iteration``, are kept); every other line stays byte for byte,
and the file is replaced atomically under the appenders' lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from paperkit.atomic import write_atomic
from paperkit.errors import PaperkitError, shown
from paperkit.importers.cloudflare import use_account, window_bounds
from paperkit.importers.cloudflare_api import CloudflareAPI
from paperkit.spec.load import load_spec
from paperkit.tracking.append import experiment_folder, locked
from paperkit.tracking.records import KINDS, build_record, encode

PER_PAGE = 100
FINISHED = {"complete": True, "errored": False, "terminated": False}
WORKFLOW_PERMISSION = "Workers Scripts: Read"


@dataclass(frozen=True)
class InstancesImport:
    """What an import did: instances listed, records added and updated, instances still
    running, and finished ones that started outside the window."""

    path: Path
    listed: int
    added: int
    updated: int
    unchanged: int
    unfinished: int
    outside: int = 0


def import_workflow_instances(
    spec_path: Path,
    name: str,
    api: CloudflareAPI,
    workflow: str,
    *,
    since: str | None = None,
    until: str | None = None,
    per_page: int = PER_PAGE,
) -> InstancesImport:
    """Upsert the finished instances of ``workflow`` into experiment ``name``'s workflows.jsonl.

    Only instances that started inside the window (``since``/``until``, else the spec's
    ``start``/``end``; no window, every instance) are written, so another experiment's runs of
    the same Workflow stay out. Raises ``PaperkitError`` (writing nothing) when any request
    fails or an answer is not what the API documents.
    """
    folder = experiment_folder(spec_path, name)
    spec = load_spec(spec_path)
    start, stop = window_bounds(spec, name, since, until)
    use_account(api, spec)
    base = f"/client/v4/accounts/{quote(api.account)}/workflows/{quote(workflow, safe='')}"
    records: list[dict[str, object]] = []
    listed = unfinished = outside = 0
    for item in _instances(api, base + "/instances", per_page):
        listed += 1
        instance_id = item.get("id")
        if not isinstance(instance_id, str) or not instance_id:
            raise PaperkitError(f"unexpected answer listing {workflow}'s instances: no id")
        detail = api.get(f"{base}/instances/{quote(instance_id, safe='')}").get("result")
        if not isinstance(detail, dict):
            raise PaperkitError(f"unexpected answer for instance {instance_id}: no result")
        record = _record(workflow, instance_id, item, detail)
        if record is None:
            unfinished += 1
        elif _inside(str(record["timestamp"]), start, stop):
            records.append(record)
        else:
            outside += 1
    path = folder / KINDS["workflow"].file
    added, updated, unchanged = _upsert(path, records) if records else (0, 0, 0)
    return InstancesImport(path, listed, added, updated, unchanged, unfinished, outside)


def _instances(api: CloudflareAPI, path: str, per_page: int) -> list[dict[str, Any]]:
    """Return every instance the list endpoint gives, following ``result_info.cursor``."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"per_page": per_page}
        if cursor:
            params["cursor"] = cursor
        answer = api.get(path, params)
        page = answer.get("result")
        if not isinstance(page, list) or not all(isinstance(i, dict) for i in page):
            raise PaperkitError(f"unexpected answer from GET {path}: result is not a list")
        found.extend(page)
        info = answer.get("result_info") or {}
        following = info.get("cursor") if isinstance(info, dict) else None
        if len(page) < per_page or not following or following == cursor:
            return found
        cursor = str(following)


def _record(
    workflow: str, instance_id: str, item: dict[str, Any], detail: dict[str, Any]
) -> dict[str, object] | None:
    """Return the workflows.jsonl record of a finished instance, or None while it runs."""
    status = detail.get("status", item.get("status"))
    if status not in FINISHED:
        return None
    start = _time(detail.get("start") or item.get("started_on"))
    end = _time(detail.get("end") or item.get("ended_on"))
    error = detail.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    values: dict[str, object] = {
        "timestamp": start or _time(item.get("created_on")),
        "workflow_name": workflow,
        "execution_id": instance_id,
        "duration_ms": round((end - start).total_seconds() * 1000) if start and end else None,
        "steps": detail.get("step_count"),
        "success": FINISHED[status],
        "error": message if isinstance(message, str) and message else None,
    }
    try:
        return build_record(KINDS["workflow"], values)
    except PaperkitError as problem:
        raise PaperkitError(f"instance {instance_id}: {problem.message}") from None


def _inside(stamp: str, start: datetime | None, stop: datetime | None) -> bool:
    moment = _time(stamp)
    if moment is None:
        return True
    return (start is None or moment >= start) and (stop is None or moment < stop)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _upsert(path: Path, records: list[dict[str, object]]) -> tuple[int, int, int]:
    """Replace or append each record by ``execution_id``; return (added, updated, unchanged)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
    try:
        with locked(path, flags):
            old = path.read_bytes()
            lines = old.splitlines(keepends=True)
            where: dict[str, int] = {}
            for index, line in enumerate(lines):
                key = _execution_id(line)
                if key is not None and key not in where:
                    where[key] = index
            added = updated = unchanged = 0
            tail: list[bytes] = []
            for record in records:
                key = str(record["execution_id"])
                if key in where:
                    index = where[key]
                    merged = {**json.loads(lines[index]), **record}
                    new = encode(merged)
                    if lines[index].rstrip(b"\r\n") == new.rstrip(b"\n"):
                        unchanged += 1
                    else:
                        lines[index] = new
                        updated += 1
                else:
                    tail.append(encode(record))
                    where[key] = -1
                    added += 1
            if lines and not lines[-1].endswith(b"\n") and tail:
                lines[-1] += b"\n"
            data = b"".join(lines + tail)
            if data != old:
                write_atomic(path, data)
    except OSError as error:
        raise PaperkitError(f"cannot update: {error.strerror}", shown(path)) from error
    return added, updated, unchanged


def _execution_id(line: bytes) -> str | None:
    """The ``execution_id`` of a JSONL line, or None for a line that is not a record with one."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    value = record.get("execution_id") if isinstance(record, dict) else None
    return str(value) if value is not None else None
