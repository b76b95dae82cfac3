"""Asking one GraphQL Analytics dataset for all its groups over a window, page by page.

The API has no cursors, so each page is ``limit`` groups in a fixed order (the period, then
each dimension, ascending) and the next page filters past the last key (keyset paging,
Cloudflare docs ``analytics/graphql-api/features/pagination.mdx``). Each group becomes one
normalised record of ``cloudflare-analytics.jsonl`` (docs/cloudflare.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from paperkit.errors import PaperkitError
from paperkit.importers.cloudflare_api import CloudflareAPI
from paperkit.importers.cloudflare_datasets import R2_CLASS_A, R2_CLASS_B, R2_FREE, Dataset


def fetch_groups(
    api: CloudflareAPI,
    dataset: Dataset,
    dims: tuple[str, ...],
    sums: tuple[str, ...],
    start: datetime,
    stop: datetime,
    page_size: int,
) -> list[dict[str, Any]]:
    """Return every group of ``dataset`` over the window, normalised and sorted."""
    records: list[dict[str, Any]] = []
    for period, base in _windows(dataset, start, stop):
        keys = ((dataset.time,) if dataset.time else ()) + dims
        query = _query(dataset, keys, sums, page_size)
        last: dict[str, Any] | None = None
        while True:
            page_filter = base if last is None else {"AND": [base, _after(keys, last)]}
            variables = {"account": api.account, "filter": page_filter}
            rows = _rows(api.graphql(query, variables), dataset.name)
            for row in rows:
                records.append(_normalised(dataset, dims, sums, row, period))
            if len(rows) < page_size:
                break
            last = rows[-1].get("dimensions") or {}
    records.sort(key=lambda r: (r["period"], json.dumps(r["dimensions"], sort_keys=True)))
    return records


def _windows(
    dataset: Dataset, start: datetime, stop: datetime
) -> list[tuple[str | None, dict[str, Any]]]:
    """Return the (period, filter) of each query: one for the window, or one per UTC day."""
    if dataset.time == "date":
        last = (stop - timedelta(microseconds=1)).date()
        return [(None, {dataset.since_key: str(start.date()), dataset.until_key: str(last)})]
    first = start.replace(minute=0, second=0, microsecond=0)
    end = stop.replace(minute=0, second=0, microsecond=0)
    if end < stop:
        end += timedelta(hours=1)  # every hour that overlaps the window
    if dataset.time:
        return [(None, {dataset.since_key: iso(first), dataset.until_key: iso(end)})]
    days = []
    day = start.date()
    while datetime(day.year, day.month, day.day, tzinfo=UTC) < stop:
        low = datetime(day.year, day.month, day.day, tzinfo=UTC)
        days.append(
            (str(day), {dataset.since_key: iso(low), dataset.until_key: iso(low + timedelta(1))})
        )
        day += timedelta(days=1)
    return days


def _query(dataset: Dataset, keys: tuple[str, ...], sums: tuple[str, ...], limit: int) -> str:
    """Return the GraphQL query of one page of ``dataset`` (variables: account, filter).

    The limit is written into the query, as in Cloudflare's examples, rather than passed as a
    variable whose scalar type would have to be named.
    """
    order = ", ".join(f"{k}_ASC" for k in keys)
    count = "count " if dataset.count else ""
    filter_type = dataset.type_name("Filter_InputObject")
    return (
        f"query($account: string!, $filter: {filter_type}!) "
        "{ viewer { accounts(filter: {accountTag: $account}) { "
        f"rows: {dataset.name}(limit: {int(limit)}, filter: $filter, orderBy: [{order}]) {{ "
        f"{count}dimensions {{ {' '.join(keys)} }} sum {{ {' '.join(sums)} }} }} }} }} }}"
    )


def _after(keys: tuple[str, ...], last: dict[str, Any]) -> dict[str, Any]:
    """Return the filter for groups after ``last`` in the order of ``keys`` (keyset paging)."""
    options = []
    for i, key in enumerate(keys):
        option = {k: last.get(k) for k in keys[:i]}
        option[f"{key}_gt"] = last.get(key)
        options.append(option)
    return {"OR": options}


def _rows(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Return the groups of a page, checking the shape Cloudflare answers with."""
    try:
        accounts = data["viewer"]["accounts"]
        rows = accounts[0]["rows"] if accounts else []
    except (KeyError, TypeError, IndexError):
        raise PaperkitError(f"unexpected answer for {name}: no viewer.accounts[0].rows") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise PaperkitError(f"unexpected answer for {name}: rows is not a list of groups")
    return rows


def _normalised(
    dataset: Dataset,
    dims: tuple[str, ...],
    sums: tuple[str, ...],
    row: dict[str, Any],
    period: str | None,
) -> dict[str, Any]:
    """Return one group as a record: its period, its dimensions, count and sums as given."""
    dimensions = row.get("dimensions") or {}
    when = period if period is not None else dimensions.get(dataset.time)
    if not isinstance(when, str):
        raise PaperkitError(f"unexpected answer for {dataset.name}: a group has no {dataset.time}")
    record: dict[str, Any] = {
        "record": "group",
        "dataset": dataset.name,
        "sampled": True,
        "period": _period(when),
        "dimensions": {d: dimensions.get(d) for d in dims},
    }
    if dataset.count:
        record["count"] = row.get("count")
    total = row.get("sum") or {}
    record["sum"] = {s: total.get(s) for s in sums}
    if dataset.name == "r2OperationsAdaptiveGroups":
        action = dimensions.get("actionType")
        record["class"] = (
            "A"
            if action in R2_CLASS_A
            else "B"
            if action in R2_CLASS_B
            else "free"
            if action in R2_FREE
            else None
        )
    return record


def _period(text: str) -> str:
    """Return a period as written in the file: a date, or a UTC time ending in Z."""
    if "T" not in text:
        return text
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return iso(moment)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
