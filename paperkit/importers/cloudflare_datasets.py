"""The GraphQL Analytics datasets paperkit imports, and what it asks of each.

Names, dimensions, sums and filter keys come from Cloudflare's docs and its
``cloudflare/skills`` repository (cited per dataset in docs/cloudflare.md). Workers AI's
``totalNeurons``, ``totalInferenceTimeMs`` and ``errorCode`` come only from third-party code,
so they are optional: asked only when the schema has them.
"""

from __future__ import annotations

from dataclasses import dataclass

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
