"""What each logged call and usage record cost, and where that figure comes from.

Workers AI calls are priced token by token at the model's price at the time of the call, from
genai-prices (provider ``cloudflare``) unless the spec overrides the model. A call that cannot be
priced falls back to its logged ``cost_estimate``; with neither it is *unpriced* and its cost is
missing (NaN), never $0. Workflows, D1, KV and R2 records are priced at the list prices of
``paperkit/prices/cloudflare-rates.yaml`` when their usage fields are logged, else from their
logged estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import genai_prices
import numpy as np
import pandas as pd

from paperkit.prices.rates import SERVICE_FIELDS, Rates
from paperkit.spec.types import Spec

PROVIDER = "cloudflare"

# Values of the ``cost_source`` column.
PRICE_DATA = "price data"
SPEC = "spec"
LIST_PRICE = "list price"
# A Workflows record without cpu_ms: charged its invocation at list price, a lower bound
# (its CPU time, which the list price also charges, is unknown).
INVOCATION_ONLY = "list price, invocation only"
LOGGED = "logged"
UNPRICED = "unpriced"


@dataclass(frozen=True)
class ModelPriceInfo:
    """The token price applied to a model (first one seen in the period), and its source."""

    model: str
    input_per_mtok: float | None
    output_per_mtok: float | None
    source: str
    varies: bool = False


def genai_price(
    model: str, when: datetime, provider: str = PROVIDER
) -> tuple[float, float | None, str] | None:
    """Return (input, output, matched model id): USD per million tokens at ``when``, or None.

    Output is None for a model that has no output price (embeddings). genai-prices may match
    ``model`` to an entry of another name; the matched id is returned so the paper can say so.
    Tiered prices are not linear in tokens; Workers AI has none, so such a model is unknown.
    """
    usage = genai_prices.Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    try:
        calc = genai_prices.calc_price(
            usage, model, provider_id=provider, genai_request_timestamp=when
        )
    except LookupError:
        return None
    price = calc.model_price
    if not isinstance(price.input_mtok, Decimal):
        return None
    if price.output_mtok is not None and not isinstance(price.output_mtok, Decimal):
        return None
    out = float(price.output_mtok) if price.output_mtok else None
    return float(price.input_mtok), out, calc.model.id


def _model_prices(
    model: str, hours: list[pd.Timestamp], spec: Spec
) -> tuple[list[tuple[object, ...]], ModelPriceInfo]:
    """Return the price rows (model, hour, in, out, has_out, source) of one model, and its info."""
    override = spec.price_override(model)
    if override is not None:
        # An output price of 0 charges nothing for output, so output tokens are not needed.
        has_out = override.output_per_mtok > 0
        rows = [
            (model, h, override.input_per_mtok, override.output_per_mtok, has_out, SPEC)
            for h in hours
        ]
        source = f"experiments.yaml: {override.source}"
        return rows, ModelPriceInfo(
            model, override.input_per_mtok, override.output_per_mtok, source
        )
    rows = []
    seen: list[tuple[float, float | None, str]] = []
    for hour in hours:
        found = genai_price(model, hour.to_pydatetime())
        if found is None:
            continue
        out = found[1] if found[1] is not None else 0.0
        rows.append((model, hour, found[0], out, found[1] is not None, PRICE_DATA))
        if found not in seen:
            seen.append(found)
    if not seen:
        return rows, ModelPriceInfo(model, None, None, "no price found")
    source = f"genai-prices {genai_prices_version()} (provider {PROVIDER})"
    matched = seen[0][2]
    if matched != model:
        source += f", matched to its entry {matched}"
    return rows, ModelPriceInfo(model, seen[0][0], seen[0][1], source, varies=len(seen) > 1)


def genai_prices_version() -> str:
    """Return the installed genai-prices version (cited in the paper)."""
    return str(genai_prices.__version__)


def price_inferences(
    worker_ai: pd.DataFrame, spec: Spec
) -> tuple[pd.DataFrame, list[ModelPriceInfo]]:
    """Return ``worker_ai`` with ``cost_usd`` and ``cost_source`` columns, and the prices used.

    Prices are looked up once per (model, UTC hour), so a price change in genai-prices' history
    applies from the first whole hour after it, without a per-call lookup.
    """
    frame = worker_ai.copy(deep=False)  # pandas copies on write: the logs stay as read
    keys = pd.DataFrame(
        {"model": frame["model"].astype(object), "hour": frame["timestamp"].dt.floor("h")}
    )
    rows: list[tuple[object, ...]] = []
    infos: list[ModelPriceInfo] = []
    for model, model_hours in keys.drop_duplicates().groupby("model", sort=True)["hour"]:
        found_rows, info = _model_prices(str(model), sorted(model_hours), spec)
        rows.extend(found_rows)
        infos.append(info)
    table = pd.DataFrame(rows, columns=["model", "hour", "price_in", "price_out", "has_out", "src"])
    table["hour"] = table["hour"].astype(keys["hour"].dtype)
    # Each call's row of the price table, by a left merge, which keeps the calls' order (none
    # for a call of an unpriced model). The prices are then taken by that row, so the few
    # source words are shared rather than one string made per call.
    table["row"] = np.arange(len(table))
    looked_up = keys.merge(table[["model", "hour", "row"]], on=["model", "hour"], how="left")
    # Unpriced calls take the row after the table's last: no price, unpriced.
    row = looked_up["row"].fillna(len(table)).to_numpy(dtype=np.int64)
    del looked_up, keys
    price_in = np.append(table["price_in"].to_numpy(dtype=float), np.nan)[row]
    price_out = np.append(table["price_out"].to_numpy(dtype=float), np.nan)[row]
    has_output_price = np.append(table["has_out"].to_numpy(dtype=bool), False)[row]
    source = np.array([*table["src"].tolist(), UNPRICED], dtype=object)[row]

    tokens_in = frame["input_tokens"].to_numpy(dtype=float)
    tokens_out = frame["output_tokens"].to_numpy(dtype=float)
    # Missing output tokens are zero only for a model that has no output price (embeddings);
    # for a model that charges output, a missing count makes the token cost unknown.
    out_known = ~np.isnan(tokens_out) | ~has_output_price
    priceable = (source != UNPRICED) & ~np.isnan(tokens_in) & out_known
    token_cost = (tokens_in * price_in + np.nan_to_num(tokens_out) * price_out) / 1_000_000
    cost = np.where(priceable, token_cost, np.nan)
    source = np.where(priceable, source, UNPRICED)

    logged = frame["cost_logged"].to_numpy(dtype=float)
    use_logged = ~priceable & ~np.isnan(logged)
    cost = np.where(use_logged, logged, cost)
    source = np.where(use_logged, LOGGED, source)

    frame["cost_usd"] = cost
    frame["cost_source"] = source.astype(object)
    return frame, infos


def price_workflows(workflows: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Return ``workflows`` with cost columns; list price where ``cpu_ms`` is logged.

    Each execution is one invocation (steps are not invocations); CPU time is billed per
    millisecond. Without ``cpu_ms`` the invocation is still known, so the record is charged the
    invocation price and marked ``INVOCATION_ONLY``: a lower bound, rather than a logged estimate
    that may be anything.
    """
    per_m = rates["workflows"].per_m
    frame = workflows.copy(deep=False)  # pandas copies on write: the logs stay as read
    cpu = frame["cpu_ms"].to_numpy(dtype=float)
    listed = (per_m["invocation"] + np.nan_to_num(cpu) * per_m["cpu_ms"]) / 1_000_000
    return _with_fallback(frame, listed, np.ones(len(frame), dtype=bool), partial=np.isnan(cpu))


def price_services(cloudflare: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Return D1/KV/R2 records with ``cost_usd``/``cost_source``; list price where usage is logged.

    A record is priced when at least one of its service's usage fields is present; the fields
    it lacks count as zero (a read logs no rows written). Other resources have no list price
    here and fall back to their logged estimate.
    """
    frame = cloudflare.copy()
    n = len(frame)
    listed = np.full(n, np.nan)
    has_usage = np.zeros(n, dtype=bool)
    for service in ("d1", "kv", "r2"):
        rows = (frame["resource"] == service).to_numpy()
        usage = frame.loc[rows, list(SERVICE_FIELDS[service])].to_numpy(dtype=float)
        per_m = np.array([rates[service].per_m[f] for f in SERVICE_FIELDS[service]])
        listed[rows] = np.nan_to_num(usage) @ per_m / 1_000_000
        has_usage[rows] = ~np.isnan(usage).all(axis=1)
    return _with_fallback(frame, listed, has_usage)


_SOURCES = np.array([LIST_PRICE, LOGGED, UNPRICED, INVOCATION_ONLY], dtype=object)


def _with_fallback(
    frame: pd.DataFrame,
    listed: np.ndarray,
    has_usage: np.ndarray,
    *,
    partial: np.ndarray | None = None,
) -> pd.DataFrame:
    """Set ``cost_usd`` and ``cost_source``: the list price where usage is logged, else the
    logged estimate, else unpriced; ``partial`` marks list prices of ``INVOCATION_ONLY``."""
    logged = frame["cost_logged"].to_numpy(dtype=float)
    use_logged = ~has_usage & ~np.isnan(logged)
    frame["cost_usd"] = np.where(has_usage, listed, np.where(use_logged, logged, np.nan))
    code = np.where(has_usage, 0, np.where(use_logged, 1, 2))  # into _SOURCES: shared words
    if partial is not None:
        code = np.where(has_usage & partial, 3, code)
    frame["cost_source"] = _SOURCES[code]
    return frame
