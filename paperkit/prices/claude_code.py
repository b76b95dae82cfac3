"""What each Claude Code API request cost, priced one request at a time with genai-prices.

Each request of ``claude-code.jsonl`` is priced at the price its model had at the request's
own timestamp (genai-prices, provider ``anthropic``). genai-prices counts ``input_tokens`` as
everything sent: uncached input + cache reads + cache writes, with the 1-hour cache writes
given apart (they cost more than the 5-minute ones), and web searches priced per search.
Long-context tiers apply to the whole request when its total input passes the threshold, as
Anthropic bills them; that is why requests are priced one by one, never as a sum.

A model genai-prices does not know (``<synthetic>``, the placeholder of an API error,
included) is unpriced: its cost is missing, never $0, and every total that leaves it out is a
lower bound. So is a fast-mode request (``speed: "fast"``): Anthropic bills it at a multiple
of the standard price, which genai-prices does not hold. ``pricing.models`` in the spec can
price such a model (input and output prices,
with a source); it has no cache rates, so a request with cache tokens stays unpriced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import genai_prices
import numpy as np
import pandas as pd

from paperkit.prices.pricing import PRICE_DATA, SPEC, UNPRICED, genai_prices_version
from paperkit.spec.types import Spec

PROVIDER = "anthropic"
FAST = "fast"  # usage.speed of a fast-mode request


@dataclass(frozen=True)
class ClaudePriceInfo:
    """How one model's requests were priced: the source cited, and how many stayed unpriced."""

    model: str
    requests: int
    priced: int
    source: str


def usage_of(row: dict[str, object]) -> genai_prices.Usage:
    """Return the genai-prices usage of one request (the fields of ``claude-code.jsonl``)."""
    written = int(row["cache_write_tokens"])  # type: ignore[call-overload]
    read = int(row["cache_read_tokens"])  # type: ignore[call-overload]
    values: dict[str, int] = {
        "input_tokens": int(row["input_tokens"]) + written + read,  # type: ignore[call-overload]
        "output_tokens": int(row["output_tokens"]),  # type: ignore[call-overload]
        "cache_write_tokens": written,
        "cache_read_tokens": read,
    }
    one_hour = row["cache_write_1h_tokens"]
    if one_hour is not None and not pd.isna(one_hour) and int(one_hour):  # type: ignore[call-overload]
        values["cache_write_1h_tokens"] = int(one_hour)  # type: ignore[call-overload]
    searches = int(row["web_search_requests"])  # type: ignore[call-overload]
    if searches:
        values["web_searches"] = searches
    return genai_prices.Usage(**values)


def _model_info(model: str, when: datetime) -> object | None:
    """Return genai-prices' entry for ``model`` (provider anthropic), or None when unknown."""
    try:
        calc = genai_prices.calc_price(
            genai_prices.Usage(input_tokens=1, output_tokens=1),
            model,
            provider_id=PROVIDER,
            genai_request_timestamp=when,
        )
    except LookupError:
        return None
    return calc.model


def price_requests(
    requests: pd.DataFrame, spec: Spec
) -> tuple[pd.DataFrame, tuple[ClaudePriceInfo, ...]]:
    """Return ``requests`` with ``cost_usd`` (NaN when unpriced) and ``cost_source``, and how
    each model was priced (sorted by model)."""
    frame = requests.copy()
    costs = np.full(len(frame), np.nan)
    sources = np.full(len(frame), UNPRICED, dtype=object)
    infos: list[ClaudePriceInfo] = []
    models = frame["model"].astype(object)
    for model in sorted(models.dropna().unique()):
        rows = np.flatnonzero((models == model).to_numpy())
        override = spec.price_override(model)
        if override is not None:
            source = f"experiments.yaml: {override.source}"
            for row in rows:
                record = frame.iloc[row]
                if record["cache_write_tokens"] or record["cache_read_tokens"]:
                    continue  # the spec's price has no cache rates
                costs[row] = (
                    record["input_tokens"] * override.input_per_mtok
                    + record["output_tokens"] * override.output_per_mtok
                ) / 1e6
                sources[row] = SPEC
        else:
            first = frame["timestamp"].iloc[rows[0]].to_pydatetime()
            info = _model_info(model, first)
            source = "no price found"
            if info is not None:
                source = f"genai-prices {genai_prices_version()} (provider {PROVIDER})"
                if info.id != model:  # type: ignore[attr-defined]
                    source += f", matched to its entry {info.id}"  # type: ignore[attr-defined]
                records = frame.iloc[rows].to_dict("records")
                for row, record in zip(rows, records, strict=True):
                    if record.get("speed") == FAST:
                        continue  # billed at a multiple genai-prices does not know
                    when = record["timestamp"].to_pydatetime()
                    price = info.get_prices(when).calc_price(usage_of(record))  # type: ignore[attr-defined]
                    costs[row] = float(Decimal(price["total_price"]))
                    sources[row] = PRICE_DATA
        priced = int((sources[rows] != UNPRICED).sum())
        fast = int((frame["speed"].iloc[rows] == FAST).sum()) if "speed" in frame else 0
        if fast and override is None:
            source += f"; {fast:,} fast-mode requests unpriced (no fast-mode price)"
        infos.append(ClaudePriceInfo(str(model), len(rows), priced, source))
    frame["cost_usd"] = pd.Series(costs, index=frame.index, dtype=np.float64)
    frame["cost_source"] = pd.Series(sources, index=frame.index, dtype=object)
    return frame, tuple(infos)
