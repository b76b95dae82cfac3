"""Import what Cloudflare measured: GraphQL Analytics into ``cloudflare-analytics.jsonl``.

``paperkit import cloudflare NAME`` asks the GraphQL Analytics API for each dataset below over
the experiment's window and writes one normalised record per dataset, period and dimension
set. The datasets, fields, filters and limits are those of Cloudflare's docs and its
``cloudflare/skills`` repository, cited field by field in docs/cloudflare.md. Every
``*AdaptiveGroups`` dataset is sampled, so every record says ``"sampled": true``.

The API has no cursors: each page is ``limit`` groups in a fixed order, and the next page
filters past the last key (keyset paging). Workers AI's extra fields (neurons, inference time,
error code) are not in Cloudflare's docs, so the schema is asked first (GraphQL introspection)
and only the fields that exist are queried; the file says which were available.

Nothing is written unless every query succeeded, and the file is replaced atomically; the same
window and answers give the same bytes (no import time goes in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from paperkit.atomic import write_atomic
from paperkit.build import find_experiment
from paperkit.errors import PaperkitError
from paperkit.importers.cloudflare_api import CloudflareAPI
from paperkit.importers.cloudflare_datasets import (
    DATASETS,
    MAX_PAGE,
    Dataset,
    Limits,
    dataset_limits,
)
from paperkit.importers.cloudflare_groups import fetch_groups, iso
from paperkit.spec.load import instant, load_spec
from paperkit.spec.types import Spec
from paperkit.tracking.append import experiment_folder

ANALYTICS_FILE = "cloudflare-analytics.jsonl"


@dataclass(frozen=True)
class AnalyticsImport:
    """What an import did: the file, the window asked, groups per dataset, what was missing."""

    path: Path
    since: datetime
    until: datetime
    groups: dict[str, int]
    missing: dict[str, tuple[str, ...]]
    changed: bool


def import_cloudflare(
    spec_path: Path,
    name: str,
    api: CloudflareAPI,
    *,
    since: str | None = None,
    until: str | None = None,
    now: datetime | None = None,
    page_size: int = MAX_PAGE,
) -> AnalyticsImport:
    """Write experiment ``name``'s ``cloudflare-analytics.jsonl`` from Cloudflare's analytics.

    The window is ``since``/``until`` (dates, inclusive, or ISO times, in the spec's time
    zone) or else the spec's ``start``/``end``. Raises ``PaperkitError`` (writing nothing) for
    a window Cloudflare no longer keeps, a missing account id, or any failed query.
    """
    spec = load_spec(spec_path)
    folder = experiment_folder(spec_path, name)
    start, stop = window_bounds(spec, name, since, until)
    if start is None or stop is None:
        raise PaperkitError(
            f"no window for '{name}': give --since and --until, or set start and end under "
            f"experiments.{name} in {spec.path.name}"
        )
    use_account(api, spec)
    limits = dataset_limits(api)
    if api.replay is None:
        _check_retention(start, now or _now(), limits)
    lines: list[dict[str, Any]] = []
    groups: dict[str, int] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for dataset in DATASETS:
        dims, sums, absent, checked = _fields(api, dataset)
        limit = limits[dataset.name]
        page = min(page_size, limit.max_page_size)
        records = fetch_groups(api, dataset, dims, sums, start, stop, page)
        header = {
            "record": "dataset",
            "dataset": dataset.name,
            "sampled": True,
            "granularity": dataset.granularity,
            "since": iso(start),
            "until": iso(stop),
            "dimensions": list(dims),
            "fields": (["count"] if dataset.count else []) + [f"sum.{s}" for s in sums],
            "missing": list(absent),
            "schema_checked": checked,
            "max_page_size": limit.max_page_size,
            "retention_days": limit.retention / timedelta(days=1),
            "limits_from_settings": limit.from_settings,
            "groups": len(records),
        }
        lines.append(header)
        lines.extend(records)
        groups[dataset.name] = len(records)
        missing[dataset.name] = absent
    path = folder / ANALYTICS_FILE
    data = b"".join(_encode(line) + b"\n" for line in lines)
    changed = not path.is_file() or path.read_bytes() != data
    if changed:
        write_atomic(path, data)
    return AnalyticsImport(path, start, stop, groups, missing, changed)


def _now() -> datetime:
    """The current time (one place, so tests can fix it)."""
    return datetime.now(UTC)


def window_bounds(
    spec: Spec, name: str, since: str | None, until: str | None
) -> tuple[datetime | None, datetime | None]:
    """Return the window ``[start, stop)`` in UTC: the options, else the spec's start and end.

    Either side is None when neither gives it; raises for an empty window.
    """
    exp = find_experiment(spec, name)
    start = _bound(since, "--since", spec.timezone, end=False)
    stop = _bound(until, "--until", spec.timezone, end=True)
    start = start or _spec_bound(exp.start, spec, False)
    stop = stop or _spec_bound(exp.end, spec, True)
    if start is not None and stop is not None and stop <= start:
        raise PaperkitError(f"empty window: {iso(start)} is not before {iso(stop)}")
    return start, stop


def use_account(api: CloudflareAPI, spec: Spec) -> None:
    """Give ``api`` the spec's ``cloudflare.account_id`` unless the environment gave one."""
    if not api.account:
        api.account = spec.cloudflare.account_id
    if not api.account:
        raise PaperkitError(
            "no Cloudflare account id: set CLOUDFLARE_ACCOUNT_ID (the id in your dashboard's URL)"
            f" or cloudflare.account_id in {spec.path.name}"
        )


def _bound(text: str | None, option: str, timezone: str, *, end: bool) -> datetime | None:
    """Return an option's date (whole day) or time as a UTC instant, or None when not given."""
    if text is None:
        return None
    try:
        moment: date | datetime = (
            datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        )
    except ValueError:
        raise PaperkitError(
            f"{option}: not a date or time: '{text}'; write 2026-11-02 or 2026-11-02T09:00"
        ) from None
    return instant(moment, timezone, end=end).astimezone(UTC)


def _spec_bound(moment: date | datetime | None, spec: Spec, end: bool) -> datetime | None:
    if moment is None:
        return None
    return instant(moment, spec.timezone, end=end).astimezone(UTC)


def _check_retention(start: datetime, now: datetime, limits: dict[str, Limits]) -> None:
    """Raise when the window starts before the oldest data Cloudflare still keeps.

    The shortest retention of the datasets counts: every dataset is imported or none.
    """
    kept = min(limit.retention for limit in limits.values())
    oldest = now - kept
    if start < oldest:
        days = f"{kept / timedelta(days=1):g}"
        raise PaperkitError(
            f"the window starts {iso(start)}, but Cloudflare keeps analytics for {days} days "
            f"(nothing before {iso(oldest)}); import with --since {oldest.date() + timedelta(1)} "
            "or later, or rebuild from saved responses with --from-responses"
        )


def _fields(
    api: CloudflareAPI, dataset: Dataset
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    """Return the dimensions and sums to ask, the optional ones missing, and whether the
    schema could be read. Without optional fields, nothing needs asking."""
    dims, sums = dataset.dims, dataset.sums
    if not dataset.optional_dims and not dataset.optional_sums:
        return dims, sums, (), True
    query = (
        f'query {{ sum: __type(name: "{dataset.type_name("Sum")}") {{ fields {{ name }} }} '
        f'dimensions: __type(name: "{dataset.type_name("Dimensions")}") {{ fields {{ name }} }} }}'
    )
    data = api.graphql(query, {})
    found: dict[str, set[str] | None] = {}
    for part in ("sum", "dimensions"):
        node = data.get(part)
        fields = node.get("fields") if isinstance(node, dict) else None
        found[part] = (
            {f["name"] for f in fields if isinstance(f, dict)} if isinstance(fields, list) else None
        )
    checked = found["sum"] is not None and found["dimensions"] is not None
    extra_dims = tuple(d for d in dataset.optional_dims if d in (found["dimensions"] or ()))
    extra_sums = tuple(s for s in dataset.optional_sums if s in (found["sum"] or ()))
    absent = tuple(f"dimensions.{d}" for d in dataset.optional_dims if d not in extra_dims)
    absent += tuple(f"sum.{s}" for s in dataset.optional_sums if s not in extra_sums)
    return dims + extra_dims, sums + extra_sums, absent, checked


def _encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
