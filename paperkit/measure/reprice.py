"""What our own token counts would cost on another stack's model, priced with genai-prices.

A comparison's hand-entered "cost per 1K" is someone's estimate; ``reprice`` in the spec
prices the exact tokens this experiment logged for one of our models at another provider's
model (``"@cf/meta/llama-3.1-8b-instruct": "openai:gpt-4o-mini"``), at that model's price
at the hour of each call. Calls with unknown token counts cannot be repriced and are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from paperkit.errors import PaperkitError
from paperkit.measure.stats import sum_known
from paperkit.prices.pricing import genai_price, genai_prices_version
from paperkit.spec.types import Reprice


@dataclass(frozen=True)
class Repriced:
    """Our calls of ``model`` priced at ``provider:target``, beside what they cost us."""

    model: str
    provider: str
    target: str
    calls: int
    repriced_calls: int
    input_tokens: float
    output_tokens: float
    their_cost_usd: float | None
    our_cost_usd: float | None
    input_per_mtok: float | None
    output_per_mtok: float | None
    source: str


def reprice(ai: pd.DataFrame, pairs: tuple[Reprice, ...], spec_path: str) -> list[Repriced]:
    """Return one Repriced per spec pair; raise when a model is not in the logs or the price data.

    ``ai`` is the priced worker-ai frame (``cost_usd`` is our cost of each call).
    """
    found = []
    models = sorted({str(m) for m in ai["model"].dropna().unique()})
    for pair in pairs:
        calls = ai[ai["model"] == pair.model]
        if calls.empty:
            listed = ", ".join(f"'{m}'" for m in models) or "none"
            raise PaperkitError(
                f"comparison.reprice: no call of '{pair.model}' in worker-ai.jsonl; "
                f"the logged models are {listed}",
                spec_path,
                pair.line,
            )
        found.append(_one(calls, pair, spec_path))
    return found


def _one(calls: pd.DataFrame, pair: Reprice, spec_path: str) -> Repriced:
    """Price one model's calls at the pair's target, hour by hour."""
    tokens_in = calls["input_tokens"].astype("Float64")
    raw_out = calls["output_tokens"].astype("Float64")
    hours = calls["timestamp"].dt.floor("h")
    prices: dict[pd.Timestamp, tuple[float, float | None, str]] = {}
    for hour in sorted(hours[tokens_in.notna()].unique()):
        price = genai_price(pair.target, pd.Timestamp(hour).to_pydatetime(), pair.provider)
        if price is None:
            raise PaperkitError(
                f"comparison.reprice: genai-prices {genai_prices_version()} has no price for "
                f"'{pair.target}' from provider '{pair.provider}' at {pd.Timestamp(hour):%Y-%m-%d}",
                spec_path,
                pair.line,
            )
        prices[pd.Timestamp(hour)] = price
    price_in = hours.map({h: p[0] for h, p in prices.items()}).astype("Float64")
    price_out = hours.map({h: p[1] or 0.0 for h, p in prices.items()}).astype("Float64")
    charges_output = hours.map({h: p[1] is not None for h, p in prices.items()})
    # A call is repriced only when every token count the target charges for is known: a
    # missing output count is unknown, not zero (as in paperkit.prices.pricing).
    usable = tokens_in.notna() & (raw_out.notna() | (charges_output != True))  # noqa: E712
    tokens_out = raw_out.fillna(0)
    cost = (tokens_in * price_in + tokens_out * price_out) / 1_000_000
    first = prices[min(prices)] if prices else None
    matched = first[2] if first else pair.target
    source = f"genai-prices {genai_prices_version()} (provider {pair.provider}, model {matched})"
    return Repriced(
        model=pair.model,
        provider=pair.provider,
        target=pair.target,
        calls=len(calls),
        repriced_calls=int(usable.sum()),
        input_tokens=float(tokens_in[usable].sum()),
        output_tokens=float(tokens_out[usable].sum()),
        their_cost_usd=sum_known(cost[usable]) if usable.any() else None,
        our_cost_usd=sum_known(calls.loc[usable, "cost_usd"]),
        input_per_mtok=first[0] if first else None,
        output_per_mtok=first[1] if first else None,
        source=source,
    )
