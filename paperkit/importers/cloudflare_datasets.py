"""The GraphQL Analytics datasets paperkit imports, and what it asks of each.

Names, dimensions, sums and filter keys come from Cloudflare's docs and its
``cloudflare/skills`` repository (cited per dataset in docs/cloudflare.md). Workers AI's
``totalNeurons``, ``totalInferenceTimeMs`` and ``errorCode`` come only from third-party code,
so they are optional: asked only when the schema has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from paperkit.importers.cloudflare_api import CloudflareAPI

RETENTION = timedelta(days=31)  # "Retained 31 days" (Workflows, D1, R2 analytics docs)
MAX_PAGE = 10_000  # the limit Cloudflare's own Workflows examples use

# R2 operations by billing class (Cloudflare docs, r2/pricing.mdx; reference cloudflare.md §3).
R2_CLASS_A = frozenset(
    "ListBuckets PutBucket ListObjects PutObject CopyObject CompleteMultipartUpload "
    "CreateMultipartUpload LifecycleStorageTierTransition ListMultipartUploads UploadPart "
    "UploadPartCopy ListParts PutBucketEncryption PutBucketCors "
    "PutBucketLifecycleConfiguration".split()
)
R2_CLASS_B = frozenset(
    "HeadBucket HeadObject GetObject UsageSummary GetBucketEncryption GetBucketLocation "
    "GetBucketCors GetBucketLifecycleConfiguration".split()
)
R2_FREE = frozenset({"DeleteObject", "DeleteBucket", "AbortMultipartUpload"})


@dataclass(frozen=True)
class Dataset:
    """One GraphQL dataset: what is asked of it and how its window is filtered.

    ``time`` is the dimension giving each group's period (``datetimeHour`` or ``date``); an
    empty ``time`` means the dataset has no documented day dimension, so it is asked one UTC
    day at a time. ``optional`` fields are asked only when the schema has them.
    """

    name: str
    time: str
    dims: tuple[str, ...]
    sums: tuple[str, ...]
    since_key: str
    until_key: str
    count: bool = True
    optional_dims: tuple[str, ...] = ()
    optional_sums: tuple[str, ...] = ()

    @property
    def granularity(self) -> str:
        return "hour" if self.time == "datetimeHour" else "day"

    def type_name(self, part: str) -> str:
        """The schema's name of a part of this dataset: Account<Dataset><Sum|Dimensions|…>."""
        return f"Account{self.name[0].upper()}{self.name[1:]}{part}"


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "aiInferenceAdaptiveGroups",
        "datetimeHour",
        ("modelId",),
        ("totalInputTokens", "totalOutputTokens"),
        "datetime_geq",
        "datetime_lt",
        optional_dims=("errorCode",),
        optional_sums=("totalNeurons", "totalInferenceTimeMs"),
    ),
    Dataset(
        "workflowsAdaptiveGroups",
        "datetimeHour",
        ("workflowName", "eventType"),
        ("wallTime",),
        "datetimeHour_geq",
        "datetimeHour_lt",
    ),
    Dataset(
        "d1AnalyticsAdaptiveGroups",
        "date",
        ("databaseId",),
        ("readQueries", "writeQueries", "rowsRead", "rowsWritten"),
        "date_geq",
        "date_leq",
        count=False,
    ),
    Dataset(
        "r2OperationsAdaptiveGroups",
        "",
        ("actionType",),
        ("requests",),
        "datetime_geq",
        "datetime_lt",
        count=False,
    ),
    Dataset(
        "kvOperationsAdaptiveGroups",
        "date",
        ("actionType",),
        ("requests",),
        "date_geq",
        "date_leq",
        count=False,
    ),
)


@dataclass(frozen=True)
class Limits:
    """A dataset's limits for this account: the largest page and how far back data is kept.

    ``from_settings`` is False when Cloudflare's ``settings`` node did not give them and the
    documented defaults (10,000 groups, 31 days) stand in.
    """

    max_page_size: int = MAX_PAGE
    retention: timedelta = RETENTION
    from_settings: bool = False


def dataset_limits(api: CloudflareAPI) -> dict[str, Limits]:
    """Return each dataset's limits from the account's ``settings`` node (one query).

    ``settings { <dataset> { maxPageSize notOlderThan } }`` (Cloudflare docs,
    ``analytics/graphql-api/features/discovery/settings.mdx``); ``notOlderThan`` is in seconds.
    When the node cannot be read, every dataset gets the documented defaults.
    """
    nodes = " ".join(f"{d.name} {{ maxPageSize notOlderThan }}" for d in DATASETS)
    query = (
        "query($account: string!) { viewer { accounts(filter: {accountTag: $account}) "
        f"{{ settings {{ {nodes} }} }} }} }}"
    )
    data = api.graphql(query, {"account": api.account}, optional=True)
    try:
        settings: dict[str, Any] = data["viewer"]["accounts"][0]["settings"] or {}
    except (KeyError, IndexError, TypeError):
        settings = {}
    limits = {}
    for dataset in DATASETS:
        node = settings.get(dataset.name)
        page, kept = (node.get("maxPageSize"), node.get("notOlderThan")) if node else (None, None)
        if _whole(page) and _whole(kept):
            limits[dataset.name] = Limits(page, timedelta(seconds=kept), True)
        else:
            limits[dataset.name] = Limits()
    return limits


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
